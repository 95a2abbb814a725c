/**
 * The Evaluate panel's wiring of the runner (src/views/eval/evaluation.ts) in Node: the engine
 * over the loaded model never loads another one, and a plan's cells read back from IndexedDB
 * (fake-indexeddb here; the real one in test/browser/evaluate-panel.test.ts) equal the runner's
 * own aggregates, counting only records of the prompts the plan builds now.
 */
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { evalStore, loadedModelEngine, planCells, runEvaluation } from '../../src/views/eval/evaluation.ts';
import { EvalModelNotLoadedError } from '../../src/views/eval/errors.ts';
import { defaultPlanForm, planFromForm } from '../../src/views/eval/plan-form.ts';
import type { RunProgress, SampleRecord, TestSet } from '../../src/core/run/index.ts';
import { SENTIMENT } from '../../src/core/tasks/index.ts';
import type { TaskItem } from '../../src/core/datasets/index.ts';
import { FakeEngine } from '../run/fake-engine.ts';

const item = (index: number, output: string): TaskItem => ({ source: 'reviews.json', index, fields: { input: `review number ${index}` }, output });
const SET: TestSet = {
  name: 'reviews',
  task: SENTIMENT,
  items: Array.from({ length: 6 }, (_, i) => item(i, i % 2 ? 'negative' : 'positive')),
  demos: Array.from({ length: 4 }, (_, i) => item(50 + i, i % 2 ? 'negative' : 'positive')),
};
const SPEC = { id: 'fake-model', url: 'mem://fake/' };

describe('loadedModelEngine', () => {
  it('answers load with the loaded model and refuses any other, loading nothing', async () => {
    const client = new FakeEngine();
    const info = await client.load(SPEC);
    client.calls.load = 0;
    let current: { spec: typeof SPEC; info: typeof info } | null = { spec: SPEC, info };
    const engine = loadedModelEngine(client, () => current);
    expect(await engine.load(SPEC)).toEqual(info);
    await expect(engine.load({ id: 'other', url: 'x' })).rejects.toThrow(EvalModelNotLoadedError);
    await expect(engine.load({ id: 'other', url: 'x' })).rejects.toThrow('the plan runs on "other" but "fake-model" is loaded');
    current = null;
    await expect(engine.load(SPEC)).rejects.toThrow('the plan runs on "fake-model" but no model is loaded');
    expect(client.calls.load).toBe(0);
    await engine.generate({ prompt: { text: 'x', bos: true }, maxTokens: 2 });
    await engine.interrupt();
    expect(client.calls.generate).toBe(1);
    expect(client.calls.interrupt).toBe(1);
  });
});

describe('runEvaluation and planCells', () => {
  it('store every sample, resume, and read the cells back as the runner aggregates them', async () => {
    const plan = planFromForm({ ...defaultPlanForm('sentiment'), shots: '2', templates: { 0: true, 1: false }, limit: 4 }, SPEC, SET);
    const client = new FakeEngine();
    const info = await client.load(SPEC);
    const engine = loadedModelEngine(client, () => ({ spec: SPEC, info }));
    const progress: RunProgress[] = [];
    const first = await runEvaluation(plan, { engine, signal: new AbortController().signal, seed: 0, onProgress: (p) => progress.push(p) });
    expect(first).toMatchObject({ status: 'done', done: 8, total: 8, skipped: 0, errors: 0 });
    expect(progress.at(-1)).toMatchObject({ done: 8, cellIndex: 1, cellCount: 2, cellDone: 4, cellTotal: 4 });

    const cells = await planCells(plan, 0);
    expect(cells.map((c) => c.key)).toEqual(first.cells.map((c) => c.key));
    expect(cells.map((c) => c.aggregate)).toEqual(first.cells.map((c) => c.aggregate));
    expect(cells.map((c) => c.records.map((r) => r.item))).toEqual([[0, 1, 2, 3], [0, 1, 2, 3]]);

    // A record of another prompt for item 0 (an older template, say) is not this plan's result.
    const db = await evalStore();
    const stale: SampleRecord = { ...cells[0].records[0], promptHash: 'f'.repeat(64), prediction: 'negative', metric: 0 } as SampleRecord;
    await db.put(stale);
    const again = await planCells(plan, 0);
    expect(again[0].records).toHaveLength(4);
    expect(again[0].aggregate).toEqual(cells[0].aggregate);

    // The same plan again: everything is stored, nothing runs.
    const calls = client.calls.scoreNext;
    const second = await runEvaluation(plan, { engine, signal: new AbortController().signal, seed: 0, onProgress: () => undefined });
    expect(second).toMatchObject({ status: 'done', done: 0, total: 0, skipped: 8 });
    expect(client.calls.scoreNext).toBe(calls);
  });

  it('stops between samples when cancelled and keeps what is done', async () => {
    const set: TestSet = { ...SET, name: 'reviews-cancel' };
    const plan = planFromForm({ ...defaultPlanForm('sentiment'), modes: { 'zero-shot': true, icl: false, fticl: false }, templates: { 0: true, 1: false }, limit: 6 }, SPEC, set);
    const client = new FakeEngine({ delayMs: 5 });
    const info = await client.load(SPEC);
    const ac = new AbortController();
    const result = await runEvaluation(plan, {
      engine: loadedModelEngine(client, () => ({ spec: SPEC, info })),
      signal: ac.signal,
      seed: 0,
      onProgress: (p) => {
        if (p.done === 2) ac.abort();
      },
    });
    expect(result).toMatchObject({ status: 'cancelled', done: 2 });
    const [cell] = await planCells(plan, 0);
    expect(cell.records.map((r) => r.item)).toEqual([0, 1]);
    expect(cell.aggregate).toMatchObject({ expected: 6, n: 2, missing: 4 });
  });
});
