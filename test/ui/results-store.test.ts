/**
 * The Results store in Node on a MemoryRecordStore: a run opens from its stored aggregates
 * without reading a record, a cell's samples are its expected prompts, two runs compare cell by
 * cell, export then import into an empty store gives back the same cells, and an import never
 * replaces a stored record and names each bad line.
 */
import { describe, expect, it } from 'vitest';
import { Results, figuresOf, chartsOf, type ResultsBackend } from '../../src/ui/state/results.svelte.ts';
import { MemoryRecordStore } from '../../src/core/run/recordStore.ts';
import { aggregateCell, cellKey, type CellSpec, type SampleRecord } from '../../src/core/run/index.ts';
import { planFromRecords } from '../../src/core/report/exchange.ts';
import type { StoredPlan } from '../../src/core/run/stored-plan.ts';
import { modelInfosOf } from '../../src/ui/state/results-figures.ts';

function rec(spec: CellSpec, item: number, right: boolean, runId: string, hash = `h${item}`): SampleRecord {
  return {
    schemaVersion: 2,
    ...spec,
    cellKey: cellKey(spec),
    item,
    promptHash: hash,
    prompt: `prompt ${item}`,
    bos: true,
    reference: 'positive',
    runId,
    timings: { startedAt: '2024-01-01T00:00:00.000Z', totalMs: 5, prefillMs: 1, decodeMs: 0, promptTokens: 3, newTokens: 0 },
    kind: 'classification',
    labels: ['negative', 'positive'],
    labelTokenIds: [1, 2],
    labelLogprobs: [-1, -0.5],
    labelProbs: [0.4, 0.6],
    predictionIndex: right ? 1 : 0,
    prediction: right ? 'positive' : 'negative',
    metric: right ? 1 : 0,
  };
}

const spec = (modelId: string, dataset: string, mode: CellSpec['mode'] = 'zero-shot', shots = 0): CellSpec => ({ modelId, dataset, task: 'sentiment', mode, shots, template: 0, scoring: 'paper' });

/** A store whose getByCell calls are counted. */
class CountingStore extends MemoryRecordStore implements ResultsBackend {
  reads = 0;
  override async getByCell(key: string): Promise<SampleRecord[]> {
    this.reads++;
    return super.getByCell(key);
  }
}

async function seed(store: MemoryRecordStore, id: string, runId: string, flip: (item: number) => boolean): Promise<StoredPlan> {
  const records: SampleRecord[] = [];
  for (const m of ['base-model', 'ft-amazon2000']) for (const d of ['amazon', 'sst2']) for (let i = 0; i < 12; i++) records.push(rec(spec(m, d), i, flip(i), runId));
  for (const r of records) await store.put(r);
  const plan = { ...planFromRecords(records, { id, name: id, createdAt: id === 'a' ? '2024-01-01T00:00:00.000Z' : '2024-01-02T00:00:00.000Z' }) };
  await store.putPlan(plan);
  return plan;
}

