/**
 * The IndexedDB RecordStore (database "ftlab"), through `idb`.
 *
 * Object stores:
 * - records: key [cellKey, item, promptHash]; indexes byCell (cellKey), byRun (runId),
 *   byModel (modelId).
 * - runs: RunMeta by id; index byCreated.
 * - plans: stored plans (src/core/run/stored-plan.ts) by run id: cells, expected prompt hashes,
 *   aggregates, so Results opens a run without its data files or every record.
 *
 * Versions: database version 1 held unversioned records and an unused `plans` store of another
 * shape; version 2 stamps every record with its schema version (src/core/run/schema.ts) in the
 * upgrade and empties `plans` (no released code wrote it). Records read are also passed through
 * migrateRecord, so a record written by any older ftlab reads in the current shape.
 *
 * Each put is its own transaction, so a failure (a full disk) loses only that record.
 */
import { deleteDB, openDB, type DBSchema, type IDBPDatabase } from 'idb';
import type { RecordStore } from '../core/run/recordStore.ts';
import type { RecordKey, RunMeta, SampleRecord } from '../core/run/records.ts';
import { isCurrentRecord, migrateRecord } from '../core/run/schema.ts';
import { migrateStoredPlan, type StoredPlan } from '../core/run/stored-plan.ts';
import { StorageFullError, StorageUnavailableError } from './errors.ts';

export type { StoredPlan } from '../core/run/stored-plan.ts';

/** Records as read, in the current shape (most already are: the upgrade stamped them). */
function current(records: SampleRecord[]): SampleRecord[] {
  return records.every(isCurrentRecord) ? records : records.map((r) => migrateRecord(r));
}

export const FTLAB_DB_NAME = 'ftlab';
const DB_VERSION = 2;

interface FtlabDB extends DBSchema {
  records: {
    key: [string, number, string];
    value: SampleRecord;
    indexes: { byCell: string; byRun: string; byModel: string };
  };
  runs: { key: string; value: RunMeta; indexes: { byCreated: string } };
  plans: { key: string; value: StoredPlan };
}

function isQuotaError(e: unknown): boolean {
  const name = (e as { name?: string } | null)?.name;
  return name === 'QuotaExceededError' || (e as { code?: number } | null)?.code === 22;
}

function keyOf(k: RecordKey): [string, number, string] {
  return [k.cellKey, k.item, k.promptHash];
}

export class IdbRecordStore implements RecordStore {
  private constructor(private readonly db: IDBPDatabase<FtlabDB>) {}

  /** Open (creating or upgrading) the database. */
  static async open(dbName: string = FTLAB_DB_NAME): Promise<IdbRecordStore> {
    if (typeof indexedDB === 'undefined') throw new StorageUnavailableError('this environment has no IndexedDB');
    let db: IDBPDatabase<FtlabDB>;
    try {
      db = await openDB<FtlabDB>(dbName, DB_VERSION, {
        async upgrade(database, oldVersion, _newVersion, tx) {
          if (oldVersion < 1) {
            const records = database.createObjectStore('records', { keyPath: ['cellKey', 'item', 'promptHash'] });
            records.createIndex('byCell', 'cellKey');
            records.createIndex('byRun', 'runId');
            records.createIndex('byModel', 'modelId');
            const runs = database.createObjectStore('runs', { keyPath: 'id' });
            runs.createIndex('byCreated', 'createdAt');
            database.createObjectStore('plans', { keyPath: 'id' });
            return;
          }
          if (oldVersion < 2) {
            // Version 1's records had no schema version: migrate each in place.
            for (let c = await tx.objectStore('records').openCursor(); c; c = await c.continue()) {
              if (!isCurrentRecord(c.value)) await c.update(migrateRecord(c.value));
            }
            await tx.objectStore('plans').clear();
          }
        },
        blocked() {
          // Another tab holds an older version open; openDB waits until it closes.
        },
      });
    } catch (e) {
      throw new StorageUnavailableError(`opening IndexedDB "${dbName}" failed: ${(e as Error)?.message ?? String(e)}`, { cause: e });
    }
    return new IdbRecordStore(db);
  }

