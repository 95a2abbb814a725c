/**
 * rouge-score's `BootstrapAggregator` (confidence 0.95, 1,000 resamples by default), the
 * aggregation behind Hugging Face's `rouge` metric. The paper reports `rougeL.mid.fmeasure`:
 * the median of the resampled means, not the plain mean.
 *
 * Python computes, per score type in the order the types were added, and with ONE random stream
 * shared by all types:
 *   for each of n_samples resamples: idx = np.random.choice(np.arange(n), size=n);
 *     sample_mean[i] = np.mean(matrix[idx], axis=0)   (column sums in row order, then / n)
 *   np.percentile(sample_mean, 100 * [(1−c)/2, 0.5, 1−(1−c)/2], axis=0)
 * Because the stream is shared, rougeL's interval depends on the types drawn before it (HF
 * `evaluate` draws rouge1 and rouge2 first). `drawOrder` says which types precede; a type
 * listed there but not scored still consumes its draws, which depend only on n.
 */
import { MetricInputError } from './errors.ts';
import { MT19937 } from './mt19937.ts';
import { percentileOfSorted } from './percentile.ts';
import { DEFAULT_ROUGE_TYPES } from './rouge.ts';
import type { Score } from './score.ts';

export { MT19937 } from './mt19937.ts';

/** rouge-score's `AggregateScore`: the low / mid / high percentiles of the resampled means. */
export interface AggregateScore {
  readonly low: Score;
  readonly mid: Score;
  readonly high: Score;
}

export interface BootstrapOptions {
  /** `np.random.seed(seed)` before aggregating (HF `evaluate.load("rouge", seed=…)`). Default 0. */
  readonly seed?: number;
  /**
   * Every type the Python aggregator held, in order: draws are consumed for each of them.
   * Default: HF evaluate's ['rouge1', 'rouge2', 'rougeL', 'rougeLsum'].
   */
  readonly drawOrder?: readonly string[];
  /** Default 1000, rouge-score's `n_samples`. */
  readonly nSamples?: number;
  /** Default 0.95, rouge-score's `confidence_interval`. */
  readonly confidenceInterval?: number;
}

const FIELDS = ['precision', 'recall', 'fmeasure'] as const;

/**
 * Bootstraps every type in `scoresByType` (per-item scores, all the same length) and returns
 * their intervals, keyed in `drawOrder` order. Throws MetricInputError on inconsistent input.
 */
export function bootstrapAggregate(
  scoresByType: Readonly<Record<string, readonly Score[]>>,
  options: BootstrapOptions = {},
): Record<string, AggregateScore> {
  const { seed = 0, drawOrder = DEFAULT_ROUGE_TYPES, nSamples = 1000, confidenceInterval = 0.95 } = options;
  if (!Number.isInteger(nSamples) || nSamples <= 0) {
    throw new MetricInputError(`nSamples must be a positive integer, got ${nSamples}.`, 'rouge-score uses 1000.');
  }
  if (!(confidenceInterval >= 0 && confidenceInterval <= 1)) {
    throw new MetricInputError(`confidenceInterval must be in [0, 1], got ${confidenceInterval}.`, 'rouge-score uses 0.95.');
  }
  if (new Set(drawOrder).size !== drawOrder.length) {
    throw new MetricInputError(`drawOrder lists a type twice: ${drawOrder.join(', ')}.`, 'List each rouge type once.');
  }
  const scored = Object.keys(scoresByType);
  const missing = scored.filter((type) => !drawOrder.includes(type));
  if (missing.length > 0) {
    throw new MetricInputError(
      `Scores for ${missing.join(', ')} have no place in drawOrder [${drawOrder.join(', ')}].`,
      'Pass drawOrder listing every type the Python aggregator was fed, in its order.',
    );
  }
  const lengths = new Set(scored.map((type) => scoresByType[type].length));
  if (lengths.size > 1) {
    throw new MetricInputError('Per-item score lists differ in length.', 'Score every item for every type.');
  }
  const n = lengths.size === 1 ? [...lengths][0] : 0;
  if (n === 0) {
    throw new MetricInputError('Nothing to aggregate: no per-item scores.', 'Score at least one item before bootstrapping.');
  }

  // Same float operations as rouge-score: q = 100 * [delta, 0.5, 1 - delta], then numpy / 100.
  const delta = (1 - confidenceInterval) / 2;
  const qs = [100 * delta, 100 * 0.5, 100 * (1 - delta)];

  const rng = new MT19937(seed);
  const indices = new Int32Array(n);
  const result: Record<string, AggregateScore> = {};
  for (const type of drawOrder) {
    const scores = scoresByType[type];
    if (scores === undefined) {
      // Not scored here, but Python drew its resamples from the shared stream: skip them too.
      for (let s = 0; s < nSamples; s++) rng.fillRandint(n, indices);
      continue;
    }
    const columns = FIELDS.map((field) => Float64Array.from(scores, (score) => score[field]));
    const means = FIELDS.map(() => new Float64Array(nSamples));
    for (let s = 0; s < nSamples; s++) {
      rng.fillRandint(n, indices);
      for (let f = 0; f < FIELDS.length; f++) {
        const column = columns[f];
        let sum = 0;
        for (let k = 0; k < n; k++) sum += column[indices[k]];
        means[f][s] = sum / n;
      }
    }
    const bounds = means.map((column) => {
      column.sort();
      return qs.map((q) => percentileOfSorted(column, q));
    });
    const at = (j: number): Score => ({ precision: bounds[0][j], recall: bounds[1][j], fmeasure: bounds[2][j] });
    result[type] = { low: at(0), mid: at(1), high: at(2) };
  }
  return result;
}
