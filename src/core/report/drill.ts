/**
 * A cell's samples for people: filters (right / wrong / errors, a predicted or gold label, text
 * search), sorts, and, for classification cells, the confusion matrix and the predicted-label
 * distribution (a fine-tuned model asked another task's question often collapses onto one label:
 * `collapsed` says so).
 */
import type { ClassificationRecord, SampleRecord } from '../run/records.ts';

export const SAMPLE_OUTCOMES = ['all', 'right', 'wrong', 'errors'] as const;
export type SampleOutcome = (typeof SAMPLE_OUTCOMES)[number];
export const SAMPLE_SORTS = ['item', 'metric-asc', 'metric-desc'] as const;
export type SampleSort = (typeof SAMPLE_SORTS)[number];

export interface SampleFilter {
  /** right / wrong: classification samples by their prediction; errors: failed samples. */
  outcome?: SampleOutcome;
  /** Classification: only samples whose gold label is this (a confusion-matrix row). */
  gold?: string;
  /** Classification: only samples predicted as this (a confusion-matrix column). */
  predicted?: string;
  /** Case-insensitive text in the prompt, reference, output or prediction. */
  search?: string;
  sort?: SampleSort;
}

function textOf(r: SampleRecord): string {
  const own = r.kind === 'generation' ? `${r.output}\n${r.prediction}` : r.kind === 'classification' ? r.prediction : `${r.error.code} ${r.error.message}`;
  return `${r.prompt}\n${r.reference}\n${own}`.toLowerCase();
}

export function filterSamples(records: readonly SampleRecord[], f: SampleFilter = {}): SampleRecord[] {
  const q = f.search?.trim().toLowerCase();
  const out = records.filter((r) => {
    if (f.outcome === 'errors' && r.kind !== 'error') return false;
    if (f.outcome === 'right' && !(r.kind === 'classification' && r.metric === 1)) return false;
    if (f.outcome === 'wrong' && !(r.kind === 'classification' && r.metric !== 1)) return false;
    if (f.gold !== undefined && !(r.kind === 'classification' && r.reference === f.gold)) return false;
    if (f.predicted !== undefined && !(r.kind === 'classification' && r.prediction === f.predicted)) return false;
    if (q && !textOf(r).includes(q)) return false;
    return true;
  });
  const metric = (r: SampleRecord): number => (r.kind === 'error' ? -1 : r.metric);
  if (f.sort === 'metric-asc') out.sort((a, b) => metric(a) - metric(b) || a.item - b.item);
  else if (f.sort === 'metric-desc') out.sort((a, b) => metric(b) - metric(a) || a.item - b.item);
  else out.sort((a, b) => a.item - b.item);
  return out;
}

export interface ConfusionMatrix {
  /** The task's labels in their order (then any other gold or predicted value seen). */
  labels: string[];
  /** counts[gold][predicted]. */
  counts: number[][];
  total: number;
  /** How often each label was predicted. */
  predicted: { label: string; count: number; share: number }[];
  /** The label predicted for at least `collapseShare` of the samples, when there is one. */
  collapsed?: { label: string; share: number };
}

/** Confusion matrix of a classification cell (error records left out). */
export function confusionMatrix(records: readonly SampleRecord[], opts: { collapseShare?: number } = {}): ConfusionMatrix {
  const cls = records.filter((r): r is ClassificationRecord => r.kind === 'classification');
  const labels: string[] = [];
  const add = (l: string): void => void (labels.includes(l) || labels.push(l));
  for (const r of cls) r.labels.forEach(add);
  for (const r of cls) {
    add(r.reference);
    add(r.prediction);
  }
  const at = new Map(labels.map((l, i) => [l, i]));
  const counts = labels.map(() => labels.map(() => 0));
  for (const r of cls) counts[at.get(r.reference)!][at.get(r.prediction)!]++;
  const total = cls.length;
  const predicted = labels.map((label, j) => {
    const count = counts.reduce((s, row) => s + row[j], 0);
    return { label, count, share: total ? count / total : 0 };
  });
  const top = predicted.reduce<(typeof predicted)[number] | undefined>((best, p) => (!best || p.count > best.count ? p : best), undefined);
  const threshold = opts.collapseShare ?? 0.9;
  return { labels, counts, total, predicted, ...(top && total > 0 && labels.length > 1 && top.share >= threshold ? { collapsed: { label: top.label, share: top.share } } : {}) };
}
