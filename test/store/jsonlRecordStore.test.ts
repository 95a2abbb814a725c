/**
 * The JSON-lines RecordStore (Node, `ftlab eval --out`): lines on disk as soon as put() resolves,
 * resume across instances, an unfinished last line (a crash mid-write) dropped with a warning
 * and nothing before it lost, corruption elsewhere refused with its line, one writer at a time.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { JsonlRecordStore } from '../../src/store/jsonlRecordStore.ts';
import { RecordFileCorruptError, RecordFileError, RecordFileLockedError } from '../../src/store/errors.ts';
import { cellKey, type CellSpec, type GenerationRecord, type RunMeta, type ErrorRecord } from '../../src/core/run/records.ts';

const CELL: CellSpec = { modelId: 'm', dataset: 'xsum', task: 'summary', mode: 'zero-shot', shots: 0, template: 0, scoring: 'generate' };
const OTHER: CellSpec = { ...CELL, template: 1 };

function rec(item: number, over: Partial<GenerationRecord> = {}): GenerationRecord {
  return {
    schemaVersion: 2,
    ...CELL,
    cellKey: cellKey(CELL),
    item,
    promptHash: `h${item}`,
    prompt: `prompt ${item} — résumé €`,
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

function meta(id: string, over: Partial<RunMeta> = {}): RunMeta {
  return { id, createdAt: '2024-01-01T00:00:00.000Z', updatedAt: '2024-01-01T00:00:01.000Z', status: 'running', plan: { limit: 3 }, done: 0, total: 3, ...over };
}

let dir: string;
let file: string;
const open: JsonlRecordStore[] = [];
async function openStore(f = file, warnings?: string[]): Promise<JsonlRecordStore> {
  const s = await JsonlRecordStore.open(f, { onWarning: (w) => warnings?.push(w) });
  open.push(s);
  return s;
}
const lines = (): string[] => fs.readFileSync(file, 'utf8').split('\n');

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ftlab-jsonl-'));
  file = path.join(dir, 'records.jsonl');
});
afterEach(async () => {
  for (const s of open.splice(0)) await s.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('JsonlRecordStore', () => {
  it('stores records and runs as JSON lines, on disk as soon as put resolves', async () => {
    const store = await openStore();
    expect(fs.existsSync(`${file}.lock`)).toBe(true);
    await store.put(rec(1));
    // Read by another reader before close: the line is there, whole.
    expect(lines()).toEqual([JSON.stringify(rec(1)), '']);
    await store.put(rec(0));
    await store.put({ ...rec(0), cellKey: cellKey(OTHER), template: 1 });
    await store.putRun(meta('r1'));
    expect(await store.has({ cellKey: cellKey(CELL), item: 1, promptHash: 'h1' })).toBe(true);
    expect(await store.has({ cellKey: cellKey(CELL), item: 1, promptHash: 'other' })).toBe(false);
    expect(await store.get({ cellKey: cellKey(CELL), item: 0, promptHash: 'h0' })).toEqual(rec(0));
    expect((await store.getByCell(cellKey(CELL))).map((r) => r.item)).toEqual([0, 1]);
    expect(await store.getByCell(cellKey(OTHER))).toHaveLength(1);
    expect(await store.getRun('r1')).toEqual(meta('r1'));
    expect(store.size).toBe(3);
    expect(JSON.parse(lines()[3])).toEqual({ kind: 'run', run: meta('r1') });
    // Copies out: a caller cannot change what is stored.
    const got = (await store.get({ cellKey: cellKey(CELL), item: 0, promptHash: 'h0' })) as GenerationRecord;
    got.output = 'changed';
    expect(((await store.get({ cellKey: cellKey(CELL), item: 0, promptHash: 'h0' })) as GenerationRecord).output).toBe(' out\n\nx');
    await store.close();
    expect(fs.existsSync(`${file}.lock`)).toBe(false);
  });

  it('resumes across instances: a reopened file has every record and run; later lines replace earlier ones', async () => {
    const first = await openStore();
    for (const i of [0, 1, 2]) await first.put(rec(i));
    await first.putRun(meta('r1'));
    await first.close();

    const second = await openStore();
    expect(second.warnings).toEqual([]);
    expect((await second.getByCell(cellKey(CELL))).map((r) => r.item)).toEqual([0, 1, 2]);
    expect(await second.getRun('r1')).toEqual(meta('r1'));
    const err: ErrorRecord = { ...rec(1), kind: 'error', error: { code: 'x', message: 'boom' } } as unknown as ErrorRecord;
    await second.put(err);
    await second.putRun(meta('r1', { status: 'done', done: 3 }));
    await second.put(rec(3));
    await second.close();

    const third = await openStore();
    const records = await third.getByCell(cellKey(CELL));
    expect(records.map((r) => `${r.item}:${r.kind}`)).toEqual(['0:generation', '1:error', '2:generation', '3:generation']);
    expect(third.size).toBe(4);
    expect((await third.getRun('r1'))?.status).toBe('done');
    expect(third.allRecords()).toHaveLength(4);
    expect(lines().filter(Boolean)).toHaveLength(7);
  });

  it('drops an unfinished last line (a crash mid-write) with a warning, keeps every earlier line, and appends cleanly after', async () => {
    const first = await openStore();
    await first.put(rec(0));
    await first.put(rec(1));
    await first.close();
    // What a crash while writing item 2 leaves: part of its line, cut inside a multi-byte character.
    const whole = Buffer.from(JSON.stringify(rec(2)) + '\n', 'utf8');
    const cut = whole.indexOf(Buffer.from('€', 'utf8')) + 1;
    const before = fs.readFileSync(file);
    fs.appendFileSync(file, whole.subarray(0, cut));

    const warnings: string[] = [];
    const second = await openStore(file, warnings);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/line 3: dropped an unfinished line \(\d+ bytes.*the 2 lines before it are kept/);
    expect(second.warnings).toEqual(warnings);
    expect((await second.getByCell(cellKey(CELL))).map((r) => r.item)).toEqual([0, 1]);
    expect(fs.readFileSync(file)).toEqual(before); // cut off, nothing else touched
    await second.put(rec(2));
    await second.close();

    const third = await openStore(file, warnings);
    expect(warnings).toHaveLength(1);
    expect((await third.getByCell(cellKey(CELL))).map((r) => r.item)).toEqual([0, 1, 2]);
    expect(lines().filter(Boolean).map((l) => (JSON.parse(l) as GenerationRecord).item)).toEqual([0, 1, 2]);
  });

  it('keeps a whole last line that only lacks its newline, and starts the next line after it', async () => {
    fs.writeFileSync(file, JSON.stringify(rec(0)) + '\n' + JSON.stringify(rec(1)));
    const warnings: string[] = [];
    const store = await openStore(file, warnings);
    expect(warnings).toEqual([]);
    expect(store.size).toBe(2);
    await store.put(rec(2));
    expect(lines().filter(Boolean).map((l) => (JSON.parse(l) as GenerationRecord).item)).toEqual([0, 1, 2]);
  });

  it('refuses a bad line that is not the last, naming it, and releases the lock', async () => {
    fs.writeFileSync(file, [JSON.stringify(rec(0)), '{"kind": "generation", "item": 1', JSON.stringify(rec(2)), ''].join('\n'));
    const e = await JsonlRecordStore.open(file).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(RecordFileCorruptError);
    expect((e as RecordFileCorruptError).message).toMatch(/records\.jsonl line 2: not valid JSON/);
    expect(fs.existsSync(`${file}.lock`)).toBe(false);

    fs.writeFileSync(file, [JSON.stringify(rec(0)), '{"kind": "generation", "item": 1}', ''].join('\n'));
    await expect(JsonlRecordStore.open(file)).rejects.toThrow(/line 2: a record without its key/);
    fs.writeFileSync(file, '[1, 2]\n{"kind": "note"}\n');
    await expect(JsonlRecordStore.open(file)).rejects.toThrow(/line 1: not a JSON object/);
    // Blank lines and CRLF endings are fine.
    fs.writeFileSync(file, `\r\n${JSON.stringify(rec(0))}\r\n\n`);
    expect((await openStore()).size).toBe(1);
  });

  it('one writer at a time; a lock left by a process that is gone is taken over', async () => {
    const store = await openStore();
    const e = await JsonlRecordStore.open(file).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(RecordFileLockedError);
    expect((e as RecordFileLockedError).toLine()).toMatch(new RegExp(`being written by another ftlab process \\(pid ${process.pid}\\).*delete .*records\\.jsonl\\.lock`));
    await store.close();

    const dead = spawnSync(process.execPath, ['-e', '0']).pid;
    fs.writeFileSync(`${file}.lock`, `${dead}\n`);
    const taken = await openStore();
    expect(fs.readFileSync(`${file}.lock`, 'utf8')).toBe(`${process.pid}\n`);
    await taken.put(rec(0));
  });

  it('a file in a missing folder, or a closed store, is one clear error', async () => {
    await expect(JsonlRecordStore.open(path.join(dir, 'no', 'such', 'dir', 'r.jsonl'))).rejects.toThrow(RecordFileError);
    await expect(JsonlRecordStore.open(dir)).rejects.toThrow(/cannot use .* for records: it is a directory/);
    const store = await JsonlRecordStore.open(file);
    await store.close();
    await store.close();
    await expect(store.put(rec(0))).rejects.toThrow(/the store is closed/);
  });
});
