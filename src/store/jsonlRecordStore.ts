/**
 * A RecordStore in one file of JSON lines, for Node (the `ftlab eval` command). NODE ONLY: it
 * uses node:fs, so it is deliberately not exported from src/store/index.ts, which the page imports.
 *
 * Format, one JSON object per line, appended, never rewritten:
 * - a record: the SampleRecord itself (`kind` "generation" | "classification" | "error");
 * - run metadata: `{"kind": "run", "run": RunMeta}`;
 * - a stored plan (cells, expected prompt hashes, aggregates): `{"kind": "plan", "plan": StoredPlan}`,
 *   written when the plan's status changes (a plan's hashes are large: one line per status, not
 *   one per cell; its aggregates can always be recomputed from the records).
 * A later line with the same key (record: cell, item, prompt hash; run: id) replaces an earlier
 * one, so the file reads as a log and `jq 'select(.kind == "generation")'` still works on it.
 *
 * Durability: each line is written whole and fdatasync'd before put() resolves, so a crash
 * loses at most the sample in flight. A crash in the middle of a write leaves an unfinished last
 * line: opening the file drops that line with a warning (and cuts it off the file, so the next
 * append starts on a fresh line); every earlier line is kept. A bad line anywhere else is not a
 * crash's doing and stops the open with RecordFileCorruptError naming the line.
 *
 * One writer at a time: `FILE.lock` holds the writer's pid. A lock whose process is gone (a run
 * killed outright) is taken over.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import type { RecordStore } from '../core/run/recordStore.ts';
import type { RecordKey, RunMeta, SampleRecord } from '../core/run/records.ts';
import { describeRecordProblem, describeRunProblem, isRunMeta, isSampleRecord } from '../core/run/validate.ts';
import { migrateRecord, RecordSchemaError } from '../core/run/schema.ts';
import { migrateStoredPlan, type StoredPlan } from '../core/run/stored-plan.ts';
import { RecordFileCorruptError, RecordFileError, RecordFileLockedError } from './errors.ts';

export interface JsonlRecordStoreOptions {
  /** Told about anything recovered on open (an unfinished last line). Also kept in `warnings`. */
  onWarning?: (message: string) => void;
}

/** A run-metadata line. */
interface RunLine {
  kind: 'run';
  run: RunMeta;
}

function keyString(k: RecordKey): string {
  return JSON.stringify([k.item, k.promptHash]);
}

function byItem(a: SampleRecord, b: SampleRecord): number {
  return a.item - b.item || (a.promptHash < b.promptHash ? -1 : a.promptHash > b.promptHash ? 1 : 0);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** A stored-plan line. */
interface PlanLine {
  kind: 'plan';
  plan: StoredPlan;
}

type Line = SampleRecord | RunLine | PlanLine;

/** What a line holds, or why it is not a line ftlab writes. */
function parseLine(text: string): Line | string {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    return `not valid JSON (${e instanceof Error ? e.message : String(e)})`;
  }
  if (!isObject(v)) return 'not a JSON object';
  if (v.kind === 'run') {
    const run = v.run;
    const problem = describeRunProblem(run);
    if (problem !== undefined || !isRunMeta(run)) return `a run line with ${problem ?? 'a bad "run"'}`;
    return { kind: 'run', run };
  }
  if (v.kind === 'plan') {
    try {
      return { kind: 'plan', plan: migrateStoredPlan(v.plan) };
    } catch (e) {
      if (e instanceof RecordSchemaError) return e.message;
      throw e;
    }
  }
  let record: SampleRecord;
  try {
    // Older records (no schemaVersion) are migrated; a newer or malformed one names its problem.
    record = migrateRecord(v);
  } catch (e) {
    if (e instanceof RecordSchemaError) return e.message;
    throw e;
  }
  // Then every field is checked (src/core/run/validate.ts names the one that is wrong).
  const problem = describeRecordProblem(record);
  if (problem !== undefined || !isSampleRecord(record)) return `a ${String(v.kind)} record whose ${problem ?? 'shape is wrong'}`;
  return record;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function ioDetail(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'its folder does not exist';
  if (code === 'EISDIR') return 'it is a directory';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'ENOSPC') return 'the disk is full';
  return (e as Error)?.message ?? String(e);
}

