/**
 * Is the difference between two runs of the same cell real? Paired tests over the items both
 * runs scored:
 * - `pairedBootstrap` (ROUGE-L, or accuracy as 0/1 scores): resample items with replacement and
 *   look at the mean per-item difference. The stream is numpy's legacy one (src/core/metrics'
 *   MT19937, as `np.random.RandomState(seed).choice(n, n)` draws), the means numpy's pairwise sums
 *   and the percentiles numpy's linear ones, so tools/reference/significance.py computes the very
 *   same numbers (test/report/significance.test.ts checks them).
 * - `mcnemar` (accuracy): the discordant pairs (right in one run, wrong in the other); the exact
 *   two-sided binomial p (scipy.stats.binomtest) and the χ² test with continuity correction.
 */
import { MT19937, pairwiseSum, percentileOfSorted } from '../metrics/index.ts';
import { ReportInputError } from './errors.ts';

export interface PairedBootstrapResult {
  /** Items paired. */
  n: number;
  /** mean(b) − mean(a) over the paired items. */
  delta: number;
  /** 95 % percentile interval of the resampled mean difference. */
  low: number;
  high: number;
  /**
   * Two-sided p: the share of resampled differences at least |delta| away from delta (the
   * bootstrap distribution shifted to the null), (count + 1) / (nSamples + 1).
   */
  p: number;
  seed: number;
  nSamples: number;
}

export interface PairedBootstrapOptions {
  seed?: number;
  nSamples?: number;
  confidence?: number;
}

function meanOf(values: Float64Array): number {
  return pairwiseSum(values) / values.length;
}

/** Paired bootstrap of mean(b) − mean(a); a and b are per-item scores in the same item order. */
export function pairedBootstrap(a: readonly number[], b: readonly number[], opts: PairedBootstrapOptions = {}): PairedBootstrapResult {
  const { seed = 0, nSamples = 1000, confidence = 0.95 } = opts;
  if (a.length !== b.length) throw new ReportInputError(`paired scores differ in length (${a.length} vs ${b.length})`);
  const n = a.length;
  if (n === 0) throw new ReportInputError('no paired items to compare', 'the two runs share no scored item of this cell');
  if (!Number.isInteger(nSamples) || nSamples < 1) throw new ReportInputError(`nSamples must be a positive integer, not ${nSamples}`);
  const d = new Float64Array(n);
  for (let i = 0; i < n; i++) d[i] = b[i] - a[i];
  const delta = meanOf(d);
  const rng = new MT19937(seed);
  const idx = new Int32Array(n);
  const picked = new Float64Array(n);
  const boot = new Float64Array(nSamples);
  for (let s = 0; s < nSamples; s++) {
    rng.fillRandint(n, idx);
    for (let i = 0; i < n; i++) picked[i] = d[idx[i]];
    boot[s] = meanOf(picked);
  }
  let extreme = 0;
  for (let s = 0; s < nSamples; s++) if (Math.abs(boot[s] - delta) >= Math.abs(delta)) extreme++;
  const sorted = Float64Array.from(boot).sort();
  const tail = ((1 - confidence) / 2) * 100;
  return {
    n,
    delta,
    low: percentileOfSorted(sorted, tail),
    high: percentileOfSorted(sorted, 100 - tail),
    p: (extreme + 1) / (nSamples + 1),
    seed,
    nSamples,
  };
}

export interface McNemarResult {
  n: number;
  /** Right in a, wrong in b. */
  onlyA: number;
  /** Wrong in a, right in b. */
  onlyB: number;
  /** Exact two-sided binomial p on the discordant pairs (1 when there are none). */
  pExact: number;
  /** χ² statistic with continuity correction, (|b − c| − 1)² / (b + c) (0 when b + c = 0). */
  chi2: number;
  /** Its p (χ² with one degree of freedom). */
  pChi2: number;
}

/** log Γ(x) (Lanczos, g = 7, n = 9: ~15 digits). */
function logGamma(x: number): number {
  const c = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  x -= 1;
  let a = c[0];
  const t = x + 7.5;
  for (let i = 1; i < 9; i++) a += c[i] / (x + i);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}

/** P(X ≤ k) for X ~ Binomial(n, 1/2), summed in log space. */
function binomCdfHalf(k: number, n: number): number {
  if (k >= n) return 1;
  const logHalfN = -n * Math.LN2;
  const lgN = logGamma(n + 1);
  let sum = 0;
  for (let i = 0; i <= k; i++) sum += Math.exp(lgN - logGamma(i + 1) - logGamma(n - i + 1) + logHalfN);
  return Math.min(1, sum);
}

/** Regularized upper incomplete gamma Q(a, x) (series below a + 1, Lentz's continued fraction above). */
function gammaQ(a: number, x: number): number {
  if (x <= 0) return 1;
  const lg = logGamma(a);
  if (x < a + 1) {
    let sum = 1 / a;
    let term = sum;
    for (let k = 1; k < 1000; k++) {
      term *= x / (a + k);
      sum += term;
      if (Math.abs(term) < Math.abs(sum) * 1e-17) break;
    }
    return 1 - sum * Math.exp(-x + a * Math.log(x) - lg);
  }
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 1000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-17) break;
  }
  return Math.exp(-x + a * Math.log(x) - lg) * h;
}

/** McNemar's test on paired right/wrong outcomes (1 = right), in the same item order. */
export function mcnemar(a: readonly number[], b: readonly number[]): McNemarResult {
  if (a.length !== b.length) throw new ReportInputError(`paired outcomes differ in length (${a.length} vs ${b.length})`);
  let onlyA = 0;
  let onlyB = 0;
  for (let i = 0; i < a.length; i++) {
    if (a[i] === 1 && b[i] !== 1) onlyA++;
    else if (a[i] !== 1 && b[i] === 1) onlyB++;
  }
  const m = onlyA + onlyB;
  const pExact = m === 0 ? 1 : Math.min(1, 2 * binomCdfHalf(Math.min(onlyA, onlyB), m));
  const chi2 = m === 0 ? 0 : (Math.abs(onlyA - onlyB) - 1) ** 2 / m;
  // χ²(1) survival = Q(1/2, x/2).
  const pChi2 = m === 0 ? 1 : gammaQ(0.5, chi2 / 2);
  return { n: a.length, onlyA, onlyB, pExact, chi2, pChi2 };
}
