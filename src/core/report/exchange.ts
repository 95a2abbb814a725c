/**
 * Results in and out of ftlab, the same for the page and the CLI:
 * - export CSV (one row per cell: spec, n, metric, interval), JSON (stored plans, cells with
 *   aggregates, and the records), JSONL (one line per sample, exactly as `ftlab eval --out`
 *   writes them, then the stored plans' lines);
 * - import JSONL (from this app or `ftlab eval --out`) or JSON (an export): every bad line gets
 *   its own error and the good ones still come in; records are de-duplicated by (cell, item,
 *   prompt hash), a later line replacing an earlier one as in the records file.
 * - cells from records: the aggregates of every cell in a set of records, counting only each
 *   item's expected prompt when a stored plan says which it is.
 */
import { aggregateCell } from '../run/aggregate.ts';
import type { RunMeta, SampleRecord } from '../run/records.ts';
import { migrateRecord, RecordSchemaError, STORED_PLAN_SCHEMA_VERSION } from '../run/schema.ts';
import { migrateStoredPlan, type StoredCell, type StoredPlan } from '../run/stored-plan.ts';
import { describeRecordProblem } from '../run/validate.ts';
import { ImportFileError } from './errors.ts';
import type { FigureInputCell } from './figure.ts';

export const EXPORT_FORMAT = 'ftlab-results';
export const EXPORT_VERSION = 1;

export interface ResultsExport {
  format: typeof EXPORT_FORMAT;
  version: typeof EXPORT_VERSION;
  exportedAt: string;
  plans: StoredPlan[];
  cells: FigureInputCell[];
  records: SampleRecord[];
}

export interface ImportProblem {
  /** 1-based line of a JSONL file; for JSON, the record's position in `records` (1-based). */
  line: number;
  message: string;
}

export interface ParsedImport {
  format: 'jsonl' | 'json';
  records: SampleRecord[];
  plans: StoredPlan[];
  runs: RunMeta[];
  problems: ImportProblem[];
  /** Lines whose key an earlier line of the same file had (the later one is kept). */
  duplicates: number;
}

/** A record of any known version, migrated, then checked field by field (as the records file is on open). */
function validRecord(v: unknown): SampleRecord {
  const r = migrateRecord(v);
  const problem = describeRecordProblem(r);
  if (problem !== undefined) throw new RecordSchemaError(`a ${String(r.kind)} record whose ${problem}`);
  return r;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

export function recordKeyString(r: { cellKey: string; item: number; promptHash: string }): string {
  return JSON.stringify([r.cellKey, r.item, r.promptHash]);
}

const problemMessage = (e: unknown): string => (e instanceof RecordSchemaError ? e.message : (e as Error)?.message ?? String(e));

/** Records de-duplicated by key, the last of each kept, in first-seen order. */
function dedupe(records: SampleRecord[]): { records: SampleRecord[]; duplicates: number } {
  const byKey = new Map<string, SampleRecord>();
  for (const r of records) byKey.set(recordKeyString(r), r);
  return { records: [...byKey.values()], duplicates: records.length - byKey.size };
}

function lastById<T extends { id: string }>(xs: T[]): T[] {
  return [...new Map(xs.map((x) => [x.id, x])).values()];
}

/** Parse a file to import. Throws ImportFileError only when nothing in it is usable as a whole (an empty file, a JSON export of another format). */
export function parseImport(text: string, fileName = 'the file'): ParsedImport {
  const trimmed = text.trimStart();
  if (trimmed.length === 0) throw new ImportFileError(`${fileName} is empty`);
  if (trimmed.startsWith('{')) {
    let whole: unknown;
    try {
      whole = JSON.parse(text);
    } catch {
      whole = undefined; // not one JSON document: read it as JSON lines
    }
    if (isObject(whole) && whole.kind === undefined) return parseExport(whole, fileName);
  }
  const problems: ImportProblem[] = [];
  const records: SampleRecord[] = [];
  const plans: StoredPlan[] = [];
  const runs: RunMeta[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim().length === 0) return;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch (e) {
      problems.push({ line: i + 1, message: `not valid JSON (${(e as Error).message})` });
      return;
    }
    try {
      if (isObject(v) && v.kind === 'run') {
        if (!isObject(v.run) || typeof v.run.id !== 'string') throw new Error('a run line without run.id');
        runs.push(v.run as unknown as RunMeta);
      } else if (isObject(v) && v.kind === 'plan') plans.push(migrateStoredPlan(v.plan));
      else records.push(validRecord(v));
    } catch (e) {
      problems.push({ line: i + 1, message: problemMessage(e) });
    }
  });
  const d = dedupe(records);
  return { format: 'jsonl', records: d.records, plans: lastById(plans), runs: lastById(runs), problems, duplicates: d.duplicates };
}

