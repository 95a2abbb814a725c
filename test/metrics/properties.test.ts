/** Properties of ROUGE, LCS and the bootstrap that must hold for any input (fast-check). */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bootstrapAggregate } from '../../src/core/metrics/bootstrap.ts';
import { lcsIndices, lcsLength } from '../../src/core/metrics/lcs.ts';
import { PYTHON_WHITESPACE, postprocessGeneration, pythonStrip } from '../../src/core/metrics/postprocess.ts';
import { rougeL, rougeLsum, scoreMulti, scoreRouge } from '../../src/core/metrics/rouge.ts';
import { tokenizeRouge } from '../../src/core/metrics/tokenize.ts';

const word = fc.constantFrom('a', 'b', 'c', 'the', 'cat', 'running', 'runs', 'ran', 'Dies', 'x1', '42');
const separator = fc.constantFrom(' ', ', ', '. ', '\n', '  ', '-', '\t');
/** Small-vocabulary texts, so that repeated tokens and LCS ties are frequent. */
const text = fc
  .array(fc.tuple(word, separator), { maxLength: 25 })
  .map((parts) => parts.map(([w, s]) => w + s).join(''));
const noNewlineText = text.map((t) => t.replaceAll('\n', ' '));
const ids = fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 30 }).map((xs) => Int32Array.from(xs));

/** A plain, obviously-correct LCS for comparison. */
function naiveLcs(a: Int32Array, b: Int32Array): number {
  const t = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++)
      t[i][j] = a[i - 1] === b[j - 1] ? t[i - 1][j - 1] + 1 : Math.max(t[i - 1][j], t[i][j - 1]);
  return t[a.length][b.length];
}

function isSubsequence(needle: number[], haystack: Int32Array): boolean {
  let k = 0;
  for (const x of haystack) if (k < needle.length && x === needle[k]) k += 1;
  return k === needle.length;
}

describe('LCS properties', () => {
  it('agrees with the naive DP, is symmetric and bounded by the shorter length', () => {
    fc.assert(
      fc.property(ids, ids, (a, b) => {
        const length = lcsLength(a, b);
        expect(length).toBe(naiveLcs(a, b));
        expect(lcsLength(b, a)).toBe(length);
        expect(length).toBeLessThanOrEqual(Math.min(a.length, b.length));
      }),
    );
  });

  it('backtracks to a common subsequence of maximal length', () => {
    fc.assert(
      fc.property(ids, ids, (ref, can) => {
        const indices = lcsIndices(ref, can);
        expect(indices.length).toBe(lcsLength(ref, can));
        for (let k = 1; k < indices.length; k++) expect(indices[k]).toBeGreaterThan(indices[k - 1]);
        expect(isSubsequence(indices.map((i) => ref[i]), can)).toBe(true);
      }),
    );
  });
});

describe('ROUGE properties', () => {
  it('scores lie in [0, 1]; swapping the texts swaps P and R and keeps F', () => {
    fc.assert(
      fc.property(text, text, fc.boolean(), (ref, pred, stem) => {
        const forward = rougeL(ref, pred, { stem });
        const backward = rougeL(pred, ref, { stem });
        for (const v of Object.values(forward)) expect(v >= 0 && v <= 1).toBe(true);
        expect(backward.precision).toBe(forward.recall);
        expect(backward.recall).toBe(forward.precision);
        expect(backward.fmeasure).toBeCloseTo(forward.fmeasure, 15);
      }),
    );
  });

  it('gives 1 for identical texts with at least one token', () => {
    fc.assert(
      fc.property(text, fc.boolean(), (t, stem) => {
        fc.pre(tokenizeRouge(t).length > 0);
        expect(rougeL(t, t, { stem })).toEqual({ precision: 1, recall: 1, fmeasure: 1 });
        expect(rougeLsum(t, t, { stem }).fmeasure).toBe(1);
      }),
    );
  });

  it('rougeLsum equals rougeL when neither text has a newline', () => {
    fc.assert(
      fc.property(noNewlineText, noNewlineText, fc.boolean(), (ref, pred, stem) => {
        expect(rougeLsum(ref, pred, { stem })).toEqual(rougeL(ref, pred, { stem }));
      }),
    );
  });

  it('rougeL counts at most as many hits as rouge1 (an LCS is a set of unigram matches)', () => {
    fc.assert(
      fc.property(text, text, (ref, pred) => {
        const s = scoreRouge(ref, pred, { types: ['rouge1', 'rougeL'] });
        expect(s.rougeL.precision).toBeLessThanOrEqual(s.rouge1.precision);
      }),
    );
  });

  it('multi-reference scoring keeps the best single-reference F', () => {
    fc.assert(
      fc.property(fc.array(text, { minLength: 1, maxLength: 4 }), text, (refs, pred) => {
        const best = Math.max(...refs.map((r) => rougeL(r, pred).fmeasure));
        expect(scoreMulti(refs, pred).rougeL.fmeasure).toBe(best);
      }),
    );
  });
});

describe('bootstrap and post-processing properties', () => {
  it('low <= mid <= high, within the range of the item scores, reproducible per seed', () => {
    const score = fc.double({ min: 0, max: 1, noNaN: true }).map((f) => ({ precision: f, recall: f, fmeasure: f }));
    fc.assert(
      fc.property(fc.array(score, { minLength: 1, maxLength: 30 }), fc.nat(2 ** 32 - 1), (scores, seed) => {
        const options = { seed, drawOrder: ['rougeL'], nSamples: 50 };
        const { rougeL: agg } = bootstrapAggregate({ rougeL: scores }, options);
        const fs = scores.map((s) => s.fmeasure);
        expect(agg.low.fmeasure).toBeLessThanOrEqual(agg.mid.fmeasure);
        expect(agg.mid.fmeasure).toBeLessThanOrEqual(agg.high.fmeasure);
        expect(agg.low.fmeasure).toBeGreaterThanOrEqual(Math.min(...fs) - 1e-12);
        expect(agg.high.fmeasure).toBeLessThanOrEqual(Math.max(...fs) + 1e-12);
        expect(bootstrapAggregate({ rougeL: scores }, options).rougeL).toEqual(agg);
      }),
      { numRuns: 50 },
    );
  });

  it('post-processing keeps a stripped prefix without blank lines', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('a', ' ', '\n', '\t', '\u3000', '\u0085', 'b') }), (s) => {
        const kept = postprocessGeneration(s);
        expect(kept.includes('\n\n')).toBe(false);
        expect(pythonStrip(s).startsWith(kept)).toBe(true);
        expect(kept === '' || !PYTHON_WHITESPACE.has(kept.charCodeAt(0))).toBe(true);
        // A second pass only strips what followed the cut.
        expect(postprocessGeneration(kept)).toBe(pythonStrip(kept));
      }),
    );
  });
});
