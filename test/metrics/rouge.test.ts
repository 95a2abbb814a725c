/** Behaviour of the ROUGE API beyond the golden rows: argument order, types, errors, LCS. */
import { describe, expect, it } from 'vitest';
import { lcsIndices, lcsLength } from '../../src/core/metrics/lcs.ts';
import {
  MetricInputError,
  UnknownRougeTypeError,
  rougeL,
  rougeLsum,
  rougeN,
  scoreMulti,
  scoreRouge,
} from '../../src/core/metrics/index.ts';

describe('rougeL', () => {
  it('takes the reference first: precision is over the prediction', () => {
    // ref has 6 tokens, prediction 3, LCS 3 → P = 1, R = 0.5
    const s = rougeL('the cat sat on the mat', 'the cat sat');
    expect(s).toEqual({ precision: 1, recall: 0.5, fmeasure: (2 * 1 * 0.5) / 1.5 });
  });

  it('is 0 when either side has no tokens', () => {
    expect(rougeL('', 'a b')).toEqual({ precision: 0, recall: 0, fmeasure: 0 });
    expect(rougeL('a b', '...')).toEqual({ precision: 0, recall: 0, fmeasure: 0 });
  });
});

describe('rougeLsum', () => {
  it('unions LCS hits across lines with clipped counts', () => {
    // ref line "a b" against pred lines "a" and "b": union {a, b} → 2 hits of 2.
    expect(rougeLsum('a b', 'a\nb')).toEqual({ precision: 1, recall: 1, fmeasure: 1 });
    // "a" occurs once in the prediction: the second reference "a" cannot hit again.
    expect(rougeLsum('a\na', 'a')).toEqual({ precision: 1, recall: 0.5, fmeasure: (2 * 1 * 0.5) / 1.5 });
  });

  it('splits on "\\n" only: "\\r" is an ordinary separator', () => {
    expect(rougeLsum('b a', 'a\rb')).toEqual(rougeL('b a', 'a\rb'));
  });
});

describe('rougeN', () => {
  it('counts clipped n-gram overlap', () => {
    expect(rougeN('a a b', 'a b b', 1)).toEqual({ precision: 2 / 3, recall: 2 / 3, fmeasure: (2 * (2 / 3) * (2 / 3)) / (4 / 3) });
    expect(rougeN('a b c', 'a b d', 2)).toEqual({ precision: 0.5, recall: 0.5, fmeasure: 0.5 });
    // Fewer tokens than n: denominators are clamped to 1, so 0 rather than NaN.
    expect(rougeN('a', 'a', 2)).toEqual({ precision: 0, recall: 0, fmeasure: 0 });
  });
});

describe('scoreRouge / scoreMulti', () => {
  it('returns the asked types in order', () => {
    const scores = scoreRouge('a b c', 'a c', { types: ['rougeLsum', 'rouge1', 'rougeL'] });
    expect(Object.keys(scores)).toEqual(['rougeLsum', 'rouge1', 'rougeL']);
  });

  it('rejects types rouge-score rejects', () => {
    expect(() => scoreRouge('a', 'a', { types: ['rouge0'] })).toThrow(UnknownRougeTypeError);
    expect(() => scoreRouge('a', 'a', { types: ['rougeX'] })).toThrow(UnknownRougeTypeError);
    expect(() => scoreRouge('a', 'a', { types: ['rouge10'] })).toThrow(UnknownRougeTypeError);
  });

  it('keeps the first reference on ties and needs at least one reference', () => {
    const scores = scoreMulti(['x y', 'a b', 'a b'], 'a b');
    expect(scores.rougeL.fmeasure).toBe(1);
    expect(() => scoreMulti([], 'a')).toThrow(MetricInputError);
  });
});

describe('lcs', () => {
  const ids = (xs: number[]) => Int32Array.from(xs);

  it('computes the LCS length, whichever side is longer', () => {
    expect(lcsLength(ids([1, 2, 3, 4, 1]), ids([3, 4, 1, 2, 1, 3]))).toBe(3);
    expect(lcsLength(ids([3, 4, 1, 2, 1, 3]), ids([1, 2, 3, 4, 1]))).toBe(3);
    expect(lcsLength(ids([]), ids([1]))).toBe(0);
  });

  it('backtracks like rouge-score: left only when strictly greater, else up', () => {
    // ref [1,2] vs can [2,1]: both single-token LCS exist; rouge-score goes up on the tie and
    // then matches ref[0] = 1 with can[1].
    expect(lcsIndices(ids([1, 2]), ids([2, 1]))).toEqual([0]);
    expect(lcsIndices(ids([1, 2, 3, 2]), ids([2, 3, 1, 2]))).toEqual([1, 2, 3]);
  });

  it('reuses its buffers across sizes without stale values', () => {
    const big = ids(Array.from({ length: 3000 }, (_, k) => k % 7));
    expect(lcsLength(big, big)).toBe(3000);
    expect(lcsLength(ids([1, 2]), ids([2, 1]))).toBe(1);
    expect(lcsIndices(ids([5, 6, 7]), ids([5, 7]))).toEqual([0, 2]);
  });
});

describe('scoreCorpus / rougeCorpus', () => {
  it('scores multi-reference items with the best reference per type', async () => {
    const { scoreCorpus, rougeCorpus } = await import('../../src/core/metrics/corpus.ts');
    const predictions = ['the cat sat', 'a dog ran\nfast'];
    const references = [['a cat', 'the cat sat down'], 'dogs ran fast'];
    const perItem = scoreCorpus(predictions, references, { types: ['rougeL', 'rougeLsum'] });
    expect(perItem.rougeL[0]).toEqual(scoreMulti(['a cat', 'the cat sat down'], 'the cat sat').rougeL);
    expect(perItem.rougeLsum[1]).toEqual(rougeLsum('dogs ran fast', 'a dog ran\nfast'));
    const corpus = rougeCorpus(predictions, references, { types: ['rougeL'], seed: 7 });
    expect(Object.keys(corpus.aggregate)).toEqual(['rougeL']);
    expect(corpus.mean.rougeL.fmeasure).toBe((perItem.rougeL[0].fmeasure + perItem.rougeL[1].fmeasure) / 2);
    expect(() => scoreCorpus(['a'], [])).toThrow(MetricInputError);
    expect(() => rougeCorpus([], [])).toThrow(MetricInputError);
    expect(() => rougeCorpus(['a'], ['a'], { types: ['rougeW'] })).toThrow(UnknownRougeTypeError);
  });
});

describe('rougeLsum on long single-line texts', () => {
  it('backtracks a 3000 × 3000 table, then keeps working on small inputs', () => {
    const long = Array.from({ length: 3000 }, (_, k) => `t${k % 50}`).join(' ');
    expect(rougeLsum(long, long).fmeasure).toBe(1);
    expect(rougeLsum('a b c', 'c b a')).toEqual(rougeL('a b c', 'c b a'));
  });
});
