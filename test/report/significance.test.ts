/**
 * The paired tests against reference values computed with numpy and scipy
 * (tools/reference/significance.py → significance.reference.json, inputs included).
 */
import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { mcnemar, pairedBootstrap } from '../../src/core/report/significance.ts';

interface Case {
  name: string;
  kind: 'bootstrap' | 'mcnemar';
  a: number[];
  b: number[];
  expected: Record<string, number>;
}
const reference = JSON.parse(fs.readFileSync(path.join(import.meta.dirname, 'significance.reference.json'), 'utf8')) as { cases: Case[] };

describe('pairedBootstrap equals numpy (same legacy stream, pairwise means, linear percentiles)', () => {
  for (const c of reference.cases.filter((x) => x.kind === 'bootstrap')) {
    it(c.name, () => {
      const got = pairedBootstrap(c.a, c.b, { seed: c.expected.seed, nSamples: c.expected.nSamples });
      expect(got.n).toBe(c.expected.n);
      // numpy's pairwise sums are reproduced: the doubles match to the last bits.
      for (const k of ['delta', 'low', 'high'] as const) expect(got[k]).toBeCloseTo(c.expected[k], 14);
      expect(got.p).toBe(c.expected.p);
    });
  }
});

describe('mcnemar equals scipy (binomtest, chi2.sf)', () => {
  for (const c of reference.cases.filter((x) => x.kind === 'mcnemar')) {
    it(c.name, () => {
      const got = mcnemar(c.a, c.b);
      expect([got.n, got.onlyA, got.onlyB]).toEqual([c.expected.n, c.expected.onlyA, c.expected.onlyB]);
      expect(got.chi2).toBeCloseTo(c.expected.chi2, 12);
      expect(Math.abs(got.pExact - c.expected.pExact)).toBeLessThan(1e-12 + 1e-10 * c.expected.pExact);
      expect(Math.abs(got.pChi2 - c.expected.pChi2)).toBeLessThan(1e-12 + 1e-10 * c.expected.pChi2);
    });
  }
});

describe('input checks', () => {
  it('refuses unpaired or empty input', () => {
    expect(() => pairedBootstrap([1], [1, 2])).toThrow(/differ in length/);
    expect(() => pairedBootstrap([], [])).toThrow(/no paired items/);
    expect(() => mcnemar([1], [])).toThrow(/differ in length/);
  });
});
