/**
 * The IndexedDB RecordStore against fake-indexeddb (an in-memory IndexedDB for Node; the real
 * browser test comes from the browser harness, through openFtlabStore/deleteFtlabDatabase).
 */
import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { deleteFtlabDatabase, openFtlabStore, StorageFullError, type IdbRecordStore, type StoredPlan } from '../../src/store/index.ts';
import { openDB } from 'idb';
import { cellKey, type CellSpec, type GenerationRecord, type RunMeta } from '../../src/core/run/records.ts';

const CELL: CellSpec = { modelId: 'm', dataset: 'xsum', task: 'summary', mode: 'zero-shot', shots: 0, template: 0, scoring: 'generate' };

function rec(item: number, over: Partial<GenerationRecord> = {}): GenerationRecord {
  return {
    schemaVersion: 2,
    ...CELL,
    cellKey: cellKey(CELL),
    item,
    promptHash: `h${item}`,
    prompt: `prompt ${item}`,
    bos: true,
    reference: 'ref',
    runId: 'run-1',
    timings: { startedAt: '2024-01-01T00:00:00.000Z', totalMs: 1, prefillMs: 0, decodeMs: 0, promptTokens: 3, newTokens: 2 },
    kind: 'generation',
    output: ' out\n\nx',
    finishReason: 'length',
    prediction: 'out',
    rougeL: { precision: 0.5, recall: 0.5, fmeasure: 0.5 },
    metric: 0.5,
    ...over,
  };
}

function storedPlan(id: string, over: Partial<StoredPlan> = {}): StoredPlan {
  return {
    schemaVersion: 1,
    id,
    name: 'xsum sweep',
    createdAt: '2024-01-01',
    updatedAt: '2024-01-01',
    status: 'done',
    plan: { shots: [1, 2] },
    models: ['m'],
    cells: [{ key: cellKey(CELL), spec: CELL, expected: 2, hashes: { '1': 'h1', '2': 'h2' } }],
    done: 2,
    total: 2,
    ...over,
  };
}

let n = 0;
const opened: { store: IdbRecordStore; name: string }[] = [];
async function fresh(): Promise<IdbRecordStore> {
  const name = `ftlab-test-${process.pid}-${n++}`;
  const store = await openFtlabStore(name);
  opened.push({ store, name });
  return store;
}

afterEach(async () => {
  vi.restoreAllMocks();
  for (const { store, name } of opened.splice(0)) {
    store.close();
    await deleteFtlabDatabase(name);
  }
});

