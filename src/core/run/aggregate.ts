/**
 * A cell's numbers from its stored records: ROUGE-L (plain mean and the paper's bootstrap
 * `rougeL.mid`, via src/core/metrics) for generation, accuracy with a 95% Wilson interval for
 * classification. Error records are counted, not scored: n is the number of scored samples.
 */
import { accuracyFromCounts, bootstrapAggregate, DEFAULT_ROUGE_TYPES, meanScore } from '../metrics/index.ts';
import type { CellSpec, ClassificationRecord, GenerationRecord, SampleRecord } from './records.ts';

export interface RougeLAggregate {
  /** Plain mean of the per-item F-measures (numpy's pairwise summation). */
  mean: number;
  /** Bootstrap percentiles of the resampled mean F (mid = the paper's number). */
  low: number;
  mid: number;
  high: number;
  seed: number;
  nSamples: number;
}

export interface AccuracyAggregate {
  correct: number;
  /** correct / n. */
  value: number;
  /** 95% Wilson score interval (src/core/metrics' accuracy). */
  low: number;
  high: number;
}

export interface CellAggregate {
  /** Items the plan asks for. */
  expected: number;
  /** Scored samples (generation or classification records). */
  n: number;
  errors: number;
  /** Items without any record yet (an unfinished or cancelled run). */
  missing: number;
  rougeL?: RougeLAggregate;
  accuracy?: AccuracyAggregate;
  /** Error messages by code, with counts (for a results table's footnote). */
  errorCodes?: Record<string, number>;
}

/**
 * Aggregate records of one cell (one record per item expected; records are taken in item
 * order). The ROUGE-L bootstrap draws as Hugging Face's `rouge` metric does with its default
 * types (rouge1, rouge2, rougeL, rougeLsum share one numpy stream), so with the same seed the
 * mid equals what the paper's scoring script would print.
 */
export function aggregateCell(spec: CellSpec, records: readonly SampleRecord[], opts: { expected: number; seed?: number; nSamples?: number }): CellAggregate {
  const sorted = [...records].sort((a, b) => a.item - b.item);
  const errors = sorted.filter((r) => r.kind === 'error');
  const errorCodes: Record<string, number> = {};
  for (const e of errors) if (e.kind === 'error') errorCodes[e.error.code] = (errorCodes[e.error.code] ?? 0) + 1;
  const items = new Set(sorted.map((r) => r.item));
  const base = {
    expected: opts.expected,
    errors: errors.length,
    missing: Math.max(0, opts.expected - items.size),
    ...(errors.length > 0 ? { errorCodes } : {}),
  };
  if (spec.scoring === 'generate') {
    const gen = sorted.filter((r): r is GenerationRecord => r.kind === 'generation');
    if (gen.length === 0) return { ...base, n: 0 };
    const seed = opts.seed ?? 0;
    const nSamples = opts.nSamples ?? 1000;
    const agg = bootstrapAggregate({ rougeL: gen.map((r) => r.rougeL) }, { seed, nSamples, drawOrder: DEFAULT_ROUGE_TYPES })['rougeL'];
    const mean = meanScore(gen.map((r) => r.rougeL)).fmeasure;
    return { ...base, n: gen.length, rougeL: { mean, low: agg.low.fmeasure, mid: agg.mid.fmeasure, high: agg.high.fmeasure, seed, nSamples } };
  }
  const cls = sorted.filter((r): r is ClassificationRecord => r.kind === 'classification');
  if (cls.length === 0) return { ...base, n: 0 };
  const correct = cls.reduce((s, r) => s + r.metric, 0);
  const acc = accuracyFromCounts(correct, cls.length);
  return { ...base, n: cls.length, accuracy: { correct, value: acc.accuracy, low: acc.low, high: acc.high } };
}
