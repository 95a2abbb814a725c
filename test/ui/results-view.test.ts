/** The Results view's pure helpers: colour tokens, presentation steps, header spans, chart geometry. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { buildFigure, type FigureInputCell } from '../../src/core/report/figure.ts';
import { aggregateCell, cellKey, type CellSpec } from '../../src/core/run/index.ts';
import { cellDescription, columnGroups, deltaToken, figureSteps, lineGeometry, panelsShown, rowGroupStarts, stepFrom } from '../../src/ui/views/results/view.ts';
import type { ChartData } from '../../src/core/report/series.ts';

function cell(modelId: string, dataset: string, mode: CellSpec['mode'], shots: number, right: number): FigureInputCell {
  const spec: CellSpec = { modelId, dataset, task: 'detection', mode, shots, template: 0, scoring: 'paper' };
  const records = Array.from({ length: 20 }, (_, i) => ({
    schemaVersion: 2 as const, ...spec, cellKey: cellKey(spec), item: i, promptHash: `h${i}`, prompt: 'p', bos: true, reference: 'yes', runId: 'r',
    timings: { startedAt: '2024-01-01T00:00:00.000Z', totalMs: 1, prefillMs: 1, decodeMs: 0, promptTokens: 1, newTokens: 0 },
    kind: 'classification' as const, labels: ['no', 'yes'], labelTokenIds: [1, 2], labelLogprobs: [-1, -1], labelProbs: [0.5, 0.5], predictionIndex: i < right ? 1 : 0, prediction: i < right ? 'yes' : 'no', metric: i < right ? 1 : 0,
  }));
  return { key: cellKey(spec), spec, aggregate: aggregateCell(spec, records, { expected: 20 }) };
}

const cells = ['base', 'ft-paws2000', 'ft-paws4000', 'fticl-paws2000'].flatMap((m, k) => ['paws', 'qqp'].flatMap((d) => [cell(m, d, 'zero-shot', 0, 10 + k), cell(m, d, 'icl', 2, 12 + k)]));

describe('Results view helpers', () => {
  it('deltaToken: no colour without a difference, neutral near 0, the ends clamp', () => {
    expect(deltaToken(undefined)).toBeUndefined();
    expect(deltaToken(0.01)).toBe('--diff-zero');
    expect(deltaToken(-0.06)).toBe('--diff-neg-1');
    expect(deltaToken(0.9)).toBe('--diff-pos-3');
    expect(deltaToken(-0.9)).toBe('--diff-neg-3');
  });

  it('row and column groups span consecutive rows / columns of one group', () => {
    const [fig] = [buildFigure({ trainingSet: 'paws', kinds: ['in-domain', 'out-of-domain'] }, cells)];
    expect(fig.rows.map((r) => r.group)).toEqual(['base', 'FT on paws', 'FT on paws', 'FTICL on paws']);
    expect([...rowGroupStarts(fig)]).toEqual([[0, 1], [1, 2], [3, 1]]);
    expect(columnGroups(fig).reduce((s, g) => s + g.span, 0)).toBe(fig.columns.length);
    expect(columnGroups(fig).map((g) => g.kind)).toEqual([...new Set(fig.columns.map((c) => c.kind))]);
  });

  it('the paper\'s printed value appears on its cell and in its description, nowhere else', () => {
    const fig = buildFigure({ trainingSet: 'paws', kinds: ['in-domain'] }, cells);
    const r = fig.rows.findIndex((x) => x.modelId === 'ft-paws2000');
    const j = fig.columns.findIndex((c) => c.dataset === 'paws');
    const c = fig.panels[0].cells[r][j];
    expect(c.paper?.value).toBe(0.816);
    expect(cellDescription(c, 'ft-paws2000', 'PAWS')).toMatch(/paper 81\.6/);
    const others = fig.panels.flatMap((p) => p.cells.flat()).filter((x) => x.paper);
    // 2k and 4k FT on paws in-domain, in each of the two panels.
    expect(others).toHaveLength(4);
  });

  it('presentation steps: every panel of every figure, in order, clamped at the ends', () => {
    const figs = (['in-domain', 'out-of-domain'] as const).map((k) => buildFigure({ trainingSet: 'paws', kinds: [k] }, cells));
    const steps = figureSteps(figs);
    expect(steps.map((s) => `${s.figure}/${s.panel}`)).toEqual(['in-domain/zero-shot-0-map0', 'in-domain/icl-2-map0', 'out-of-domain/zero-shot-0-map0', 'out-of-domain/icl-2-map0']);
    fc.assert(
      fc.property(fc.array(fc.constantFrom(1 as const, -1 as const), { maxLength: 12 }), (moves) => {
        let at = steps[0];
        let i = 0;
        for (const d of moves) {
          at = stepFrom(steps, at, d)!;
          i = Math.max(0, Math.min(steps.length - 1, i + d));
          expect(at).toEqual(steps[i]);
        }
      }),
    );
    expect(stepFrom([], undefined, 1)).toBeUndefined();
    expect(panelsShown(figs[0], 'icl-2-map0').map((p) => p.id)).toEqual(['icl-2-map0']);
    expect(panelsShown(figs[0], 'nope')).toHaveLength(2);
  });

  it('line geometry: points inside the plot, y up to the largest value\'s next tick', () => {
    const chart: ChartData = { title: 't', xLabel: 'shots', metric: 'accuracy', xs: [0, 2, 4], series: [{ id: 'a', label: 'a', points: [{ x: 0, value: 0.2, low: 0.1, high: 0.34, n: 9, cellKey: 'k0' }, { x: 2, n: 0, cellKey: 'k2' }, { x: 4, value: 0.5, n: 9, cellKey: 'k4' }] }] };
    const g = lineGeometry(chart, 500, 200);
    expect(g.yTicks.map((t) => t.label)).toEqual(['0', '10', '20', '30', '40', '50']);
    const high = lineGeometry({ ...chart, series: [{ ...chart.series[0], points: [{ x: 0, value: 0.77, high: 0.964, n: 5, cellKey: 'k' }] }] });
    expect(high.yTicks.map((t) => t.label)).toEqual(['0', '20', '40', '60', '80', '100']);
    const [s] = g.series;
    expect(s.points.map((p) => p.x)).toEqual([0, 4]);
    for (const p of s.points) {
      expect(p.px).toBeGreaterThanOrEqual(g.pad.left);
      expect(p.px).toBeLessThanOrEqual(500 - g.pad.right);
      expect(p.py).toBeGreaterThanOrEqual(g.pad.top);
      expect(p.py).toBeLessThanOrEqual(200 - g.pad.bottom);
    }
    expect(s.points[1].py).toBe(g.pad.top); // 0.5 is the top
    expect(s.path).toMatch(/^M[\d.]+,[\d.]+ L[\d.]+,[\d.]+$/);
    expect(s.points[0].highPy!).toBeLessThan(s.points[0].py);
  });
});

describe('barGeometry', () => {
  it('a group per test set, a bar per model in row order, heights and whiskers on the shared y axis', async () => {
    const { barGeometry } = await import('../../src/ui/views/results/view.ts');
    const cell = (value: number | undefined, extra: Record<string, unknown> = {}) => ({ state: value === undefined ? ('missing' as const) : ('ok' as const), metric: 'accuracy' as const, n: 10, expected: 10, errors: 0, missing: 0, ...(value !== undefined ? { value, low: value - 0.1, high: value + 0.1 } : {}), ...extra });
    const figure = { rows: [{ modelId: 'base' }, { modelId: 'ft' }], columns: [{ dataset: 'paws', title: 'PAWS', kind: 'in-domain' }, { dataset: 'qqp', title: 'QQP', kind: 'out-of-domain' }] } as unknown as Parameters<typeof barGeometry>[0];
    const panel = { cells: [[cell(0.5), cell(0.3)], [cell(0.8, { paper: { value: 0.816 } }), cell(undefined)]] } as unknown as Parameters<typeof barGeometry>[1];
    const g = barGeometry(figure, panel, { height: 260, barWidth: 18, gap: 3, groupGap: 22 });
    // Top value 0.916 (paper 0.816, interval end 0.9): ticks every 20 points up to 100.
    expect(g.yTicks.map((t) => t.label)).toEqual(['0', '20', '40', '60', '80', '100']);
    expect(g.groups.map((x) => [x.dataset, x.width])).toEqual([['paws', 39], ['qqp', 39]]);
    // Group by group (test set), models in row order inside each.
    expect(g.bars.map((b) => [b.row, b.column])).toEqual([[0, 0], [1, 0], [0, 1]]);
    const inner = 260 - g.pad.top - g.pad.bottom;
    const b = g.bars[1];
    expect(b.height).toBeCloseTo(0.8 * inner, 0);
    expect(b.y + b.height).toBeCloseTo(g.pad.top + inner, 5);
    expect(b.highPy!).toBeLessThan(b.y);
    expect(b.paperPy!).toBeLessThan(b.y);
    // The missing cell is a gap, not a zero-height bar.
    expect(g.gaps).toEqual([{ row: 1, column: 1, x: g.groups[1].x + 18 + 3 + 9 }]);
    expect(g.width).toBe(g.pad.left + 2 * (39 + 22) + g.pad.right);
  });
});
