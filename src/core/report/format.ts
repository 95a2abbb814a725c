/**
 * Figure numbers for people, the same in `ftlab report`'s table and the Results view: metrics
 * as percentages (accuracy %, ROUGE-L F × 100, as the paper's charts), one decimal; differences
 * signed; a cell's state in a word.
 */
import type { FigureCell, FigureCellState } from './figure.ts';

export function formatMetric(value: number | undefined): string {
  return value === undefined ? '–' : (value * 100).toFixed(1);
}

export function formatDelta(delta: number | undefined): string {
  if (delta === undefined) return '';
  const v = delta * 100;
  const s = Math.abs(v) < 0.05 ? '0.0' : v.toFixed(1);
  return v > 0 && s !== '0.0' ? `+${s}` : s === '-0.0' ? '0.0' : s;
}

export function formatInterval(cell: Pick<FigureCell, 'low' | 'high'>): string {
  return cell.low === undefined || cell.high === undefined ? '' : `[${formatMetric(cell.low)}, ${formatMetric(cell.high)}]`;
}

export const STATE_WORDS: Readonly<Record<FigureCellState, string>> = {
  ok: '',
  'too-few': 'too few samples',
  errors: 'some samples failed',
  missing: 'no samples yet',
  absent: 'not run',
};

export function metricName(metric: FigureCell['metric']): string {
  return metric === 'rougeL' ? 'ROUGE-L F ×100 (bootstrap mid)' : 'accuracy %';
}

/** A p-value for people: three decimals, "< 0.001" below that. */
export function formatP(p: number | undefined): string {
  return p === undefined ? '' : p < 0.001 ? '< 0.001' : p.toFixed(3);
}