describe('Results store', () => {
  it('opens the newest run from its stored aggregates, reading no record; figures and a cell\'s samples', async () => {
    const store = new CountingStore();
    await seed(store, 'a', 'ra', (i) => i % 2 === 0);
    await seed(store, 'b', 'rb', (i) => i % 3 === 0);
    const results = new Results(async () => store);
    await results.refresh();
    expect(results.plans.map((p) => p.id)).toEqual(['b', 'a']);
    expect(results.resolvePlanId('')).toBe('b');
    expect(results.resolvePlanId('a')).toBe('a');
    await results.openPlan('a');
    expect(store.reads).toBe(0);
    expect(results.cells).toHaveLength(4);
    expect(results.trainingSets()).toContain('amazon');
    const [fig] = results.figures('amazon', 'in-domain');
    expect(fig.rows.map((r) => r.group)).toEqual(['base', 'FT on amazon']);
    expect(fig.columns.map((c) => c.dataset)).toEqual(['amazon']);
    expect(fig.panels[0].cells[0][0]).toMatchObject({ value: 0.5, n: 12, state: 'ok' });
    expect(fig.panels[0].cells[1][0].delta).toBe(0);
    // Out-of-domain holds sst2; 'all' gives each non-empty column group.
    expect(results.figures('amazon', 'all').map((f) => f.kinds[0])).toEqual(['in-domain', 'out-of-domain']);

    const key = cellKey(spec('base-model', 'amazon'));
    // Another prompt for item 0 (a changed template) is not one of the plan's samples.
    await store.put(rec(spec('base-model', 'amazon'), 0, false, 'ra', 'other-hash'));
    await results.openCell(key);
    expect(results.samples).toHaveLength(12);
    expect(results.samples.every((s) => s.promptHash.startsWith('h'))).toBe(true);
  });

  it('compares two runs of the same cells: per cell Δ with McNemar, changed samples', async () => {
    const store = new MemoryRecordStore();
    // Same cells, run b another tokenization of the same items: records differ by cell key.
    const a = await seed(store, 'a', 'ra', () => true);
    const bRecords: SampleRecord[] = [];
    for (const m of ['base-model', 'ft-amazon2000']) for (const d of ['amazon', 'sst2']) for (let i = 0; i < 12; i++) bRecords.push(rec({ ...spec(m, d), tokenization: 'paper-code' }, i, i >= 6, 'rb'));
    for (const r of bRecords) await store.put(r);
    await store.putPlan(planFromRecords(bRecords, { id: 'b', name: 'b', createdAt: '2024-01-02T00:00:00.000Z' }));
    const results = new Results(async () => store);
    await results.refresh();
    await results.openPlan(a.id);
    await results.compareWith('b');
    const cmp = results.comparison!;
    expect(cmp.ignored).toEqual(['tokenization']);
    expect(cmp.cells).toHaveLength(4);
    for (const c of cmp.cells) {
      expect(c.paired).toBe(12);
      expect(c.delta).toBeCloseTo(-0.5, 12);
      expect(c.changed).toBe(6);
      expect(c.mcnemar).toMatchObject({ onlyA: 6, onlyB: 0 });
      expect(c.mcnemar!.pExact).toBeCloseTo(2 / 64, 12);
    }
    await results.compareWith('');
    expect(results.comparison).toBeUndefined();
  });

  it('export JSONL / JSON then import into an empty store: the same cells; CSV has a row per cell', async () => {
    const store = new MemoryRecordStore();
    await seed(store, 'a', 'ra', (i) => i < 7);
    const results = new Results(async () => store);
    await results.refresh();
    await results.openPlan('a');
    const csv = await results.exportRun('csv');
    expect(csv.text.trim().split('\n')).toHaveLength(1 + 4);
    for (const kind of ['jsonl', 'json'] as const) {
      const file = await results.exportRun(kind, new Date('2024-02-01T00:00:00Z'));
      const fresh = new MemoryRecordStore();
      const other = new Results(async () => fresh);
      const summary = await other.importText(file.text, file.name);
      expect(summary).toMatchObject({ added: 48, alreadyStored: 0, problems: [], plans: ['a'] });
      await other.openPlan(other.resolvePlanId(''));
      expect(other.cells).toEqual(results.cells);
      expect(other.figures('amazon', 'all')).toEqual(results.figures('amazon', 'all'));
    }
  });

  it('an import keeps every stored record as it is, reports each bad line, and adds the rest', async () => {
    const store = new MemoryRecordStore();
    await seed(store, 'a', 'ra', () => true);
    const results = new Results(async () => store);
    const mine = await store.getByCell(cellKey(spec('base-model', 'amazon')));
    const changed = { ...mine[0], prediction: 'negative', metric: 0 };
    const extra = rec(spec('base-model', 'yelp'), 0, true, 'rx');
    const text = [JSON.stringify(changed), '{broken', JSON.stringify({ ...extra, item: 'one' }), JSON.stringify(extra)].join('\n') + '\n';
    const summary = await results.importText(text, 'mixed.jsonl');
    expect(summary).toMatchObject({ added: 1, alreadyStored: 1 });
    expect(summary!.problems.map((p) => p.line)).toEqual([2, 3]);
    expect(summary!.problems[0].message).toMatch(/not valid JSON/);
    expect((await store.getByCell(mine[0].cellKey))[0]).toEqual(mine[0]);
    expect(await store.getByCell(extra.cellKey)).toEqual([extra]);
    // An empty file is one clear error, nothing stored.
    expect(await results.importText('', 'empty.jsonl')).toBeUndefined();
    expect(results.error).toMatch(/empty\.jsonl is empty/);
  });

  it('charts: metric against shots per model when a test set has 0- and k-shot cells', () => {
    const cells = [0, 2, 4].flatMap((shots) =>
      ['base-model', 'ft-amazon2000'].map((m) => {
        const s = spec(m, 'amazon', shots === 0 ? 'zero-shot' : 'icl', shots);
        const rs = Array.from({ length: 10 }, (_, i) => rec(s, i, i < shots + 3, 'r'));
        return { key: cellKey(s), spec: s, aggregate: aggregateCell(s, rs, { expected: 10 }) };
      }),
    );
    const charts = chartsOf(cells, ['amazon']);
    expect(charts).toHaveLength(1);
    expect(charts[0].xs).toEqual([0, 2, 4]);
    expect(charts[0].series.map((s) => s.points.map((p) => p.value))).toEqual([
      [0.3, 0.5, 0.7],
      [0.3, 0.5, 0.7],
    ]);
    expect(figuresOf(cells, 'amazon', 'in-domain')[0].panels.map((p) => p.id)).toEqual(['zero-shot-0-map0', 'icl-2-map0', 'icl-4-map0']);
  });

  it('the registry\'s models as figure rows: method and training set from their provenance, others left to their id', () => {
    const infos = modelInfosOf([
      { id: 'a', provenance: { method: 'FT', trainingSet: 'paws_train_4000' } },
      { id: 'b', provenance: { method: 'random' } },
      { id: 'c', provenance: { method: 'base' } },
      // The manifest's training size wins over a name that says none.
      { id: 'd', provenance: { method: 'fticl', trainingSet: 'paws', trainingSize: 2000 } },
    ]);
    expect(infos).toEqual([
      { id: 'a', method: 'ft', trainingSet: 'paws', trainSize: 4000, source: 'manifest' },
      { id: 'c', method: 'base', source: 'manifest' },
      { id: 'd', method: 'fticl', trainingSet: 'paws', trainSize: 2000, source: 'manifest' },
    ]);
  });
});
