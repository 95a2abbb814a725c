import { describe, expect, it } from 'vitest';
import { argmaxFirst, renormalize } from '../../src/core/scoring/index.ts';

describe('argmaxFirst', () => {
  it('returns the index of the largest value', () => {
    expect(argmaxFirst([-3, -1, -2])).toBe(1);
    expect(argmaxFirst([-Infinity, -5])).toBe(1);
  });
  it('takes the first label on ties (documented tie rule)', () => {
    expect(argmaxFirst([-1, -1])).toBe(0);
    expect(argmaxFirst([-2, -1, -1])).toBe(1);
    expect(argmaxFirst([-Infinity, -Infinity])).toBe(0);
  });
  it('never picks NaN; -1 when nothing is usable', () => {
    expect(argmaxFirst([NaN, -4])).toBe(1);
    expect(argmaxFirst([NaN])).toBe(-1);
    expect(argmaxFirst([])).toBe(-1);
  });
});

describe('renormalize', () => {
  it('is the softmax over the labels only', () => {
    const p = renormalize([Math.log(0.2), Math.log(0.6)]);
    expect(p[0]).toBeCloseTo(0.25, 14);
    expect(p[1]).toBeCloseTo(0.75, 14);
  });
  it('keeps very unlikely labels finite and sums to 1', () => {
    const p = renormalize([-1000, -1001, -2000]);
    expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 14);
    expect(p[0] / p[1]).toBeCloseTo(Math.E, 10);
    expect(p[2]).toBe(0);
  });
  it('splits evenly when every label is impossible', () => {
    expect(renormalize([-Infinity, -Infinity])).toEqual([0.5, 0.5]);
    expect(renormalize([])).toEqual([]);
  });
});
