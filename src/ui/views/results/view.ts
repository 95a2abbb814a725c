/**
 * Pure helpers of the Results view (tested in Node): a cell's colour token and words, the
 * figure steps of presentation mode, the line chart's geometry, and the panels a route shows.
 */
import { deltaBin, type DeltaBin } from '../../../core/report/scale.ts';
import { formatDelta, formatInterval, formatMetric, STATE_WORDS } from '../../../core/report/format.ts';
import type { FigureCell, FigureKind, FigurePanel, StudyFigure } from '../../../core/report/figure.ts';
import type { ChartData } from '../../../core/report/series.ts';
import type { SampleRecord } from '../../../core/run/records.ts';

const BIN_TOKENS: Readonly<Record<DeltaBin, string>> = {
  [-3]: '--diff-neg-3',
  [-2]: '--diff-neg-2',
  [-1]: '--diff-neg-1',
  0: '--diff-zero',
  1: '--diff-pos-1',
  2: '--diff-pos-2',
  3: '--diff-pos-3',
};

/** The design token of a difference from base (undefined: no colour, e.g. the base row itself). */
export function deltaToken(delta: number | undefined): string | undefined {
  const b = deltaBin(delta);
  return b === undefined ? undefined : BIN_TOKENS[b];
}

/** What a cell says in words (for its title and screen readers). */
export function cellDescription(cell: FigureCell, row: string, column: string): string {
  const parts = [`${row} on ${column}`];
  if (cell.value !== undefined) parts.push(`${formatMetric(cell.value)} ${formatInterval(cell)}`.trim());
  if (cell.delta !== undefined) parts.push(`${formatDelta(cell.delta)} vs base`);
  parts.push(`n ${cell.n} of ${cell.expected}`);
  if (cell.errors > 0) parts.push(`${cell.errors} errors`);
  if (STATE_WORDS[cell.state]) parts.push(STATE_WORDS[cell.state]);
  if (cell.paper) parts.push(`paper ${formatMetric(cell.paper.value)} (${cell.paper.note})`);
  return parts.join(', ');
}

/** One step of presentation mode: a panel of one figure (column group). */
export interface FigureStep {
  figure: FigureKind;
  panel: string;
}

/** Every (figure, panel) in order: what the arrow keys step through. */
export function figureSteps(figures: readonly StudyFigure[]): FigureStep[] {
  return figures.flatMap((f) => f.panels.map((p) => ({ figure: f.kinds[0], panel: p.id })));
}

/** The step after (+1) or before (−1) the current one, clamped to the ends (the first when the current is not a step). */
export function stepFrom(steps: readonly FigureStep[], current: FigureStep | undefined, dir: 1 | -1): FigureStep | undefined {
  if (steps.length === 0) return undefined;
  const at = current ? steps.findIndex((s) => s.figure === current.figure && s.panel === current.panel) : -1;
  const next = at < 0 ? 0 : Math.max(0, Math.min(steps.length - 1, at + dir));
  return steps[next];
}

/** The panels of a figure a route shows: one (the route's panel, if it has it) or all. */
export function panelsShown(figure: StudyFigure, panel: string): FigurePanel[] {
  if (panel === '') return figure.panels;
  const one = figure.panels.filter((p) => p.id === panel);
  return one.length > 0 ? one : figure.panels;
}

/** Column-group spans of a figure's header: consecutive columns of one kind. */
export function columnGroups(figure: Pick<StudyFigure, 'columns'>): { kind: string; span: number }[] {
  const out: { kind: string; span: number }[] = [];
  for (const c of figure.columns) {
    const last = out.at(-1);
    if (last && last.kind === c.kind) last.span++;
    else out.push({ kind: c.kind, span: 1 });
  }
  return out;
}

/** Row-group spans: consecutive rows of one group (base / FT on X / FTICL on X). */
export function rowGroupStarts(figure: Pick<StudyFigure, 'rows'>): Map<number, number> {
  const starts = new Map<number, number>();
  let start = 0;
  figure.rows.forEach((r, i) => {
    if (i === 0 || r.group !== figure.rows[i - 1].group) {
      start = i;
      starts.set(i, 1);
    } else starts.set(start, (starts.get(start) ?? 0) + 1);
  });
  return starts;
}

export interface LineGeometry {
  width: number;
  height: number;
  pad: { left: number; right: number; top: number; bottom: number };
  xTicks: { x: number; px: number }[];
  yTicks: { y: number; py: number; label: string }[];
  series: { id: string; label: string; path: string; points: { px: number; py: number; lowPy?: number; highPy?: number; value: number; x: number }[] }[];
}

/** The y axis of a metric chart: 0 to the top value's next tick, every 10 points up to 50, every 20 above. */
function yAxis(values: readonly number[]): { yMax: number; step: number } {
  const top = Math.max(0, ...values);
  const step = top <= 0.5 ? 0.1 : 0.2;
  return { yMax: Math.max(step, Math.ceil(top / step - 1e-9) * step), step };
}

/**
 * Pixel geometry of a metric-against-x line chart: x at the chart's xs (spread by value), y from
 * 0 to the largest value or interval end rounded up to its tick (10 points up to 50, 20 above).
 */
