/**
 * Dataset files (the paper's JSON arrays, JSONL, CSV) → typed items for a task.
 *
 * Policy: the parse either succeeds with every item, or throws one DatasetValidationError
 * listing every problem found (up to PROBLEM_LIMIT), each naming the file, the item index or
 * line, and the field. Nothing is dropped silently. Items that are valid but notable (a
 * no-gold-label marker such as MultiNLI's "-") are kept and returned in `warnings`.
 * Extra fields are ignored; `idx` is optional (some training files lack it).
 */
import Papa from 'papaparse';
import type { TaskDefinition } from '../tasks/types.ts';
import { DatasetValidationError, PROBLEM_LIMIT } from './errors.ts';
import type { DatasetFormat, DatasetProblem, ParsedDataset, TaskItem } from './types.ts';

export interface ParseDatasetOptions {
  task: TaskDefinition;
  /** Name used in messages and as each item's `source` (a file name, e.g. "amazon_test_500.json"). */
  source: string;
  /** Default: from the source's extension, else sniffed from the first character. */
  format?: DatasetFormat;
}

/** Parse a dataset file's text. Throws DatasetValidationError listing every problem. */
export function parseDataset(text: string, opts: ParseDatasetOptions): ParsedDataset {
  const { task, source } = opts;
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const problems = new ProblemList(source);
  const warnings = new ProblemList(source);
  if (body.trim().length === 0) {
    problems.add({ message: 'the file is empty' });
    throw problems.toError('give a JSON array, JSONL (one object per line) or CSV with a header row');
  }
  const format = opts.format ?? detectFormat(source, body);
  const records = format === 'json' ? readJsonArray(body, problems) : format === 'jsonl' ? readJsonLines(body, problems) : readCsv(body, task, problems);

  const items: TaskItem[] = [];
  for (const rec of records) {
    const item = toItem(task, source, rec, problems, warnings);
    if (item) items.push(item);
  }
  if (problems.count === 0 && records.length === 0) problems.add({ message: 'the file has no items' });
  if (problems.count > 0) throw problems.toError();
  return { source, taskId: task.id, format, items, warnings: warnings.list };
}

/** The format a source name (or, failing that, the text's first character) suggests. */
export function detectFormat(source: string, text: string): DatasetFormat {
  const lower = source.toLowerCase();
  if (lower.endsWith('.jsonl') || lower.endsWith('.ndjson')) return 'jsonl';
  if (lower.endsWith('.json')) return 'json';
  if (lower.endsWith('.csv') || lower.endsWith('.tsv')) return 'csv';
  const first = text.trimStart()[0];
  if (first === '[') return 'json';
  if (first === '{') return 'jsonl';
  return 'csv';
}

/** A raw record with where it was found. */
interface RawRecord {
  index: number;
  line?: number;
  value: unknown;
  /** CSV: every value is text, so idx comes as a string of digits. */
  fromCsv?: boolean;
}

class ProblemList {
  readonly list: DatasetProblem[] = [];
  count = 0;
  constructor(private readonly source: string) {}

  add(p: { index?: number; line?: number; field?: string; message: string }): void {
    this.count++;
    if (this.list.length >= PROBLEM_LIMIT) return;
    const where = [p.index !== undefined ? `item ${p.index}` : undefined, p.line !== undefined ? `line ${p.line}` : undefined]
      .filter(Boolean)
      .join(', ');
    this.list.push({
      ...(p.index !== undefined ? { index: p.index } : {}),
      ...(p.line !== undefined ? { line: p.line } : {}),
      ...(p.field !== undefined ? { field: p.field } : {}),
      message: p.message,
      text: `${this.source}: ${where ? `${where}: ` : ''}${p.message}`,
    });
  }

  toError(hint?: string): DatasetValidationError {
    return new DatasetValidationError(this.source, this.list, this.count, hint);
  }
}

function readJsonArray(text: string, problems: ProblemList): RawRecord[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    const pos = /position (\d+)/.exec(msg);
    const at = pos ? lineColumn(text, Number(pos[1])) : undefined;
    problems.add({ line: at?.line, message: `malformed JSON${at ? ` (column ${at.column})` : ''}: ${msg.replace(/\s*\(line \d+ column \d+\)/, '')}` });
    return [];
  }
  if (!Array.isArray(data)) {
    problems.add({ message: `expected a JSON array of items, got ${kindOf(data)}` });
    return [];
  }
  return data.map((value, index) => ({ index, value }));
}

function readJsonLines(text: string, problems: ProblemList): RawRecord[] {
  const out: RawRecord[] = [];
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, i) => {
    if (raw.trim().length === 0) return; // blank lines (a trailing newline) are not items
    const index = out.length;
    try {
      out.push({ index, line: i + 1, value: JSON.parse(raw) });
    } catch (e) {
      problems.add({ index, line: i + 1, message: `malformed JSON: ${e instanceof Error ? e.message : String(e)}` });
      out.push({ index, line: i + 1, value: undefined });
    }
  });
  return out.filter((r) => r.value !== undefined);
}

