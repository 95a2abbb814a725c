/** How the Batch view writes its numbers (pure; tested in Node). */
import type { CellSpec } from '../../../core/run/records.ts';
import { formatDuration, formatRate } from '../../../core/run/describe.ts';

/** A cell's live metric: "acc 60.0 %" for classification, "ROUGE-L 12.3" (F × 100) for generation. */
export function metricText(spec: Pick<CellSpec, 'scoring'>, mean: number, n: number): string {
  if (n === 0) return '—';
  return spec.scoring === 'generate' ? `ROUGE-L ${(mean * 100).toFixed(1)}` : `acc ${(mean * 100).toFixed(1)} %`;
}

/** "4.2 samples/s · 1:55 left", or "" before a rate is known. */
export function rateLine(rate: number | undefined, etaSeconds: number | undefined): string {
  if (rate === undefined) return '';
  return `${formatRate(rate)} samples/s · ${formatDuration(etaSeconds ?? NaN)} left`;
}

/** 12345 → "12,345". */
export function count(n: number): string {
  return n.toLocaleString('en-US');
}

/** An ISO time as "2026-12-02 12:40". */
export function shortDate(iso: string): string {
  return iso.slice(0, 16).replace('T', ' ');
}

/** Seconds as people read an estimate: "about 2:05", or the reason there is none. */
export function estimateText(seconds: number | undefined): string {
  return seconds === undefined ? 'no estimate (the engine\'s rates could not be measured)' : `about ${formatDuration(seconds)}`;
}
