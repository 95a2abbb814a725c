/**
 * Study figures from synthetic cells: in-domain / out-of-domain / cross-task columns from the
 * study settings, rows grouped by method, intervals passed through, differences from the base
 * model, cells missing, absent or with too few samples flagged; the paper's printed values on
 * the matching cells; shots and training-size series.
 */
import { describe, expect, it } from 'vitest';
import { buildFigure, figureColumns, panelIdOf, type FigureInputCell } from '../../src/core/report/figure.ts';
import { modelInfoFromId, modelInfoFromManifest } from '../../src/core/report/models.ts';
import { shotsSeries, trainingSizeSeries } from '../../src/core/report/series.ts';
import { cellKey, type CellAggregate, type CellSpec, type EvalMode } from '../../src/core/run/index.ts';

function acc(value: number, n = 100, over: Partial<CellAggregate> = {}): CellAggregate {
  return { expected: n, n, errors: 0, missing: 0, accuracy: { correct: Math.round(value * n), value, low: value - 0.05, high: value + 0.05 }, ...over };
}
function rouge(mid: number, n = 100): CellAggregate {
  return { expected: n, n, errors: 0, missing: 0, rougeL: { mean: mid, low: mid - 0.01, mid, high: mid + 0.01, seed: 0, nSamples: 1000 } };
}
function cell(modelId: string, dataset: string, task: string, aggregate: CellAggregate, mode: EvalMode = 'zero-shot', shots = 0, template = 0): FigureInputCell {
  const spec: CellSpec = { modelId, dataset, task, mode, shots, template, scoring: task === 'summary' || task === 'question' ? 'generate' : 'paper' };
  return { key: cellKey(spec), spec, aggregate };
}

const BASE = 'llama2-7b-q4f16_1';
const FT2 = 'llama2-7b-ft-paws2000';
const FT4 = 'llama2-7b-ft-paws4000';
const FTICL = 'llama2-7b-fticl-paws2000';
const OTHER = 'llama2-7b-ft-amazon2000';

describe('models from ids and manifests', () => {
  it('reads method, training set and size', () => {
    expect(modelInfoFromId(FT4)).toMatchObject({ method: 'ft', trainingSet: 'paws', trainSize: 4000 });
    expect(modelInfoFromId('ft-amazon-2k')).toMatchObject({ method: 'ft', trainingSet: 'amazon', trainSize: 2000 });
    expect(modelInfoFromId(FTICL)).toMatchObject({ method: 'fticl', trainingSet: 'paws' });
    expect(modelInfoFromId('tiny-random-llama-f32')).toMatchObject({ method: 'base' });
    expect(modelInfoFromManifest({ id: 'x', method: 'fticl', training: { dataset: 'xsum_train_2000', size: 2000, shots: 2 } })).toMatchObject({ method: 'fticl', trainingSet: 'xsum', trainSize: 2000, source: 'manifest' });
  });
});

