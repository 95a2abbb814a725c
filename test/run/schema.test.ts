/**
 * Schema versions and migration: records from before versions existed (no schemaVersion) read as
 * the current shape, in core, in the JSON-lines store and through a run that resumes on them;
 * newer or malformed ones are refused with a clear error. The runner's stored plan: cells, the
 * expected prompt hash of each item, aggregates equal to aggregateCell's over the records.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FakeEngine } from './fake-engine.ts';
import { aggregateCell, cellKey, MemoryRecordStore, runPlan, type CellSpec, type EvalPlan, type GenerationRecord, type TestSet } from '../../src/core/run/index.ts';
import { migrateRecord, RECORD_SCHEMA_VERSION, RecordSchemaError } from '../../src/core/run/schema.ts';
import { expectedRecords, migrateStoredPlan } from '../../src/core/run/stored-plan.ts';
import { JsonlRecordStore } from '../../src/store/jsonlRecordStore.ts';
import { RecordFileCorruptError } from '../../src/store/errors.ts';
import { SENTIMENT, SUMMARY, type TaskDefinition } from '../../src/core/tasks/index.ts';
import type { TaskItem } from '../../src/core/datasets/types.ts';

const CELL: CellSpec = { modelId: 'm', dataset: 'xsum', task: 'summary', mode: 'zero-shot', shots: 0, template: 0, scoring: 'generate' };

/** A record exactly as ftlab wrote it before records had a version. */
function v1Record(item: number): Omit<GenerationRecord, 'schemaVersion'> {
  return {
    ...CELL,
    cellKey: cellKey(CELL),
    item,
    promptHash: `h${item}`,
    prompt: 'p',
    bos: true,
    reference: 'ref',
    runId: 'old',
    timings: { startedAt: '2024-01-01T00:00:00.000Z', totalMs: 1, prefillMs: 0, decodeMs: 0, promptTokens: 3, newTokens: 2 },
    kind: 'generation',
    output: 'out',
    finishReason: 'length',
    prediction: 'out',
    rougeL: { precision: 0.5, recall: 0.5, fmeasure: 0.5 },
    metric: 0.5,
  };
}

function synthetic(task: TaskDefinition, n: number): TaskItem[] {
  return Array.from({ length: n }, (_, i) => ({
    source: 's.json',
    index: i,
    fields: Object.fromEntries(task.inputFields.map((f) => [f, `${f} ${i}`])),
    output: task.labels[i % Math.max(1, task.labels.length)] ?? `reference ${i}`,
  }));
}

describe('migrateRecord', () => {
  it('reads an unversioned record as version 1 and migrates it to the current version, nothing else changed', () => {
    const old = v1Record(0);
    const r = migrateRecord(structuredClone(old));
    expect(r.schemaVersion).toBe(RECORD_SCHEMA_VERSION);
    expect({ ...r, schemaVersion: undefined }).toEqual({ ...old, schemaVersion: undefined });
    expect(migrateRecord(r)).toEqual(r); // idempotent on current records
  });

  it('refuses a newer version, a bad version, an unknown kind and a record without its key', () => {
    expect(() => migrateRecord({ ...v1Record(0), schemaVersion: 99 })).toThrow(/newer than this ftlab reads/);
    expect(() => migrateRecord({ ...v1Record(0), schemaVersion: 'x' })).toThrow(RecordSchemaError);
    expect(() => migrateRecord({ ...v1Record(0), kind: 'banana' })).toThrow(/not a sample record/);
    const { promptHash: _p, ...keyless } = v1Record(0);
    expect(() => migrateRecord(keyless)).toThrow(/without its key/);
    expect(() => migrateRecord([1])).toThrow(/JSON object/);
  });
});

