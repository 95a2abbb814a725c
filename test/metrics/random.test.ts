/**
 * numpy's legacy stream and percentile. Expected values: the reference MT19937 outputs
 * (init_genrand(5489)) and numpy 1.24's `np.random.seed(s); np.random.choice(np.arange(n), size)`
 * and `np.percentile` on these inputs.
 */
import { describe, expect, it } from 'vitest';
import { bootstrapAggregate } from '../../src/core/metrics/bootstrap.ts';
import { MetricInputError } from '../../src/core/metrics/errors.ts';
import { MT19937 } from '../../src/core/metrics/mt19937.ts';
import { percentiles } from '../../src/core/metrics/percentile.ts';
import { numpyMean } from '../../src/core/metrics/score.ts';

function choice(seed: number, draws: [n: number, size: number][]): number[][] {
  const rng = new MT19937(seed);
  return draws.map(([n, size]) => Array.from(rng.fillRandint(n, new Int32Array(size))));
}

describe('MT19937', () => {
  it('matches the reference init_genrand(5489) outputs', () => {
    const rng = new MT19937(5489);
    expect(Array.from({ length: 5 }, () => rng.nextUint32())).toEqual([3499211612, 581869302, 3890346734, 3586334585, 545404204]);
  });

  it('draws what np.random.choice(np.arange(n), size) draws', () => {
    expect(choice(42, [[10, 10]])).toEqual([[6, 3, 7, 4, 6, 9, 2, 6, 7, 4]]);
    expect(choice(0, [[1000, 8]])).toEqual([[684, 559, 629, 192, 835, 763, 707, 359]]);
    expect(choice(2024, [[3, 12]])).toEqual([[0, 2, 0, 0, 0, 2, 1, 1, 0, 2, 2, 0]]);
    expect(choice(4294967295, [[7, 6]])).toEqual([[3, 2, 4, 4, 0, 6]]);
  });

  it('consumes no draw for a one-element range', () => {
    expect(choice(0, [[1, 5], [5, 5]])[1]).toEqual([4, 0, 3, 3, 3]);
  });

  it('rejects seeds numpy rejects', () => {
    expect(() => new MT19937(-1)).toThrow(MetricInputError);
    expect(() => new MT19937(2 ** 32)).toThrow(MetricInputError);
    expect(() => new MT19937(1.5)).toThrow(MetricInputError);
  });
});

describe('numpy percentile (linear) and mean', () => {
  it('matches np.percentile', () => {
    expect(percentiles([3, 1, 2, 10], [2.5, 50, 97.5])).toEqual([1.075, 2.5, 9.474999999999998]);
    const arange = Array.from({ length: 1000 }, (_, k) => k / 7);
    const delta = (1 - 0.95) / 2;
    expect(percentiles(arange, [100 * delta, 50, 100 * (1 - delta)])).toEqual([3.567857142857146, 71.35714285714286, 139.14642857142857]);
    expect(percentiles([0.1, 0.7, 0.2], [0, 100, 33.3, 66.7])).toEqual([0.1, 0.7, 0.1666, 0.367]);
  });

  it('sums like np.mean (pairwise), not left to right', () => {
    const values = Float64Array.from({ length: 300 }, (_, k) => 1 / (k + 3));
    let sequential = 0;
    for (const v of values) sequential += v;
    // Both are close to the true mean; the pairwise one is the one numpy returns.
    expect(Math.abs(numpyMean(values) - sequential / 300)).toBeLessThan(1e-15);
  });
});

describe('bootstrapAggregate input checks', () => {
  const s = { precision: 1, recall: 1, fmeasure: 1 };

  it('needs every scored type in drawOrder, equal lengths and at least one item', () => {
    expect(() => bootstrapAggregate({ rouge3: [s] })).toThrow(MetricInputError);
    expect(() => bootstrapAggregate({ rougeL: [s], rougeLsum: [s, s] })).toThrow(MetricInputError);
    expect(() => bootstrapAggregate({ rougeL: [] })).toThrow(MetricInputError);
    expect(() => bootstrapAggregate({ rougeL: [s] }, { drawOrder: ['rougeL', 'rougeL'] })).toThrow(MetricInputError);
    expect(() => bootstrapAggregate({ rougeL: [s] }, { nSamples: 0 })).toThrow(MetricInputError);
  });

  it('gives a constant corpus a degenerate interval', () => {
    const result = bootstrapAggregate({ rougeL: [s, s, s] }, { drawOrder: ['rougeL'] });
    expect(result.rougeL).toEqual({ low: s, mid: s, high: s });
  });

  it('depends on the types drawn before (shared stream)', () => {
    const scores = Array.from({ length: 40 }, (_, k) => ((k * 7) % 40) / 41).map((f) => ({ precision: f, recall: f, fmeasure: f }));
    const alone = bootstrapAggregate({ rougeL: scores }, { drawOrder: ['rougeL'], seed: 1 });
    const after = bootstrapAggregate({ rougeL: scores }, { drawOrder: ['rouge1', 'rougeL'], seed: 1 });
    expect(after.rougeL).not.toEqual(alone.rougeL);
    // …and the preceding type's own draws do not depend on its scores, only on n.
    const other = scores.map((x) => ({ ...x, fmeasure: 1 - x.fmeasure }));
    const withScoredRouge1 = bootstrapAggregate({ rouge1: other, rougeL: scores }, { drawOrder: ['rouge1', 'rougeL'], seed: 1 });
    expect(withScoredRouge1.rougeL).toEqual(after.rougeL);
  });
});