  /**
   * One put in its own readwrite transaction. A full disk aborts the TRANSACTION with
   * QuotaExceededError while the request itself may only see an AbortError, so the outcome is
   * read from the transaction (tx.done), not from the request.
   */
  private async putOne<S extends 'records' | 'runs' | 'plans'>(storeName: S, value: FtlabDB[S]['value'], what: string): Promise<void> {
    try {
      const tx = this.db.transaction(storeName, 'readwrite');
      const request = tx.store.put(value);
      request.catch(() => undefined); // reported through tx.done
      await tx.done;
    } catch (e) {
      if (isQuotaError(e)) throw new StorageFullError(what, { cause: e });
      throw e;
    }
  }

  async has(key: RecordKey): Promise<boolean> {
    return (await this.db.count('records', keyOf(key))) > 0;
  }

  async get(key: RecordKey): Promise<SampleRecord | undefined> {
    const r = await this.db.get('records', keyOf(key));
    return r && migrateRecord(r);
  }

  /** Item order: the byCell index sorts equal cell keys by primary key [cell, item, hash]. */
  async getByCell(cellKey: string): Promise<SampleRecord[]> {
    return current(await this.db.getAllFromIndex('records', 'byCell', cellKey));
  }

  async getByRun(runId: string): Promise<SampleRecord[]> {
    return current(await this.db.getAllFromIndex('records', 'byRun', runId));
  }

  /** Every record, by cell then item (exports). */
  async allRecords(): Promise<SampleRecord[]> {
    return current(await this.db.getAll('records'));
  }

  /** Insert or replace many records in one transaction (imports); returns how many were written. */
  async putMany(records: readonly SampleRecord[]): Promise<number> {
    try {
      const tx = this.db.transaction('records', 'readwrite');
      for (const r of records) tx.store.put(r).catch(() => undefined);
      await tx.done;
    } catch (e) {
      if (isQuotaError(e)) throw new StorageFullError(`${records.length} imported records`, { cause: e });
      throw e;
    }
    return records.length;
  }

  countByCell(cellKey: string): Promise<number> {
    return this.db.countFromIndex('records', 'byCell', cellKey);
  }

  async put(record: SampleRecord): Promise<void> {
    await this.putOne('records', record, `the record of item ${record.item} (${record.cellKey})`);
  }

  /** Delete every record of a cell (to re-run it from scratch); returns how many went. */
  async deleteCell(cellKey: string): Promise<number> {
    const tx = this.db.transaction('records', 'readwrite');
    let n = 0;
    for (let cursor = await tx.store.index('byCell').openCursor(cellKey); cursor; cursor = await cursor.continue()) {
      await cursor.delete();
      n++;
    }
    await tx.done;
    return n;
  }

  async putRun(meta: RunMeta): Promise<void> {
    await this.putOne('runs', meta, `run ${meta.id}`);
  }

  getRun(id: string): Promise<RunMeta | undefined> {
    return this.db.get('runs', id);
  }

  async putPlan(plan: StoredPlan): Promise<void> {
    await this.putOne('plans', plan, `plan ${plan.id}`);
  }

  async getPlan(id: string): Promise<StoredPlan | undefined> {
    const p = await this.db.get('plans', id);
    return p && migrateStoredPlan(p);
  }

  /** Every stored plan, newest first. */
  async listPlans(): Promise<StoredPlan[]> {
    const plans = (await this.db.getAll('plans')).map((p) => migrateStoredPlan(p));
    return plans.sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0));
  }

  /**
   * Delete a stored plan, its run metadata and the records this run wrote (records an earlier
   * run wrote, which this one reused, stay: another plan may count on them). Returns the number
   * of records deleted.
   */
  async deletePlan(id: string): Promise<number> {
    const tx = this.db.transaction(['plans', 'runs', 'records'], 'readwrite');
    await tx.objectStore('plans').delete(id);
    await tx.objectStore('runs').delete(id);
    let n = 0;
    for (let c = await tx.objectStore('records').index('byRun').openCursor(id); c; c = await c.continue()) {
      await c.delete();
      n++;
    }
    await tx.done;
    return n;
  }

  close(): void {
    this.db.close();
  }
}

/** Open the ftlab IndexedDB store (a page, a worker, a browser test). */
export function openFtlabStore(dbName: string = FTLAB_DB_NAME): Promise<IdbRecordStore> {
  return IdbRecordStore.open(dbName);
}

/** Delete a whole ftlab database (browser tests use their own dbName and clean up with this). */
export function deleteFtlabDatabase(dbName: string = FTLAB_DB_NAME): Promise<void> {
  return deleteDB(dbName);
}