describe('buildFigure', () => {
  const cells = [
    cell(BASE, 'paws', 'detection', acc(0.5)),
    cell(FT2, 'paws', 'detection', acc(0.8)),
    cell(FT4, 'paws', 'detection', acc(0.9)),
    cell(FTICL, 'paws', 'detection', acc(0.55, 5)), // too few
    cell(OTHER, 'paws', 'detection', acc(0.6)), // trained on amazon: not in the paws figure
    cell(BASE, 'qqp', 'detection', acc(0.4)),
    cell(FT2, 'qqp', 'detection', acc(0, 0, { n: 0, expected: 250, missing: 250, accuracy: undefined })),
    cell(BASE, 'xsum', 'summary', rouge(0.2)),
    cell(FT2, 'xsum', 'summary', rouge(0.05)),
    cell(BASE, 'paws', 'detection', acc(0.52), 'icl', 2),
  ];

  it('in-domain: rows base / FT / FTICL, one column per in-domain set, intervals and differences from base', () => {
    const f = buildFigure({ trainingSet: 'paws', kinds: ['in-domain'] }, cells);
    expect(f.columns.map((c) => c.dataset)).toEqual(['paws']);
    expect(f.rows.map((r) => [r.modelId, r.group])).toEqual([[BASE, 'base'], [FT2, 'FT on paws'], [FT4, 'FT on paws'], [FTICL, 'FTICL on paws']]);
    expect(f.panels.map((p) => p.id)).toEqual(['zero-shot-0-map0', 'icl-2-map0']);
    const z = f.panels[0].cells;
    expect(z[1][0]).toMatchObject({ state: 'ok', metric: 'accuracy', value: 0.8, low: 0.8 - 0.05, high: 0.8 + 0.05, n: 100 });
    expect(z[1][0].delta).toBeCloseTo(0.3, 12);
    expect(z[0][0].delta).toBeUndefined();
    expect(z[3][0]).toMatchObject({ state: 'too-few', n: 5 });
    // The paper's printed values, on the matching cells only.
    expect(z[1][0].paper?.value).toBe(0.816);
    expect(z[2][0].paper?.value).toBe(0.932);
    expect(z[3][0].paper).toBeUndefined();
    // A panel where only the base model has a cell: the others are absent, not zero.
    expect(f.panels[1].cells.map((r) => r[0].state)).toEqual(['ok', 'absent', 'absent', 'absent']);
  });

  it('out-of-domain: planned cells with no sample are "missing", cells not in the data "absent"', () => {
    const f = buildFigure({ trainingSet: 'paws', kinds: ['out-of-domain'], keepEmptyColumns: true }, cells);
    expect(buildFigure({ trainingSet: 'paws', kinds: ['out-of-domain'] }, cells).columns.map((c) => c.dataset)).toEqual(['qqp']);
    expect(f.columns.map((c) => c.dataset)).toEqual(['qqp', 'stsb']);
    expect(f.rows.map((r) => r.modelId)).toEqual([BASE, FT2]);
    const z = f.panels[0].cells;
    expect(z[1][0]).toMatchObject({ state: 'missing', n: 0, missing: 250 });
    expect(z[0][1].state).toBe('absent');
  });

  it('cross-task: the other four tasks\' test sets, ROUGE-L bootstrap mid for generation, errors flagged', () => {
    const withErrors = [...cells, cell(FT4, 'xsum', 'summary', { ...rouge(0.1, 50), errors: 3 })];
    const f = buildFigure({ trainingSet: 'paws', kinds: ['cross-task'], keepEmptyColumns: true }, withErrors);
    expect(f.columns.map((c) => c.task)).toEqual(expect.arrayContaining(['summary', 'question', 'sentiment', 'inference']));
    expect(f.columns.some((c) => c.task === 'detection')).toBe(false);
    expect(f.columns.some((c) => c.dataset === 'snli')).toBe(false);
    const x = f.columns.findIndex((c) => c.dataset === 'xsum');
    const z = f.panels[0].cells;
    const row = (id: string): number => f.rows.findIndex((r) => r.modelId === id);
    expect(z[row(FT2)][x]).toMatchObject({ metric: 'rougeL', value: 0.05, low: 0.04, high: 0.060000000000000005 });
    expect(z[row(FT2)][x].delta).toBeCloseTo(-0.15, 12);
    expect(z[row(FT4)][x].state).toBe('errors');
  });

  it('all three groups by default; mean |Δw| printed by the paper on FT/FTICL xsum rows; unknown training sets refused', () => {
    expect(figureColumns('xsum').map((c) => c.kind).filter((k, i, a) => a.indexOf(k) === i)).toEqual(['in-domain', 'out-of-domain', 'cross-task']);
    const f = buildFigure({ trainingSet: 'xsum' }, [cell(BASE, 'xsum', 'summary', rouge(0.2)), cell('ft-xsum2000', 'xsum', 'summary', rouge(0.3)), cell('fticl-xsum2000', 'xsum', 'summary', rouge(0.31))]);
    expect(f.rows.map((r) => r.paper.map((p) => p.value))).toEqual([[], [1e-4], [8.03e-5]]);
    expect(() => buildFigure({ trainingSet: 'nope' }, cells)).toThrow(/no study setting/);
    expect(() => buildFigure({ trainingSet: 'paws', baseModel: 'ghost' }, cells)).toThrow(/base model "ghost"/);
  });
});