describe('the JSON-lines store and old files', () => {
  let dir: string;
  beforeEach(() => void (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ftlab-schema-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('opens a file of unversioned records (an older ftlab eval --out) and reads them migrated', async () => {
    const file = path.join(dir, 'old.jsonl');
    fs.writeFileSync(file, [v1Record(0), v1Record(1)].map((r) => JSON.stringify(r)).join('\n') + '\n');
    const store = await JsonlRecordStore.open(file);
    try {
      const got = await store.getByCell(cellKey(CELL));
      expect(got.map((r) => [r.item, r.schemaVersion])).toEqual([[0, 2], [1, 2]]);
    } finally {
      await store.close();
    }
  });

  it('refuses a file with a record from a newer ftlab, naming the line', async () => {
    const file = path.join(dir, 'new.jsonl');
    fs.writeFileSync(file, [v1Record(0), { ...v1Record(1), schemaVersion: 7 }, v1Record(2)].map((r) => JSON.stringify(r)).join('\n') + '\n');
    await expect(JsonlRecordStore.open(file)).rejects.toThrow(RecordFileCorruptError);
    await expect(JsonlRecordStore.open(file)).rejects.toThrow(/line 2: record schema version 7/);
  });

  it('keeps the stored plan: one line per status, the latest aggregates at close, read back on reopen', async () => {
    const file = path.join(dir, 'run.jsonl');
    const testSets: TestSet[] = [{ name: 'xsum', task: SUMMARY, items: synthetic(SUMMARY, 3) }, { name: 'sst2', task: SENTIMENT, items: synthetic(SENTIMENT, 2) }];
    const plan: EvalPlan = { models: [{ id: 'fake', url: '/x' }], testSets, modes: ['zero-shot'], templates: [0, 1], limit: 3 };
    const store = await JsonlRecordStore.open(file);
    const res = await runPlan(plan, { engine: new FakeEngine(), store, runId: 'r1', planName: 'two sets' });
    await store.close();
    const planLines = fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.includes('"kind":"plan"'));
    expect(planLines.map((l) => (JSON.parse(l) as { plan: { status: string } }).plan.status)).toEqual(['running', 'done']);
    const again = await JsonlRecordStore.open(file);
    try {
      const stored = (await again.getPlan('r1'))!;
      expect(stored.name).toBe('two sets');
      expect(stored.done).toBe(10);
      expect(stored.total).toBe(10);
      expect(stored.cells.map((c) => c.aggregate)).toEqual(res.cells.map((c) => c.aggregate));
      for (const cell of stored.cells) {
        const records = expectedRecords(cell, await again.getByCell(cell.key));
        expect(records).toHaveLength(cell.expected);
        expect(aggregateCell(cell.spec, records, { expected: cell.expected })).toEqual(cell.aggregate);
      }
    } finally {
      await again.close();
    }
  });
});

describe('the stored plan of a run', () => {
  it('holds every cell with its expected hashes; a cancelled run stores the aggregates so far, a resume completes them', async () => {
    const testSets: TestSet[] = [{ name: 'xsum', task: SUMMARY, items: synthetic(SUMMARY, 4) }];
    const plan: EvalPlan = { models: [{ id: 'fake', url: '/x' }], testSets, modes: ['zero-shot'], templates: [0, 1], limit: 4 };
    const store = new MemoryRecordStore();
    const ac = new AbortController();
    const res1 = await runPlan(plan, { engine: new FakeEngine(), store, runId: 'r', signal: ac.signal, onProgress: (p) => p.done === 5 && ac.abort() });
    expect(res1.status).toBe('cancelled');
    const p1 = (await store.getPlan('r'))!;
    expect(p1.status).toBe('cancelled');
    expect(p1.done).toBe(5);
    expect(p1.cells.map((c) => [c.aggregate?.n, c.aggregate?.missing])).toEqual([[4, 0], [1, 3]]);
    expect(p1.cells.every((c) => Object.keys(c.hashes).length === 4)).toBe(true);
    await runPlan(plan, { engine: new FakeEngine(), store, runId: 'r' });
    const p2 = (await store.getPlan('r'))!;
    expect([p2.status, p2.done, p2.total, p2.createdAt]).toEqual(['done', 8, 8, p1.createdAt]);
    expect(p2.cells.map((c) => c.aggregate?.n)).toEqual([4, 4]);
  });

  it('migrateStoredPlan refuses what is not a stored plan or comes from a newer ftlab', () => {
    expect(() => migrateStoredPlan({ id: 'x', cells: [] })).toThrow(/without a schema version/);
    expect(() => migrateStoredPlan({ schemaVersion: 5, id: 'x', cells: [] })).toThrow(/newer/);
    expect(() => migrateStoredPlan({ schemaVersion: 1, id: 'x', cells: [{ key: 'k' }] })).toThrow(/a cell without/);
  });
});
