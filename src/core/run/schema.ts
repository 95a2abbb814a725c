/**
 * Schema versions of what a run stores, and the migration path from older shapes.
 *
 * - Sample records: version 1 is what ftlab wrote before records carried a version (no
 *   `schemaVersion` field); version 2 adds the field and nothing else. Every reader (the JSONL
 *   store, the IndexedDB store, an import) passes what it read through `migrateRecord`, so a file
 *   from an older ftlab opens unchanged and a newer file is refused with a clear error instead of
 *   being misread.
 * - Stored plans (src/core/run/stored-plan.ts): version 1 is the first shape.
 *
 * To change a shape: bump the version, add one step `from N to N+1` to the list below, and keep
 * the old step: a record is migrated step by step from the version it was written with.
 */
import { describeRecordProblem, isSampleRecord } from './validate.ts';
import { FtlabError } from '../errors.ts';
import type { SampleRecord } from './records.ts';

export const RECORD_SCHEMA_VERSION = 2 as const;
export const STORED_PLAN_SCHEMA_VERSION = 1 as const;

const RECORD_KINDS = ['generation', 'classification', 'error'] as const;

/** A stored record or plan that is not one ftlab can read (malformed, or from a newer ftlab). */
export class RecordSchemaError extends FtlabError {
  constructor(message: string, hint = 'this is not a record ftlab wrote; check the file, or re-run the cells it belongs to') {
    super('record-schema', message, hint);
  }
}

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** One migration step per version: from N (the index + 1) to N + 1. */
const RECORD_STEPS: readonly ((r: Json) => Json)[] = [
  // 1 → 2: records gain their schema version; nothing else changed.
  (r) => ({ ...r, schemaVersion: 2 }),
];

/** The version a raw record says it has (1 when absent: written before versions existed). */
export function recordVersionOf(raw: Json): number {
  const v = raw.schemaVersion;
  return v === undefined ? 1 : typeof v === 'number' && Number.isInteger(v) && v >= 1 ? v : Number.NaN;
}

/**
 * A record of any known version, as the current version. Throws RecordSchemaError naming the
 * problem: not an object, an unknown kind, a missing key field, a version newer than this ftlab.
 */
export function migrateRecord(raw: unknown): SampleRecord {
  if (!isObject(raw)) throw new RecordSchemaError('a record must be a JSON object');
  if (typeof raw.kind !== 'string' || !(RECORD_KINDS as readonly string[]).includes(raw.kind)) {
    throw new RecordSchemaError(`not a sample record (kind ${JSON.stringify(raw.kind)}; expected ${RECORD_KINDS.join(', ')})`);
  }
  if (typeof raw.cellKey !== 'string' || typeof raw.promptHash !== 'string' || !Number.isInteger(raw.item)) {
    throw new RecordSchemaError('a record without its key (cellKey, item, promptHash)');
  }
  let version = recordVersionOf(raw);
  if (Number.isNaN(version)) throw new RecordSchemaError(`schemaVersion ${JSON.stringify(raw.schemaVersion)} is not a version number`);
  if (version > RECORD_SCHEMA_VERSION) {
    throw new RecordSchemaError(
      `record schema version ${version} is newer than this ftlab reads (${RECORD_SCHEMA_VERSION})`,
      'open it with a newer ftlab (update the page or the CLI)',
    );
  }
  let r: Json = raw;
  while (version < RECORD_SCHEMA_VERSION) {
    r = RECORD_STEPS[version - 1](r);
    version++;
  }
  // Field by field (core/run/validate.ts): a wrong-typed field is named here, not met later in an aggregate.
  const problem = describeRecordProblem(r);
  if (problem !== undefined || !isSampleRecord(r)) throw new RecordSchemaError(`a ${String(r.kind)} record whose ${problem ?? 'shape is wrong'}`);
  return r;
}

/** Whether a stored value is already in the current record shape (no migration needed). */
export function isCurrentRecord(raw: unknown): boolean {
  return isObject(raw) && raw.schemaVersion === RECORD_SCHEMA_VERSION;
}