describe('series', () => {
  it('metric by shots: zero-shot at 0, the mode\'s cells at their k', () => {
    const cs = [cell(BASE, 'sst2', 'sentiment', acc(0.5)), cell(BASE, 'sst2', 'sentiment', acc(0.6), 'icl', 2), cell(BASE, 'sst2', 'sentiment', acc(0.7), 'icl', 4), cell(BASE, 'sst2', 'sentiment', acc(0.1), 'icl', 4, 1)];
    const s = shotsSeries(cs, { dataset: 'sst2', template: 0, mode: 'icl' })!;
    expect(s.xs).toEqual([0, 2, 4]);
    expect(s.series[0].points.map((p) => [p.x, p.value])).toEqual([[0, 0.5], [2, 0.6], [4, 0.7]]);
    expect(shotsSeries(cs, { dataset: 'sst2', template: 0, mode: 'fticl' })).toBeUndefined();
  });

  it('metric by training-set size, only when a method has two sizes; base as a flat reference', () => {
    const cs = [cell(BASE, 'paws', 'detection', acc(0.5)), cell(FT2, 'paws', 'detection', acc(0.8)), cell(FT4, 'paws', 'detection', acc(0.9))];
    const s = trainingSizeSeries(cs, { dataset: 'paws', panelId: panelIdOf(cs[0].spec) })!;
    expect(s.xs).toEqual([2000, 4000]);
    expect(s.series.filter((x) => !x.paper).map((x) => [x.label, x.points.map((p) => p.value)])).toEqual([[`base (${BASE})`, [0.5, 0.5]], ['FT on paws', [0.8, 0.9]]]);
    expect(trainingSizeSeries(cs.slice(0, 2), { dataset: 'paws', panelId: panelIdOf(cs[0].spec) })).toBeUndefined();
  });

  it('the paper\'s printed Paws FT numbers join the size chart as a marked series, its sizes among the xs', () => {
    const FT6 = 'llama2-7b-ft-paws6000';
    const cs = [cell(BASE, 'paws', 'detection', acc(0.5)), cell(FT2, 'paws', 'detection', acc(0.8)), cell(FT6, 'paws', 'detection', acc(0.9))];
    const s = trainingSizeSeries(cs, { dataset: 'paws', panelId: panelIdOf(cs[0].spec) })!;
    expect(s.xs).toEqual([2000, 4000, 6000]);
    const paper = s.series.find((x) => x.paper)!;
    expect([paper.label, paper.points.map((p) => [p.x, p.value])]).toEqual(['paper: FT on paws', [[2000, 0.816], [4000, 0.932]]]);
    expect(s.series.filter((x) => !x.paper).map((x) => x.label)).toEqual([`base (${BASE})`, 'FT on paws']);
    // Another test set: nothing printed, no paper series.
    const qqp = cs.map((c) => ({ ...c, spec: { ...c.spec, dataset: 'qqp' } }));
    expect(trainingSizeSeries(qqp, { dataset: 'qqp', panelId: panelIdOf(qqp[0].spec) })!.series.some((x) => x.paper)).toBe(false);
  });
});

describe('the difference scale', async () => {
  const { deltaBin, deltaLegend } = await import('../../src/core/report/index.ts');
  it('bins differences from base in 5-point steps, clamped at ±3; the legend names each range', () => {
    expect([-0.5, -0.12, -0.03, 0.02, 0.024, 0.026, 0.11, 0.9].map((d) => deltaBin(d))).toEqual([-3, -2, -1, 0, 0, 1, 2, 3]);
    expect(deltaBin(undefined)).toBeUndefined();
    expect(deltaLegend().map((l) => l.label)).toEqual(['≤ −12.5', '−12.5 to −7.5', '−7.5 to −2.5', '±2.5', '+2.5 to +7.5', '+7.5 to +12.5', '≥ +12.5']);
  });
});