/** Take FILE.lock (pid inside), taking over a lock whose process is gone. */
async function acquireLock(file: string): Promise<string> {
  const lock = `${file}.lock`;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      await fsp.writeFile(lock, `${process.pid}\n`, { flag: 'wx' });
      return lock;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new RecordFileError(file, `cannot create ${lock}: ${ioDetail(e)}`, { cause: e });
    }
    const pid = Number.parseInt(await fsp.readFile(lock, 'utf8').catch(() => ''), 10);
    if (Number.isInteger(pid) && pid > 0 && isAlive(pid)) throw new RecordFileLockedError(file, pid);
    await fsp.rm(lock, { force: true }); // stale: its writer is gone
  }
  throw new RecordFileError(file, `${lock} keeps reappearing (another process is opening the file)`);
}

export class JsonlRecordStore implements RecordStore {
  /** Records by cell key, then by [item, prompt hash]. */
  private readonly cells = new Map<string, Map<string, SampleRecord>>();
  private readonly runs = new Map<string, RunMeta>();
  private readonly plans = new Map<string, StoredPlan>();
  /** The latest putPlan of each plan not yet written (same status as its last line). */
  private readonly unwrittenPlans = new Map<string, StoredPlan>();
  private queue: Promise<void> = Promise.resolve();
  private closed = false;
  private readonly releaseOnExit = (): void => {
    try {
      fs.rmSync(this.lock, { force: true });
    } catch {
      // exiting anyway: a stale lock is taken over by the next open
    }
  };

  private constructor(
    /** The records file. */
    readonly file: string,
    private readonly handle: fsp.FileHandle,
    private readonly lock: string,
    /** What open() recovered from (an unfinished last line), as sentences. */
    readonly warnings: readonly string[],
  ) {
    process.on('exit', this.releaseOnExit);
  }

  /**
   * Open (creating if needed) a records file: take its lock, load every line, drop an
   * unfinished last line with a warning. Throws RecordFileLockedError, RecordFileCorruptError,
   * RecordFileError.
   */
  static async open(file: string, opts: JsonlRecordStoreOptions = {}): Promise<JsonlRecordStore> {
    const lock = await acquireLock(file);
    try {
      let bytes: Buffer;
      try {
        bytes = await fsp.readFile(file);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new RecordFileError(file, ioDetail(e), { cause: e });
        bytes = Buffer.alloc(0);
      }
      // "\n" never occurs inside a UTF-8 multi-byte sequence: cutting at it is safe.
      const end = bytes.lastIndexOf(0x0a) + 1;
      const lines = bytes.subarray(0, end).toString('utf8').split('\n');
      lines.pop(); // after the last "\n"
      const parsed: Line[] = [];
      lines.forEach((raw, i) => {
        const text = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
        if (text.trim().length === 0) return;
        const line = parseLine(text);
        if (typeof line === 'string') throw new RecordFileCorruptError(file, i + 1, line);
        parsed.push(line);
      });
      const warnings: string[] = [];
      let tailNeedsNewline = false;
      if (end < bytes.length) {
        const tail = parseLine(bytes.subarray(end).toString('utf8'));
        if (typeof tail !== 'string') {
          parsed.push(tail); // whole, only its "\n" is missing
          tailNeedsNewline = true;
        } else {
          warnings.push(`${file} line ${lines.length + 1}: dropped an unfinished line (${bytes.length - end} bytes, left by a run that stopped while writing it); the ${lines.length} lines before it are kept`);
          await fsp.truncate(file, end);
        }
      }
      let handle: fsp.FileHandle;
      try {
        handle = await fsp.open(file, 'a');
        if (tailNeedsNewline) await handle.write('\n');
      } catch (e) {
        throw new RecordFileError(file, ioDetail(e), { cause: e });
      }
      const store = new JsonlRecordStore(file, handle, lock, warnings);
      for (const line of parsed) store.remember(line);
      for (const w of warnings) opts.onWarning?.(w);
      return store;
    } catch (e) {
      await fsp.rm(lock, { force: true });
      throw e;
    }
  }