export function lineGeometry(chart: ChartData, width = 560, height = 260): LineGeometry {
  // Room on the right for the last x label ("4000") centred on the edge.
  const pad = { left: 44, right: 24, top: 10, bottom: 30 };
  const xs = chart.xs.length > 0 ? chart.xs : [0];
  const xMin = Math.min(...xs);
  const xMax = Math.max(...xs);
  const ys = chart.series.flatMap((s) => s.points.flatMap((p) => [p.value, p.high].filter((v): v is number => v !== undefined)));
  const { yMax, step } = yAxis(ys);
  const innerW = width - pad.left - pad.right;
  const innerH = height - pad.top - pad.bottom;
  const px = (x: number): number => pad.left + (xMax === xMin ? innerW / 2 : ((x - xMin) / (xMax - xMin)) * innerW);
  const py = (y: number): number => pad.top + innerH - (y / yMax) * innerH;
  const round = (v: number): number => Math.round(v * 10) / 10;
  const yTicks = Array.from({ length: Math.round(yMax / step) + 1 }, (_, i) => i * step).map((y) => ({ y, py: round(py(y)), label: (y * 100).toFixed(0) }));
  const series = chart.series.map((s) => {
    const points = s.points
      .filter((p): p is typeof p & { value: number } => p.value !== undefined)
      .map((p) => ({ x: p.x, value: p.value, px: round(px(p.x)), py: round(py(p.value)), ...(p.low !== undefined ? { lowPy: round(py(p.low)) } : {}), ...(p.high !== undefined ? { highPy: round(py(p.high)) } : {}) }));
    const path = points.map((p, i) => `${i === 0 ? 'M' : 'L'}${p.px},${p.py}`).join(' ');
    return { id: s.id, label: s.label, path, points };
  });
  return { width, height, pad, xTicks: xs.map((x) => ({ x, px: round(px(x)) })), yTicks, series };
}

/** A sample's metric in words: "right" / "wrong" (classification), "ROUGE-L 41.2", or its error code. */
export function sampleMetricText(r: SampleRecord): string {
  if (r.kind === 'error') return `error ${r.error.code}`;
  if (r.kind === 'classification') return r.metric === 1 ? 'right' : 'wrong';
  return `ROUGE-L ${formatMetric(r.metric)}`;
}

export interface BarGeometry {
  width: number;
  height: number;
  pad: { left: number; right: number; top: number; bottom: number };
  yTicks: { y: number; py: number; label: string }[];
  /** One group per test set (the figure's columns), bars in row order inside it. */
  groups: { dataset: string; title: string; kind: FigureKind; x: number; width: number; labelX: number }[];
  bars: { row: number; column: number; x: number; width: number; y: number; height: number; value: number; lowPy?: number; highPy?: number; paperPy?: number; cellKey?: string; state: FigureCell['state'] }[];
  /** Where a bar is missing (no value): its slot's centre, for a "–" mark. */
  gaps: { row: number; column: number; x: number }[];
}

/**
 * Pixel geometry of a grouped bar chart of one figure panel, as the paper draws its results: a
 * group of bars per test set, one bar per model (the figure's row order), 95 % intervals as
 * whiskers, the paper's printed value as a mark on its bar. Same y axis rule as the line chart.
 */
export function barGeometry(figure: Pick<StudyFigure, 'rows' | 'columns'>, panel: Pick<FigurePanel, 'cells'>, opts: { height?: number; barWidth?: number; gap?: number; groupGap?: number } = {}): BarGeometry {
  const { height = 260, barWidth = 18, gap = 3, groupGap = 22 } = opts;
  const pad = { left: 44, right: 12, top: 10, bottom: 44 };
  const nRows = Math.max(1, figure.rows.length);
  const groupWidth = nRows * barWidth + (nRows - 1) * gap;
  const width = pad.left + figure.columns.length * (groupWidth + groupGap) + pad.right;
  const cells = panel.cells.flat();
  const { yMax, step } = yAxis(cells.flatMap((c) => [c.value, c.high, c.paper?.value].filter((v): v is number => v !== undefined)));
  const innerH = height - pad.top - pad.bottom;
  const round = (v: number): number => Math.round(v * 10) / 10;
  const py = (y: number): number => round(pad.top + innerH - (y / yMax) * innerH);
  const yTicks = Array.from({ length: Math.round(yMax / step) + 1 }, (_, i) => i * step).map((y) => ({ y, py: py(y), label: (y * 100).toFixed(0) }));
  const groups: BarGeometry['groups'] = [];
  const bars: BarGeometry['bars'] = [];
  const gaps: BarGeometry['gaps'] = [];
  figure.columns.forEach((c, j) => {
    const gx = pad.left + groupGap / 2 + j * (groupWidth + groupGap);
    groups.push({ dataset: c.dataset, title: c.title, kind: c.kind, x: round(gx), width: groupWidth, labelX: round(gx + groupWidth / 2) });
    figure.rows.forEach((_, r) => {
      const cell = panel.cells[r]?.[j];
      const x = round(gx + r * (barWidth + gap));
      if (cell?.value === undefined) {
        gaps.push({ row: r, column: j, x: round(x + barWidth / 2) });
        return;
      }
      const top = py(cell.value);
      bars.push({
        row: r,
        column: j,
        x,
        width: barWidth,
        y: top,
        height: round(pad.top + innerH - top),
        value: cell.value,
        state: cell.state,
        ...(cell.low !== undefined ? { lowPy: py(cell.low) } : {}),
        ...(cell.high !== undefined ? { highPy: py(cell.high) } : {}),
        ...(cell.paper ? { paperPy: py(cell.paper.value) } : {}),
        ...(cell.cellKey ? { cellKey: cell.cellKey } : {}),
      });
    });
  });
  return { width, height, pad, yTicks, groups, bars, gaps };
}
