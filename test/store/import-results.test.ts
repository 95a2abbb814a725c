/**
 * Importing results into IndexedDB (fake-indexeddb): an `ftlab eval`-style file (records, run and
 * plan lines) into a fresh profile gives the same figure cells; a second import adds nothing and
 * replaces nothing; a records file without a plan gets one made from its records; bad lines are
 * reported and the rest imported. The stored plan opens without reading records.
 */
import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeEngine } from '../run/fake-engine.ts';
import { deleteFtlabDatabase, importResults, openFtlabStore, type IdbRecordStore } from '../../src/store/index.ts';
import { MemoryRecordStore, runPlan, type EvalPlan } from '../../src/core/run/index.ts';
import { cellsFromRecords, cellsOfStoredPlan, exportJson, exportJsonl } from '../../src/core/report/index.ts';
import { SENTIMENT, SUMMARY, type TaskDefinition } from '../../src/core/tasks/index.ts';
import type { TaskItem } from '../../src/core/datasets/types.ts';

function synthetic(task: TaskDefinition, n: number): TaskItem[] {
  return Array.from({ length: n }, (_, i) => ({ source: 's.json', index: i, fields: Object.fromEntries(task.inputFields.map((f) => [f, `${f} ${i}`])), output: task.labels[i % Math.max(1, task.labels.length)] ?? `reference ${i}` }));
}
const plan: EvalPlan = { models: [{ id: 'fake', url: '/x' }], testSets: [{ name: 'sst2', task: SENTIMENT, items: synthetic(SENTIMENT, 4) }, { name: 'xsum', task: SUMMARY, items: synthetic(SUMMARY, 3) }], modes: ['zero-shot'], templates: [0, 1], limit: 4 };

const opened: { s: IdbRecordStore; name: string }[] = [];
async function fresh(name: string): Promise<IdbRecordStore> {
  const s = await openFtlabStore(`${name}-${process.pid}`);
  opened.push({ s, name: `${name}-${process.pid}` });
  return s;
}
afterEach(async () => {
  for (const { s, name } of opened.splice(0)) {
    s.close();
    await deleteFtlabDatabase(name);
  }
});

describe('importResults', () => {
  it('JSONL from a run into a fresh profile: the same cells; importing again changes nothing', async () => {
    const source = new MemoryRecordStore();
    const res = await runPlan(plan, { engine: new FakeEngine(), store: source, runId: 'r1' });
    const text = exportJsonl(await source.allRecords(), await source.listPlans());
    const s = await fresh('import-a');
    const first = await importResults(s, text, 'r1.jsonl');
    expect(first).toMatchObject({ format: 'jsonl', added: 14, alreadyStored: 0, plans: ['r1'], problems: [] });
    const stored = (await s.getPlan('r1'))!;
    expect((await cellsOfStoredPlan(stored, s)).map((c) => c.aggregate)).toEqual(res.cells.map((c) => c.aggregate));
    expect((await cellsOfStoredPlan(stored, s, { recompute: true })).map((c) => c.aggregate)).toEqual(res.cells.map((c) => c.aggregate));
    const again = await importResults(s, text, 'r1.jsonl');
    expect(again).toMatchObject({ added: 0, alreadyStored: 14 });
    expect((await s.allRecords()).length).toBe(14);
  });

  it('a records file without plan lines gets a plan from its records; bad lines reported, the rest kept; JSON exports too', async () => {
    const source = new MemoryRecordStore();
    await runPlan(plan, { engine: new FakeEngine(), store: source });
    const records = await source.allRecords();
    const s = await fresh('import-b');
    const sum = await importResults(s, exportJsonl(records) + '{broken\n', 'old.jsonl');
    expect(sum.added).toBe(14);
    expect(sum.problems).toEqual([{ line: 15, message: expect.stringContaining('not valid JSON') }]);
    const made = (await s.getPlan(sum.plans[0]))!;
    expect((await cellsOfStoredPlan(made, s)).map((c) => c.aggregate)).toEqual(cellsFromRecords(records).map((c) => c.aggregate));
    const t = await fresh('import-c');
    const viaJson = await importResults(t, exportJson({ plans: await source.listPlans(), cells: cellsFromRecords(records), records }), 'x.json');
    expect(viaJson).toMatchObject({ format: 'json', added: 14 });
  });
});
