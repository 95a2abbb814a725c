/**
 * Import a results file (JSONL from `ftlab eval --out` or this app, JSON export) into the
 * IndexedDB store: records whose key is stored already are kept as they are (nothing stored is
 * lost or replaced), new ones are written in one transaction, the file's stored plans are kept
 * (or, for a records file without any, one plan made from its records so Results can open it).
 */
import { newRecords, parseImport, planFromRecords, type ImportProblem } from '../core/report/exchange.ts';
import type { IdbRecordStore } from './idbRecordStore.ts';

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

export async function importResults(store: IdbRecordStore, text: string, fileName: string): Promise<ImportSummary> {
  const parsed = parseImport(text, fileName);
  const { write, alreadyStored } = await newRecords(parsed.records, (r) => store.has(r));
  if (write.length > 0) await store.putMany(write);
  const plans = parsed.plans.length > 0 ? parsed.plans : parsed.records.length > 0 ? [planFromRecords(parsed.records, { id: `import-${fileName}-${Date.now().toString(36)}`, name: `imported ${fileName}` })] : [];
  for (const p of plans) {
    // A plan already stored under this id (the same file imported twice) is kept as it is.
    if (!(await store.getPlan(p.id))) await store.putPlan(p);
  }
  return { format: parsed.format, added: write.length, alreadyStored, duplicates: parsed.duplicates, plans: plans.map((p) => p.id), problems: parsed.problems };
}