describe('IdbRecordStore', () => {
  it('puts, gets and tells whether a record exists, by [cell, item, promptHash]', async () => {
    const s = await fresh();
    const r = rec(3);
    expect(await s.has(r)).toBe(false);
    await s.put(r);
    expect(await s.has(r)).toBe(true);
    expect(await s.has({ ...r, promptHash: 'other' })).toBe(false);
    expect(await s.get(r)).toEqual(r);
    await s.put({ ...r, metric: 0.9 });
    expect((await s.get(r))?.kind === 'generation' && (await s.get(r))).toMatchObject({ metric: 0.9 });
    expect(await s.countByCell(r.cellKey)).toBe(1);
  });

  it('returns a cell\'s records in item order, and only that cell\'s', async () => {
    const s = await fresh();
    for (const i of [10, 2, 7]) await s.put(rec(i));
    const other = { ...CELL, template: 1 };
    await s.put(rec(1, { ...other, cellKey: cellKey(other) }));
    const got = await s.getByCell(cellKey(CELL));
    expect(got.map((r) => r.item)).toEqual([2, 7, 10]);
    expect((await s.getByRun('run-1')).length).toBe(4);
    expect(await s.deleteCell(cellKey(CELL))).toBe(3);
    expect(await s.getByCell(cellKey(CELL))).toEqual([]);
    expect((await s.getByCell(cellKey(other))).length).toBe(1);
  });

  it('keeps runs and plans', async () => {
    const s = await fresh();
    const run: RunMeta = { id: 'r1', createdAt: '2024-01-02', updatedAt: '2024-01-02', status: 'running', plan: { a: 1 }, done: 0, total: 5 };
    await s.putRun(run);
    await s.putRun({ ...run, id: 'r0', createdAt: '2024-01-01' });
    expect(await s.getRun('r1')).toEqual(run);
    expect((await s.getRun('r0'))?.createdAt).toBe('2024-01-01');
    await s.putPlan(storedPlan('p'));
    expect((await s.getPlan('p'))?.name).toBe('xsum sweep');
    expect((await s.listPlans()).length).toBe(1);
  });

  it('survives closing and reopening (what a reload does)', async () => {
    const name = `ftlab-test-${process.pid}-reopen`;
    const a = await openFtlabStore(name);
    await a.put(rec(1));
    a.close();
    const b = await openFtlabStore(name);
    opened.push({ store: b, name });
    expect(await b.has(rec(1))).toBe(true);
  });

  it('turns QuotaExceededError into StorageFullError and keeps what was saved', async () => {
    const s = await fresh();
    await s.put(rec(1));
    await s.put(rec(2));
    // Test double: the next write fails the way a full disk fails in a browser.
    vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementation(() => {
      throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
    });
    const err = await s.put(rec(3)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageFullError);
    expect(err).toMatchObject({ code: 'storage-full' });
    expect((err as StorageFullError).toLine()).toMatch(/storage is full.*item 3.*resume/);
    vi.restoreAllMocks();
    expect((await s.getByCell(cellKey(CELL))).map((r) => r.item)).toEqual([1, 2]);
  });

  it('also when the quota error aborts the transaction and the request only sees AbortError (Chromium\'s way)', async () => {
    const s = await fresh();
    await s.put(rec(1));
    const original = IDBObjectStore.prototype.put;
    // Test double: the put is queued, then the transaction aborts as on a full disk.
    vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementation(function (this: IDBObjectStore, ...args: Parameters<IDBObjectStore['put']>) {
      const request = original.apply(this, args);
      (this.transaction as unknown as { _abort(name: string): void })._abort('QuotaExceededError');
      return request;
    });
    const err = await s.put(rec(2)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageFullError);
    vi.restoreAllMocks();
    expect((await s.getByCell(cellKey(CELL))).map((r) => r.item)).toEqual([1]);
    await s.put(rec(3));
    expect((await s.getByCell(cellKey(CELL))).map((r) => r.item)).toEqual([1, 3]);
  });

  it('upgrades a version-1 database: unversioned records are migrated in place, nothing lost', async () => {
    const name = `ftlab-test-${process.pid}-v1`;
    // The database exactly as ftlab's version 1 created it, with a record of that time (no schemaVersion).
    const v1 = await openDB(name, 1, {
      upgrade(db) {
        const records = db.createObjectStore('records', { keyPath: ['cellKey', 'item', 'promptHash'] });
        records.createIndex('byCell', 'cellKey');
        records.createIndex('byRun', 'runId');
        records.createIndex('byModel', 'modelId');
        db.createObjectStore('runs', { keyPath: 'id' }).createIndex('byCreated', 'createdAt');
        db.createObjectStore('plans', { keyPath: 'id' });
      },
    });
    const { schemaVersion: _drop, ...old } = rec(4);
    await v1.put('records', old);
    await v1.put('plans', { id: 'p-old', name: 'old shape', createdAt: '2024-01-01', plan: {} });
    v1.close();
    const s = await openFtlabStore(name);
    opened.push({ store: s, name });
    expect(await s.getByCell(cellKey(CELL))).toEqual([rec(4)]);
    expect(await s.listPlans()).toEqual([]);
  });

  it('deletes a plan with its run and the records its run wrote, keeping records of other runs', async () => {
    const s = await fresh();
    await s.put(rec(1, { runId: 'p' }));
    await s.put(rec(2, { runId: 'earlier' }));
    await s.putPlan(storedPlan('p'));
    expect(await s.deletePlan('p')).toBe(1);
    expect(await s.getPlan('p')).toBeUndefined();
    expect((await s.getByCell(cellKey(CELL))).map((r) => r.item)).toEqual([2]);
  });
});
