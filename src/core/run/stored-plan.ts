/**
 * A stored plan: what a run planned and how far it got, kept beside its records so that Results
 * opens without the data files and a figure does not read every record. It holds the plan's
 * description, each cell's spec, the prompt hash each of its items is expected to have (a record
 * with another hash is another prompt: it does not count), and the cell's aggregate as of the
 * last time the runner finished a sample of it.
 *
 * Schema: `schemaVersion` (src/core/run/schema.ts); `migrateStoredPlan` reads any known version.
 */
import type { CellAggregate } from './aggregate.ts';
import type { CellSpec, RunMeta } from './records.ts';
import type { PlanDraft } from './presets.ts';
import { RecordSchemaError, STORED_PLAN_SCHEMA_VERSION } from './schema.ts';

export interface StoredCell {
  key: string;
  spec: CellSpec;
  /** Items the plan evaluates in this cell. */
  expected: number;
  /** The prompt hash each evaluated item is expected to have, by item index (as a string key). */
  hashes: Record<string, string>;
  /** The cell's aggregate over the records with the expected hashes; absent before any sample. */
  aggregate?: CellAggregate;
}

export interface StoredPlan {
  schemaVersion: typeof STORED_PLAN_SCHEMA_VERSION;
  /** The run's id (one stored plan per run). */
  id: string;
  /** For people: "paws in-domain, 3 models" (the preset's name, or a summary of the plan). */
  name: string;
  createdAt: string;
  updatedAt: string;
  status: RunMeta['status'];
  /** describePlan's JSON-safe description. */
  plan: unknown;
  /** The plan by names, when the run started from one (the Batch view's presets): what Resume loads after a reload. */
  draft?: PlanDraft;
  /** Model ids in plan order. */
  models: string[];
  cells: StoredCell[];
  /** Samples of the whole plan with a record (any run), and how many the plan has. */
  done: number;
  total: number;
  error?: string;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** A stored plan of any known version as the current one; RecordSchemaError otherwise. */
export function migrateStoredPlan(raw: unknown): StoredPlan {
  if (!isObject(raw)) throw new RecordSchemaError('a stored plan must be a JSON object');
  const v = raw.schemaVersion;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new RecordSchemaError(`a stored plan without a schema version (schemaVersion ${JSON.stringify(v)})`);
  if (v > STORED_PLAN_SCHEMA_VERSION) {
    throw new RecordSchemaError(`stored plan schema version ${v} is newer than this ftlab reads (${STORED_PLAN_SCHEMA_VERSION})`, 'open it with a newer ftlab (update the page or the CLI)');
  }
  if (typeof raw.id !== 'string' || !Array.isArray(raw.cells)) throw new RecordSchemaError('a stored plan without its id or cells');
  for (const c of raw.cells as unknown[]) {
    if (!isObject(c) || typeof c.key !== 'string' || !isObject(c.spec) || !isObject(c.hashes) || typeof c.expected !== 'number') {
      throw new RecordSchemaError(`stored plan ${raw.id}: a cell without key, spec, expected or hashes`);
    }
  }
  return raw as unknown as StoredPlan;
}

/** Of a cell's records, those whose prompt is the one the plan builds for their item. */
export function expectedRecords<R extends { item: number; promptHash: string }>(cell: Pick<StoredCell, 'hashes'>, records: readonly R[]): R[] {
  return records.filter((r) => cell.hashes[String(r.item)] === r.promptHash);
}
