/**
 * Import a results file (JSONL from `ftlab eval --out` or this app, JSON export) into the
 * IndexedDB store: records whose key is stored already are kept as they are (nothing stored is
 * lost or replaced), new ones are written in one transaction, the file's stored plans are kept
 * (or, for a records file without any, one plan made from its records so Results can open it).
 */
import { newRecords, parseImport, planFromRecords, type ImportProblem } from '../core/report/exchange.ts';
import type { SampleRecord } from '../core/run/records.ts';
import type { RecordStore } from '../core/run/recordStore.ts';
import type { StoredPlan } from '../core/run/stored-plan.ts';

/** What an import writes to: the IndexedDB store, or any RecordStore with plans (Node tests). */
export interface ImportTarget extends Pick<RecordStore, 'has' | 'put'> {
  /** Many records in one transaction, where the store can. */
  putMany?(records: readonly SampleRecord[]): Promise<number>;
  getPlan(id: string): Promise<StoredPlan | undefined>;
  putPlan(plan: StoredPlan): Promise<void>;
}

export interface ImportSummary {
  format: 'jsonl' | 'json';
  /** Records written. */
  added: number;
  /** Records of the file already in the store (kept as stored). */
  alreadyStored: number;
  /** Lines of the file that repeated an earlier line's key. */
  duplicates: number;
  /** Stored-plan ids imported (or made). */
  plans: string[];
  problems: ImportProblem[];
}

export async function importResults(store: ImportTarget, text: string, fileName: string): Promise<ImportSummary> {
  const parsed = parseImport(text, fileName);
  const { write, alreadyStored } = await newRecords(parsed.records, (r) => store.has(r));
  if (write.length > 0) {
    if (store.putMany) await store.putMany(write);
    else for (const r of write) await store.put(r);
  }
  const plans = parsed.plans.length > 0 ? parsed.plans : parsed.records.length > 0 ? [planFromRecords(parsed.records, { id: `import-${fileName}-${Date.now().toString(36)}`, name: `imported ${fileName}` })] : [];
  for (const p of plans) {
    // A plan already stored under this id (the same file imported twice) is kept as it is.
    if (!(await store.getPlan(p.id))) await store.putPlan(p);
  }
  return { format: parsed.format, added: write.length, alreadyStored, duplicates: parsed.duplicates, plans: plans.map((p) => p.id), problems: parsed.problems };
}
