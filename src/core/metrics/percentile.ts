/**
 * `np.percentile(values, q)` with numpy's default `method="linear"` (Hyndman & Fan type 7), as
 * numpy 1.22+ computes it, operation for operation, so the result is the same double:
 *   quantile = q / 100; virtual index = (n − 1) · quantile; below = floor(index);
 *   gamma = index − below; numpy's `_lerp(a, b, gamma)` = a + (b − a)·gamma, but for
 *   gamma ≥ 0.5 it is b − (b − a)·(1 − gamma); an index at or past n − 1 gives the maximum.
 */
import { MetricInputError } from './errors.ts';

/** `values` must be sorted ascending (numpy partitions, which yields the same order statistics). */
export function percentileOfSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) throw new MetricInputError('Cannot take a percentile of no values.', 'Pass at least one value.');
  if (!(q >= 0 && q <= 100)) throw new MetricInputError(`Percentile ${q} is outside [0, 100].`, 'Use a q between 0 and 100.');
  const quantile = q / 100;
  const virtualIndex = (n - 1) * quantile;
  if (virtualIndex >= n - 1) return sorted[n - 1];
  const below = Math.floor(virtualIndex);
  const gamma = virtualIndex - below;
  const a = sorted[below];
  const b = sorted[below + 1];
  const difference = b - a;
  return gamma >= 0.5 ? b - difference * (1 - gamma) : a + difference * gamma;
}

/** `np.percentile(values, q)` for each q (values need not be sorted; they are not modified). */
export function percentiles(values: ArrayLike<number>, qs: readonly number[]): number[] {
  const sorted = Float64Array.from(values).sort();
  return qs.map((q) => percentileOfSorted(sorted, q));
}
