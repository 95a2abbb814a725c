import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { logSoftmax, logSoftmaxAt, logSumExp } from '../../src/core/scoring/index.ts';

describe('logSumExp / logSoftmax', () => {
  it('matches the textbook formula on small inputs', () => {
    const x = [1, 2, 3];
    const direct = Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3));
    expect(logSumExp(x)).toBeCloseTo(direct, 14);
    const ls = logSoftmax(x);
    expect(ls[2] - ls[0]).toBeCloseTo(2, 14);
    expect(Math.exp(ls[0]) + Math.exp(ls[1]) + Math.exp(ls[2])).toBeCloseTo(1, 14);
  });

  it('does not overflow or underflow on huge or tiny logits (float32 logits of a real model)', () => {
    const big = new Float32Array([1000, 999, -1000]);
    const ls = logSoftmax(big);
    expect(ls[0]).toBeCloseTo(-Math.log(1 + Math.exp(-1)), 12);
    expect(ls[1]).toBeCloseTo(-1 - Math.log(1 + Math.exp(-1)), 12);
    expect(Number.isFinite(ls[2])).toBe(true);
    const small = new Float32Array([-1e4, -1e4 - 1]);
    // lse ≈ -1e4 carries ~1e-12 absolute float64 error: that is the limit, not a bug.
    expect(logSoftmax(small)[0]).toBeCloseTo(-Math.log(1 + Math.exp(-1)), 10);
  });

  it('accumulates in float64 over a 32,000-entry vocabulary', () => {
    // 32,000 equal logits: every log-prob is exactly -log(32000); float32 summation would drift.
    const x = new Float32Array(32000).fill(0.1);
    const ls = logSoftmax(x);
    expect(ls[123]).toBeCloseTo(-Math.log(32000), 12);
    expect(logSoftmaxAt(x, [0, 31999])).toEqual([ls[0], ls[31999]]);
  });

  it('handles -Infinity entries (masked tokens) and all-masked input', () => {
    expect(logSoftmax([0, -Infinity])[0]).toBe(0);
    expect(logSoftmax([0, -Infinity])[1]).toBe(-Infinity);
    expect(logSumExp([-Infinity, -Infinity])).toBe(-Infinity);
    expect(logSumExp([])).toBe(-Infinity);
    expect(Number.isNaN(logSumExp([1, NaN]))).toBe(true);
  });

  it('logSoftmaxAt rejects ids outside the vocabulary', () => {
    expect(() => logSoftmaxAt([0, 1], [2])).toThrow(/outside the vocabulary/);
    expect(() => logSoftmaxAt([0, 1], [-1])).toThrow(RangeError);
  });

  it('property: exp(logSoftmax) sums to 1 and is shift-invariant', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -200, max: 200, noNaN: true }), { minLength: 1, maxLength: 64 }),
        fc.double({ min: -500, max: 500, noNaN: true }),
        (xs, shift) => {
          const ls = logSoftmax(xs);
          const total = ls.reduce((a, v) => a + Math.exp(v), 0);
          expect(total).toBeCloseTo(1, 10);
          const shifted = logSoftmax(xs.map((v) => v + shift));
          for (let i = 0; i < xs.length; i++) expect(shifted[i]).toBeCloseTo(ls[i], 8);
        },
      ),
    );
  });
});