function readCsv(text: string, task: TaskDefinition, problems: ProblemList): RawRecord[] {
  const out: RawRecord[] = [];
  let header: string[] | undefined;
  // Rows come one at a time with the character offset after each, so every row's first line
  // is known even when quoted fields span lines.
  let line = 1;
  let cursor = 0;
  let rows = 0;
  Papa.parse<string[]>(text, {
    skipEmptyLines: 'greedy',
    step: (result) => {
      const start = skipBlank(text, cursor, result.meta.cursor);
      line += countNewlines(text, cursor, start);
      const rowLine = line;
      line += countNewlines(text, start, result.meta.cursor);
      cursor = result.meta.cursor;
      for (const err of result.errors) problems.add({ line: rowLine, message: `CSV: ${err.message}` });
      if (header === undefined) {
        header = result.data.map((h) => h.trim());
        return;
      }
      const index = rows++;
      const row = result.data;
      if (row.length !== header.length) {
        problems.add({ index, line: rowLine, message: `CSV row has ${row.length} fields, the header has ${header.length}` });
        return;
      }
      const value: Record<string, string> = {};
      header.forEach((h, i) => (value[h] = row[i]));
      out.push({ index, line: rowLine, value, fromCsv: true });
    },
  });
  const cols = header ?? [];
  const missing = [...task.inputFields, 'output'].filter((f) => !cols.includes(f));
  if (missing.length > 0) {
    problems.add({ line: 1, message: `the CSV header has no column ${missing.map((f) => `"${f}"`).join(', ')} (it has: ${cols.join(', ') || 'nothing'})` });
    return [];
  }
  return out;
}

function countNewlines(text: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) if (text.charCodeAt(i) === 10) n++;
  return n;
}

/** Skip the line breaks and blank lines between the previous row's end and this row's first character. */
function skipBlank(text: string, from: number, to: number): number {
  let i = from;
  while (i < to && /\s/.test(text[i])) i++;
  return i;
}

function toItem(task: TaskDefinition, source: string, rec: RawRecord, problems: ProblemList, warnings: ProblemList): TaskItem | undefined {
  const { index, line } = rec;
  const where = { index, line };
  const v = rec.value;
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    problems.add({ ...where, message: `expected an object with fields ${[...task.inputFields, 'output'].map((f) => `"${f}"`).join(', ')}, got ${kindOf(v)}` });
    return undefined;
  }
  const obj = v as Record<string, unknown>;
  let ok = true;
  const fields: Record<string, string> = {};
  for (const f of [...task.inputFields, 'output']) {
    const value = obj[f];
    if (!Object.prototype.hasOwnProperty.call(obj, f) || value === undefined) {
      problems.add({ ...where, field: f, message: `field "${f}" is missing` });
      ok = false;
    } else if (typeof value !== 'string') {
      problems.add({ ...where, field: f, message: `field "${f}" must be a string, got ${kindOf(value)}` });
      ok = false;
    } else {
      fields[f] = value;
    }
  }
  let idx: number | undefined;
  const rawIdx = obj.idx;
  if (rawIdx !== undefined && rawIdx !== null && rawIdx !== '') {
    const n = rec.fromCsv && typeof rawIdx === 'string' && /^-?\d+$/.test(rawIdx.trim()) ? Number(rawIdx.trim()) : rawIdx;
    if (typeof n === 'number' && Number.isSafeInteger(n)) idx = n;
    else {
      problems.add({ ...where, field: 'idx', message: `field "idx" must be an integer, got ${kindOf(rawIdx)}` });
      ok = false;
    }
  }
  if (ok && task.labels.length > 0) {
    const out = fields.output;
    if (task.noLabelMarkers.includes(out)) {
      warnings.add({ ...where, field: 'output', message: `gold label ${JSON.stringify(out)} means "no gold label": the item is kept and can never be scored right (as in the paper)` });
    } else if (!task.labels.includes(out)) {
      const near = task.labels.find((l) => l.toLowerCase() === out.trim().toLowerCase());
      problems.add({
        ...where,
        field: 'output',
        message: `field "output" is ${JSON.stringify(out)}, not a label of task "${task.id}" (${task.labels.join(', ')})${near ? `; did you mean "${near}"?` : ''}`,
      });
      ok = false;
    }
  }
  if (!ok) return undefined;
  const output = fields.output;
  delete fields.output;
  return { source, index, ...(idx !== undefined ? { idx } : {}), fields, output };
}

function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 37)}...` : v)}`;
  if (typeof v === 'number' || typeof v === 'boolean') return `${typeof v} ${String(v)}`;
  return typeof v === 'object' ? 'an object' : typeof v;
}

function lineColumn(text: string, pos: number): { line: number; column: number } {
  let line = 1;
  let lastNl = -1;
  for (let i = 0; i < pos && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lastNl = i;
    }
  }
  return { line, column: pos - lastNl };
}
