/**
 * Drill-down helpers (filters, sorts, confusion matrix and the collapse onto one label) and the
 * comparison of two runs (cells matched without the fields the runs differ in, items by index,
 * Δ with the paired tests, changed samples).
 */
import { describe, expect, it } from 'vitest';
import { compareRuns, confusionMatrix, differingFields, filterSamples, mcnemar, pairedBootstrap } from '../../src/core/report/index.ts';
import { cellKey, type CellSpec, type ClassificationRecord, type GenerationRecord, type SampleRecord } from '../../src/core/run/index.ts';

const SST: CellSpec = { modelId: 'base', dataset: 'sst2', task: 'sentiment', mode: 'zero-shot', shots: 0, template: 0, scoring: 'paper' };
const XSUM: CellSpec = { ...SST, dataset: 'xsum', task: 'summary', scoring: 'generate' };
const timings = { startedAt: '2024-01-01T00:00:00.000Z', totalMs: 1, prefillMs: 1, decodeMs: 0, promptTokens: 1, newTokens: 0 };

function cls(spec: CellSpec, item: number, gold: string, pred: string, hash = `h${item}`): ClassificationRecord {
  return { schemaVersion: 2, ...spec, cellKey: cellKey(spec), item, promptHash: hash, prompt: `review ${item}`, bos: true, reference: gold, runId: 'r', timings, kind: 'classification', labels: ['negative', 'positive'], labelTokenIds: [1, 2], labelLogprobs: [-1, -2], labelProbs: [0.7, 0.3], predictionIndex: pred === 'negative' ? 0 : 1, prediction: pred, metric: gold === pred ? 1 : 0 };
}
function gen(spec: CellSpec, item: number, f: number, text = `summary ${item}`): GenerationRecord {
  return { schemaVersion: 2, ...spec, cellKey: cellKey(spec), item, promptHash: `h${item}`, prompt: `article ${item}`, bos: true, reference: 'ref', runId: 'r', timings, kind: 'generation', output: text, finishReason: 'eos', prediction: text, rougeL: { precision: f, recall: f, fmeasure: f }, metric: f };
}
const err = (spec: CellSpec, item: number): SampleRecord => ({ schemaVersion: 2, ...spec, cellKey: cellKey(spec), item, promptHash: `h${item}`, prompt: 'p', bos: true, reference: 'positive', runId: 'r', timings, kind: 'error', error: { code: 'context-window-exceeded', message: 'too long' } });

describe('filterSamples and confusionMatrix', () => {
  const records: SampleRecord[] = [cls(SST, 0, 'positive', 'positive'), cls(SST, 1, 'negative', 'positive'), cls(SST, 2, 'negative', 'negative'), err(SST, 3), cls(SST, 4, 'positive', 'positive')];

  it('filters right / wrong / errors, by a square of the matrix, by text; sorts by metric', () => {
    expect(filterSamples(records, { outcome: 'right' }).map((r) => r.item)).toEqual([0, 2, 4]);
    expect(filterSamples(records, { outcome: 'wrong' }).map((r) => r.item)).toEqual([1]);
    expect(filterSamples(records, { outcome: 'errors' }).map((r) => r.item)).toEqual([3]);
    expect(filterSamples(records, { gold: 'negative', predicted: 'positive' }).map((r) => r.item)).toEqual([1]);
    expect(filterSamples(records, { search: 'REVIEW 2' }).map((r) => r.item)).toEqual([2]);
    expect(filterSamples(records, { sort: 'metric-asc' }).map((r) => r.item)).toEqual([3, 1, 0, 2, 4]);
  });

  it('counts gold × predicted, the predicted distribution, and flags a collapse onto one label', () => {
    const m = confusionMatrix(records);
    expect(m.labels).toEqual(['negative', 'positive']);
    expect(m.counts).toEqual([[1, 1], [0, 2]]);
    expect(m.total).toBe(4);
    expect(m.predicted.map((p) => [p.label, p.count])).toEqual([['negative', 1], ['positive', 3]]);
    expect(m.collapsed).toBeUndefined();
    const collapsed = confusionMatrix(Array.from({ length: 10 }, (_, i) => cls(SST, i, i % 2 ? 'positive' : 'negative', 'positive')));
    expect(collapsed.collapsed).toEqual({ label: 'positive', share: 1 });
  });
});

describe('compareRuns', () => {
  it('FT vs FTICL: cells matched across model ids, Δ accuracy with McNemar and the paired bootstrap, changed samples', () => {
    const a = [0, 1, 2, 3, 4, 5].map((i) => cls({ ...SST, modelId: 'ft' }, i, 'positive', i < 2 ? 'positive' : 'negative'));
    const b = [0, 1, 2, 3, 4, 5].map((i) => cls({ ...SST, modelId: 'fticl' }, i, 'positive', i < 5 ? 'positive' : 'negative'));
    const c = compareRuns(a, b);
    expect(c.ignored).toEqual(['modelId']);
    expect(c.cells).toHaveLength(1);
    const cell = c.cells[0];
    expect([cell.metric, cell.paired, cell.changed, cell.keyA, cell.keyB]).toEqual(['accuracy', 6, 3, a[0].cellKey, b[0].cellKey]);
    expect(cell.delta).toBeCloseTo(3 / 6, 12);
    expect(cell.mcnemar).toEqual(mcnemar(a.map((r) => r.metric), b.map((r) => r.metric)));
    expect(cell.samples.filter((s) => s.changed).map((s) => s.item)).toEqual([2, 3, 4]);
  });

  it('protocol vs paper-code: items paired by index although prompt hashes differ; ROUGE-L by the paired bootstrap; errors not paired', () => {
    const a = [0, 1, 2, 3].map((i) => gen(XSUM, i, 0.2 + i * 0.01));
    const b = [0, 1, 2].map((i) => ({ ...gen({ ...XSUM, tokenization: 'paper-code' }, i, 0.3 + i * 0.01, i === 0 ? 'summary 0' : 'other'), promptHash: `ids${i}` }));
    const c = compareRuns(a, [...b, err({ ...XSUM, tokenization: 'paper-code' }, 3)]);
    expect(c.ignored).toEqual(['tokenization']);
    const cell = c.cells[0];
    expect(cell.paired).toBe(3);
    expect(cell.mcnemar).toBeUndefined();
    expect(cell.bootstrap).toEqual(pairedBootstrap([0, 1, 2].map((i) => 0.2 + i * 0.01), [0, 1, 2].map((i) => 0.3 + i * 0.01)));
    expect(cell.changed).toBe(2);
    expect(differingFields(a, a)).toEqual([]);
  });
});