function parseExport(doc: Record<string, unknown>, fileName: string): ParsedImport {
  if (doc.format !== EXPORT_FORMAT) throw new ImportFileError(`${fileName} is a JSON file but not an ftlab results export (format ${JSON.stringify(doc.format)})`);
  if (typeof doc.version !== 'number' || doc.version > EXPORT_VERSION) {
    throw new ImportFileError(`${fileName} is an ftlab export of version ${JSON.stringify(doc.version)}; this ftlab reads version ${EXPORT_VERSION}`, 'open it with a newer ftlab');
  }
  const problems: ImportProblem[] = [];
  const records: SampleRecord[] = [];
  (Array.isArray(doc.records) ? doc.records : []).forEach((r: unknown, i: number) => {
    try {
      records.push(validRecord(r));
    } catch (e) {
      problems.push({ line: i + 1, message: `records[${i}]: ${problemMessage(e)}` });
    }
  });
  const plans: StoredPlan[] = [];
  (Array.isArray(doc.plans) ? doc.plans : []).forEach((p: unknown, i: number) => {
    try {
      plans.push(migrateStoredPlan(p));
    } catch (e) {
      problems.push({ line: i + 1, message: `plans[${i}]: ${problemMessage(e)}` });
    }
  });
  const d = dedupe(records);
  return { format: 'json', records: d.records, plans: lastById(plans), runs: [], problems, duplicates: d.duplicates };
}

/** Of imported records, those to write: the ones whose key is not stored yet (a stored record is never replaced by an import). */
export async function newRecords(records: readonly SampleRecord[], isStored: (r: SampleRecord) => Promise<boolean>): Promise<{ write: SampleRecord[]; alreadyStored: number }> {
  const write: SampleRecord[] = [];
  let alreadyStored = 0;
  for (const r of records) {
    if (await isStored(r)) alreadyStored++;
    else write.push(r);
  }
  return { write, alreadyStored };
}

/** The record of each item to count when no plan says which prompt is expected: the latest one. */
function latestPerItem(records: readonly SampleRecord[]): SampleRecord[] {
  const byItem = new Map<number, SampleRecord>();
  for (const r of records) {
    const prev = byItem.get(r.item);
    if (!prev || prev.timings.startedAt <= r.timings.startedAt) byItem.set(r.item, r);
  }
  return [...byItem.values()];
}

/**
 * Every cell of a set of records, aggregated. A cell that a stored plan describes counts only
 * the records with its expected prompt hashes and expects its planned item count; any other
 * cell counts the latest record of each item and expects the items it has.
 */
export function cellsFromRecords(records: readonly SampleRecord[], plans: readonly StoredPlan[] = [], opts: { seed?: number } = {}): FigureInputCell[] {
  const planned = new Map<string, StoredCell>();
  for (const p of plans) for (const c of p.cells) planned.set(c.key, c);
  const byCell = new Map<string, SampleRecord[]>();
  for (const r of records) byCell.set(r.cellKey, [...(byCell.get(r.cellKey) ?? []), r]);
  const out: FigureInputCell[] = [];
  for (const [key, rs] of byCell) {
    const plan = planned.get(key);
    const counted = plan ? rs.filter((r) => plan.hashes[String(r.item)] === r.promptHash) : latestPerItem(rs);
    const spec = plan?.spec ?? specOf(rs[0]);
    out.push({ key, spec, aggregate: aggregateCell(spec, counted, { expected: plan?.expected ?? counted.length, seed: opts.seed }) });
  }
  return out;
}

