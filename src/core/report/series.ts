/**
 * Line-chart data where the paper draws lines: a metric against the number of shots (0, then the
 * mode's k-shot cells) per model, and against the training-set size (2k, 4k, 6k) per method when
 * models of several sizes were run. Each point keeps its interval and n, so a chart and its table
 * show the same numbers.
 */
import type { CellSpec, EvalMode } from '../run/records.ts';
import type { FigureInputCell } from './figure.ts';
import { panelIdOf } from './figure.ts';
import { modelGroupLabel, modelInfoFromId, type ModelInfo } from './models.ts';
import { PAPER_VALUES, type PaperCellValue } from './paper-values.ts';

export interface SeriesPoint {
  x: number;
  value?: number;
  low?: number;
  high?: number;
  n: number;
  cellKey: string;
}

export interface Series {
  /** A model id (shots) or a method group label (training size). */
  id: string;
  label: string;
  points: SeriesPoint[];
  /** The paper's printed numbers (not measured here; n is 0): drawn and tabled as such. */
  paper?: { note: string };
}

export interface ChartData {
  title: string;
  xLabel: string;
  metric: 'rougeL' | 'accuracy';
  xs: number[];
  series: Series[];
}

function pointOf(x: number, c: FigureInputCell): SeriesPoint {
  const a = c.aggregate;
  const v = a.rougeL ? { value: a.rougeL.mid, low: a.rougeL.low, high: a.rougeL.high } : a.accuracy ? { value: a.accuracy.value, low: a.accuracy.low, high: a.accuracy.high } : {};
  return { x, n: a.n, cellKey: c.key, ...v };
}

function metricOf(spec: CellSpec): 'rougeL' | 'accuracy' {
  return spec.scoring === 'generate' ? 'rougeL' : 'accuracy';
}

/**
 * Metric against shots on one test set and template: per model, the zero-shot cell at x = 0 and
 * the `mode` cells at their shot counts. Models without any k-shot cell are left out.
 */
export function shotsSeries(cells: readonly FigureInputCell[], opts: { dataset: string; template: number; mode: Exclude<EvalMode, 'zero-shot'> }): ChartData | undefined {
  const mine = cells.filter((c) => c.spec.dataset === opts.dataset && c.spec.template === opts.template && (c.spec.mode === opts.mode || c.spec.mode === 'zero-shot'));
  const byModel = new Map<string, FigureInputCell[]>();
  for (const c of mine) byModel.set(c.spec.modelId, [...(byModel.get(c.spec.modelId) ?? []), c]);
  const series: Series[] = [];
  for (const [modelId, list] of byModel) {
    if (!list.some((c) => c.spec.mode === opts.mode)) continue;
    const points = list.map((c) => pointOf(c.spec.shots, c)).sort((a, b) => a.x - b.x);
    series.push({ id: modelId, label: modelId, points });
  }
  if (series.length === 0) return undefined;
  const xs = [...new Set(series.flatMap((s) => s.points.map((p) => p.x)))].sort((a, b) => a - b);
  return { title: `${opts.dataset}: ${opts.mode} by shots, map ${opts.template}`, xLabel: 'shots', metric: metricOf(mine[0].spec), xs, series };
}

/**
 * Metric against training-set size on one test set and one prompt setting (panel id): per method
 * and training set (FT on paws, FTICL on paws), one point per size. Only when some group has two
 * or more sizes; the base model, if present, is a flat reference series at every size. Where the
 * paper prints a group's numbers on this test set (Paws FT 2k and 4k), they are one more series,
 * marked `paper` (printed, not measured).
 */
export function trainingSizeSeries(cells: readonly FigureInputCell[], opts: { dataset: string; panelId: string; models?: readonly ModelInfo[] }): ChartData | undefined {
  const known = new Map((opts.models ?? []).map((m) => [m.id, m]));
  const infoOf = (id: string): ModelInfo => known.get(id) ?? modelInfoFromId(id);
  const mine = cells.filter((c) => c.spec.dataset === opts.dataset && panelIdOf(c.spec) === opts.panelId);
  const groups = new Map<string, SeriesPoint[]>();
  const bases: FigureInputCell[] = [];
  for (const c of mine) {
    const info = infoOf(c.spec.modelId);
    if (info.method === 'base') bases.push(c);
    else if (info.trainSize !== undefined) {
      const label = modelGroupLabel(info);
      groups.set(label, [...(groups.get(label) ?? []), pointOf(info.trainSize, c)]);
    }
  }
  if (![...groups.values()].some((pts) => new Set(pts.map((p) => p.x)).size >= 2)) return undefined;
  const xs = [...new Set([...groups.values()].flatMap((pts) => pts.map((p) => p.x)))].sort((a, b) => a - b);
  const series: Series[] = [...groups.entries()].map(([label, pts]) => ({ id: label, label, points: pts.sort((a, b) => a.x - b.x) }));
  // The paper's printed values for a group on this test set (Paws FT 2k → 4k), beside the measured line.
  for (const [label] of groups) {
    const info = mine.map((c) => infoOf(c.spec.modelId)).find((i) => i.method !== 'base' && modelGroupLabel(i) === label);
    const printed = PAPER_VALUES.filter((v): v is PaperCellValue => v.kind === 'cell' && v.method === info?.method && v.trainingSet === info.trainingSet && v.dataset === opts.dataset).sort((a, b) => a.trainSize - b.trainSize);
    if (printed.length === 0) continue;
    series.push({ id: `paper: ${label}`, label: `paper: ${label}`, paper: { note: printed[0].note }, points: printed.map((v) => ({ x: v.trainSize, value: v.value, n: 0, cellKey: '' })) });
    for (const v of printed) if (!xs.includes(v.trainSize)) xs.push(v.trainSize);
  }
  xs.sort((a, b) => a - b);
  if (bases[0]) series.unshift({ id: bases[0].spec.modelId, label: `base (${bases[0].spec.modelId})`, points: xs.map((x) => pointOf(x, bases[0])) });
  return { title: `${opts.dataset}: by training-set size, ${opts.panelId}`, xLabel: 'training examples', metric: metricOf(mine[0].spec), xs, series };
}