  private remember(line: Line): void {
    if (line.kind === 'run') {
      this.runs.set(line.run.id, line.run);
      return;
    }
    if (line.kind === 'plan') {
      this.plans.set(line.plan.id, line.plan);
      return;
    }
    let cell = this.cells.get(line.cellKey);
    if (!cell) this.cells.set(line.cellKey, (cell = new Map()));
    cell.set(keyString(line), line);
  }

  /** Append one line and make it durable; memory follows only what reached the disk. */
  private append(value: Line): Promise<void> {
    const text = JSON.stringify(value) + '\n';
    const write = async (): Promise<void> => {
      if (this.closed) throw new RecordFileError(this.file, 'the store is closed');
      try {
        const bytes = Buffer.from(text, 'utf8');
        for (let off = 0; off < bytes.length; ) off += (await this.handle.write(bytes, off)).bytesWritten;
        await this.handle.datasync();
      } catch (e) {
        throw new RecordFileError(this.file, ioDetail(e), { cause: e });
      }
      const line = parseLine(text);
      if (typeof line !== 'string') this.remember(line);
    };
    const done = this.queue.then(write);
    this.queue = done.catch(() => undefined);
    return done;
  }

  async has(key: RecordKey): Promise<boolean> {
    return this.cells.get(key.cellKey)?.has(keyString(key)) ?? false;
  }

  async get(key: RecordKey): Promise<SampleRecord | undefined> {
    const r = this.cells.get(key.cellKey)?.get(keyString(key));
    return r && structuredClone(r);
  }

  async getByCell(cellKey: string): Promise<SampleRecord[]> {
    return [...(this.cells.get(cellKey)?.values() ?? [])].map((r) => structuredClone(r)).sort(byItem);
  }

  put(record: SampleRecord): Promise<void> {
    return this.append(record);
  }

  putRun(meta: RunMeta): Promise<void> {
    return this.append({ kind: 'run', run: meta });
  }

  async getRun(id: string): Promise<RunMeta | undefined> {
    const m = this.runs.get(id);
    return m && structuredClone(m);
  }

  /**
   * Keep a run's stored plan. A line is written when its status differs from the last written
   * one (start, end, cancel, failure); updates in between stay in memory until close().
   */
  async putPlan(plan: StoredPlan): Promise<void> {
    const last = this.plans.get(plan.id);
    if (last && last.status === plan.status) {
      this.unwrittenPlans.set(plan.id, structuredClone(plan));
      return;
    }
    this.unwrittenPlans.delete(plan.id);
    await this.append({ kind: 'plan', plan });
  }

  async getPlan(id: string): Promise<StoredPlan | undefined> {
    const p = this.unwrittenPlans.get(id) ?? this.plans.get(id);
    return p && structuredClone(p);
  }

  /** Every stored plan in the file, in the order first written. */
  listPlans(): StoredPlan[] {
    return [...this.plans.keys()].map((id) => structuredClone(this.unwrittenPlans.get(id) ?? this.plans.get(id)!));
  }

  /** Every record (the latest line of each key), by cell, then item. */
  allRecords(): SampleRecord[] {
    return [...this.cells.values()].flatMap((cell) => [...cell.values()].sort(byItem)).map((r) => structuredClone(r));
  }

  /** Number of records (distinct keys). */
  get size(): number {
    let n = 0;
    for (const cell of this.cells.values()) n += cell.size;
    return n;
  }

  /** Finish pending writes, close the file and release the lock. Safe to call twice. */
  async close(): Promise<void> {
    if (this.closed) return;
    for (const plan of [...this.unwrittenPlans.values()]) await this.append({ kind: 'plan', plan }).catch(() => undefined);
    this.unwrittenPlans.clear();
    await this.queue;
    this.closed = true;
    process.off('exit', this.releaseOnExit);
    try {
      await this.handle.close();
    } finally {
      await fsp.rm(this.lock, { force: true });
    }
  }
}