function specOf(r: SampleRecord): FigureInputCell['spec'] {
  return {
    modelId: r.modelId,
    dataset: r.dataset,
    task: r.task,
    mode: r.mode,
    shots: r.shots,
    template: r.template,
    scoring: r.scoring,
    ...(r.tokenization !== undefined ? { tokenization: r.tokenization } : {}),
    ...(r.maxNewTokens !== undefined ? { maxNewTokens: r.maxNewTokens } : {}),
  };
}

/** A stored plan for records that came without one (an older `ftlab eval` file): their cells, the latest prompt of each item. */
export function planFromRecords(records: readonly SampleRecord[], opts: { id: string; name: string; createdAt?: string }): StoredPlan {
  const cells = cellsFromRecords(records);
  const byCell = new Map<string, SampleRecord[]>();
  for (const r of records) byCell.set(r.cellKey, [...(byCell.get(r.cellKey) ?? []), r]);
  const stored: StoredCell[] = cells.map((c) => ({
    key: c.key,
    spec: c.spec,
    expected: c.aggregate.expected,
    hashes: Object.fromEntries(latestPerItem(byCell.get(c.key)!).map((r) => [String(r.item), r.promptHash])),
    aggregate: c.aggregate,
  }));
  const now = opts.createdAt ?? new Date().toISOString();
  const done = stored.reduce((s, c) => s + Object.keys(c.hashes).length, 0);
  return {
    schemaVersion: STORED_PLAN_SCHEMA_VERSION,
    id: opts.id,
    name: opts.name,
    createdAt: now,
    updatedAt: now,
    status: 'done',
    plan: { imported: true },
    models: [...new Set(cells.map((c) => c.spec.modelId))],
    cells: stored,
    done,
    total: done,
  };
}

// ---- export ----

const CSV_COLUMNS = ['cell', 'modelId', 'dataset', 'task', 'mode', 'shots', 'template', 'scoring', 'tokenization', 'maxNewTokens', 'expected', 'n', 'errors', 'missing', 'metric', 'value', 'low', 'high'] as const;

function csvField(v: string | number | undefined): string {
  if (v === undefined) return '';
  const s = typeof v === 'number' ? String(v) : v;
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** One row per cell; numbers at full precision (a spreadsheet rounds for display, not the file). */
export function exportCsv(cells: readonly FigureInputCell[]): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const c of cells) {
    const a = c.aggregate;
    const metric = a.rougeL ? 'rougeL' : a.accuracy ? 'accuracy' : '';
    const [value, low, high] = a.rougeL ? [a.rougeL.mid, a.rougeL.low, a.rougeL.high] : a.accuracy ? [a.accuracy.value, a.accuracy.low, a.accuracy.high] : [undefined, undefined, undefined];
    const s = c.spec;
    const row = [c.key, s.modelId, s.dataset, s.task, s.mode, s.shots, s.template, s.scoring, s.tokenization ?? 'protocol', s.maxNewTokens, a.expected, a.n, a.errors, a.missing, metric, value, low, high];
    lines.push(row.map(csvField).join(','));
  }
  return lines.join('\n') + '\n';
}

export function exportJson(input: { plans: readonly StoredPlan[]; cells: readonly FigureInputCell[]; records: readonly SampleRecord[] }, now = new Date()): string {
  const doc: ResultsExport = { format: EXPORT_FORMAT, version: EXPORT_VERSION, exportedAt: now.toISOString(), plans: [...input.plans], cells: [...input.cells], records: [...input.records] };
  return JSON.stringify(doc);
}

/** One line per record, as `ftlab eval --out` writes, then one line per stored plan. */
export function exportJsonl(records: readonly SampleRecord[], plans: readonly StoredPlan[] = []): string {
  return [...records.map((r) => JSON.stringify(r)), ...plans.map((p) => JSON.stringify({ kind: 'plan', plan: p }))].map((l) => l + '\n').join('');
}
