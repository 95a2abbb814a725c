import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { argmax, argmaxFirst, cutAtStop, logSoftmax, logSumExp, topK, topKIds } from '../../src/core/decoding/index.ts';
import { EngineRequestError } from '../../src/core/engine-errors.ts';

describe('logits arithmetic on rows and row views', () => {
  it('works on a subarray view of one row of a [positions, vocab] buffer', () => {
    const V = 4;
    const buf = new Float32Array([0, 9, 1, 2, /* row 1 */ 3, 3, -1, 7]);
    const row1 = buf.subarray(V, 2 * V);
    expect(argmax(row1)).toBe(3);
    expect(topKIds(row1, 3)).toEqual([3, 0, 1]);
    expect(logSumExp(row1)).toBeCloseTo(Math.log(2 * Math.exp(3) + Math.exp(-1) + Math.exp(7)), 12);
  });

  it('argmax is argmaxFirst, but a row without a usable value is an error, not token 0', () => {
    expect(argmaxFirst([-Infinity, -Infinity])).toBe(0);
    expect(() => argmax([-Infinity, -Infinity])).toThrow(EngineRequestError);
    expect(argmax([Infinity, 1])).toBe(0);
  });

  it('topKIds clamps k, skips NaN, orders ties by id', () => {
    const x = [1, NaN, 3, 3, 0];
    expect(topKIds(x, 0)).toEqual([]);
    expect(topKIds(x, -2)).toEqual([]);
    expect(topKIds(x, 2.7)).toEqual([2, 3]);
    expect(topKIds(x, 99)).toEqual([2, 3, 0, 4]);
    expect(topK(x, 1)).toEqual([{ id: 2, logprob: 3 }]);
  });

  it('property: topKIds agrees with a full sort (value desc, id asc)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -5, max: 5 }), { minLength: 1, maxLength: 40 }), fc.integer({ min: 0, max: 45 }), (xs, k) => {
        const sorted = xs.map((v, id) => ({ v, id })).sort((a, b) => b.v - a.v || a.id - b.id);
        expect(topKIds(xs, k)).toEqual(sorted.slice(0, k).map((e) => e.id));
        expect(argmax(xs)).toBe(sorted[0].id);
      }),
    );
  });

  it('logSoftmax of a view equals logits minus logSumExp', () => {
    const row = new Float32Array([0.5, -2, 4]);
    const ls = logSoftmax(row);
    for (let i = 0; i < row.length; i++) expect(ls[i]).toBe(row[i] - logSumExp(row));
  });
});

describe('stop strings', () => {
  it('cuts before the earliest stop string; empty stop strings are ignored', () => {
    expect(cutAtStop('Answer: yes\n\nQuestion', ['Question', '\n\n'])).toEqual({ text: 'Answer: yes', stopped: true });
    expect(cutAtStop('no stop here', ['', 'zzz'])).toEqual({ text: 'no stop here', stopped: false });
    expect(cutAtStop('###', ['###'])).toEqual({ text: '', stopped: true });
  });
});
