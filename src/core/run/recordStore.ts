/**
 * Where records live. Core defines the contract and an in-memory implementation; the page uses
 * the IndexedDB one in src/store/. A run writes every record as soon as it exists, so a crash or
 * a reload loses at most the sample in flight.
 */
import type { RecordKey, RunMeta, SampleRecord } from './records.ts';
import type { StoredPlan } from './stored-plan.ts';

export interface RecordStore {
  /** Whether a record with this key exists. */
  has(key: RecordKey): Promise<boolean>;
  get(key: RecordKey): Promise<SampleRecord | undefined>;
  /** Every record of a cell (any prompt hash), in item order. */
  getByCell(cellKey: string): Promise<SampleRecord[]>;
  /** Insert or replace (same key) one record. */
  put(record: SampleRecord): Promise<void>;
  /** Run metadata (optional for a store; the runner writes it when present). */
  putRun?(meta: RunMeta): Promise<void>;
  getRun?(id: string): Promise<RunMeta | undefined>;
  /** The run's stored plan: cells, expected prompt hashes, aggregates (optional; the runner writes it when present). */
  putPlan?(plan: StoredPlan): Promise<void>;
  getPlan?(id: string): Promise<StoredPlan | undefined>;
}

function keyString(k: RecordKey): string {
  return JSON.stringify([k.cellKey, k.item, k.promptHash]);
}

function byItem(a: SampleRecord, b: SampleRecord): number {
  return a.item - b.item || (a.promptHash < b.promptHash ? -1 : a.promptHash > b.promptHash ? 1 : 0);
}

/** Records in a Map (deep-copied in and out, like a real store, so callers cannot alias them). */
export class MemoryRecordStore implements RecordStore {
  private readonly records = new Map<string, SampleRecord>();
  private readonly runs = new Map<string, RunMeta>();
  private readonly plans = new Map<string, StoredPlan>();

  async has(key: RecordKey): Promise<boolean> {
    return this.records.has(keyString(key));
  }

  async get(key: RecordKey): Promise<SampleRecord | undefined> {
    const r = this.records.get(keyString(key));
    return r && structuredClone(r);
  }

  async getByCell(cellKey: string): Promise<SampleRecord[]> {
    const out: SampleRecord[] = [];
    for (const r of this.records.values()) if (r.cellKey === cellKey) out.push(structuredClone(r));
    return out.sort(byItem);
  }

  async put(record: SampleRecord): Promise<void> {
    this.records.set(keyString(record), structuredClone(record));
  }

  async putRun(meta: RunMeta): Promise<void> {
    this.runs.set(meta.id, structuredClone(meta));
  }

  async getRun(id: string): Promise<RunMeta | undefined> {
    const m = this.runs.get(id);
    return m && structuredClone(m);
  }

  async putPlan(plan: StoredPlan): Promise<void> {
    this.plans.set(plan.id, structuredClone(plan));
  }

  async getPlan(id: string): Promise<StoredPlan | undefined> {
    const p = this.plans.get(id);
    return p && structuredClone(p);
  }

  /** Deletes a stored plan, its run metadata and the records that run wrote (as the IndexedDB store does); returns how many records went. */
  async deletePlan(id: string): Promise<number> {
    this.plans.delete(id);
    this.runs.delete(id);
    let n = 0;
    for (const [k, r] of this.records) {
      if (r.runId === id) {
        this.records.delete(k);
        n++;
      }
    }
    return n;
  }

  /** Every stored plan, in the order first written. */
  async listPlans(): Promise<StoredPlan[]> {
    return [...this.plans.values()].map((p) => structuredClone(p));
  }

  /** Every record, by cell key then item (exports). */
  async allRecords(): Promise<SampleRecord[]> {
    return [...this.records.values()].map((r) => structuredClone(r)).sort((a, b) => (a.cellKey < b.cellKey ? -1 : a.cellKey > b.cellKey ? 1 : byItem(a, b)));
  }

  /** Number of stored records (tests, status lines). */
  get size(): number {
    return this.records.size;
  }
}
