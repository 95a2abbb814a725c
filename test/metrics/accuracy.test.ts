import { describe, expect, it } from 'vitest';
import { accuracy, accuracyFromCounts, normalQuantile, wilsonInterval } from '../../src/core/metrics/accuracy.ts';
import { MetricInputError } from '../../src/core/metrics/errors.ts';

describe('normalQuantile', () => {
  it('matches Python statistics.NormalDist().inv_cdf (AS 241)', () => {
    expect(normalQuantile(0.975)).toBe(1.9599639845400536);
    expect(normalQuantile(0.5)).toBe(0);
    expect(normalQuantile(0.025)).toBe(-1.9599639845400538);
    expect(normalQuantile(1e-10)).toBeCloseTo(-6.361340902404056, 14);
    expect(normalQuantile(0.995)).toBeCloseTo(2.5758293035489004, 14);
  });
});

describe('wilsonInterval', () => {
  it('solves (p − π)² = z²·π(1 − π)/n at both bounds', () => {
    const z = normalQuantile(0.975);
    for (const [correct, total] of [[200, 250], [1, 250], [125, 250], [3, 7]] as const) {
      const p = correct / total;
      const { low, high } = wilsonInterval(correct, total);
      for (const bound of [low, high]) {
        expect((p - bound) ** 2).toBeCloseTo((z * z * bound * (1 - bound)) / total, 14);
      }
      expect(low).toBeLessThan(p);
      expect(high).toBeGreaterThan(p);
    }
  });

  it('stays inside [0, 1] with exact ends at 0 % and 100 %', () => {
    expect(wilsonInterval(0, 250).low).toBe(0);
    expect(wilsonInterval(250, 250).high).toBe(1);
    expect(wilsonInterval(250, 250).low).toBeGreaterThan(0.98);
  });

  it('widens with the confidence level', () => {
    const at90 = wilsonInterval(150, 250, 0.9);
    const at99 = wilsonInterval(150, 250, 0.99);
    expect(at99.high - at99.low).toBeGreaterThan(at90.high - at90.low);
  });

  it('rejects impossible counts', () => {
    expect(() => wilsonInterval(3, 2)).toThrow(MetricInputError);
    expect(() => wilsonInterval(0, 0)).toThrow(MetricInputError);
    expect(() => wilsonInterval(1, 2, 1)).toThrow(MetricInputError);
  });
});

describe('accuracy', () => {
  it('counts exact matches and reports the interval', () => {
    const result = accuracy(['positive', 'negative', 'positive', 'positive'], ['positive', 'negative', 'negative', 'positive']);
    expect(result).toMatchObject({ correct: 3, total: 4, accuracy: 0.75, confidence: 0.95 });
    expect(result).toEqual(accuracyFromCounts(3, 4));
    expect(() => accuracy([1], [1, 2])).toThrow(MetricInputError);
  });
});
