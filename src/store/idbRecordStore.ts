/**
 * The IndexedDB RecordStore (database "ftlab"), through `idb`.
 *
 * Object stores:
 * - records: key [cellKey, item, promptHash]; indexes byCell (cellKey), byRun (runId),
 *   byModel (modelId).
 * - runs: RunMeta by id; index byCreated.
 * - plans: saved evaluation plans by id.
 *
 * Each put is its own transaction, so a failure (a full disk) loses only that record.
 */
import { deleteDB, openDB, type DBSchema, type IDBPDatabase } from 'idb';
import type { RecordStore } from '../core/run/recordStore.ts';
import type { RecordKey, RunMeta, SampleRecord } from '../core/run/records.ts';
import { StorageFullError, StorageUnavailableError } from './errors.ts';

export const FTLAB_DB_NAME = 'ftlab';
const DB_VERSION = 1;

/** A saved plan: what the UI lets a user re-run. */
export interface StoredPlan {
  id: string;
  name: string;
  createdAt: string;
  plan: unknown;
}

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
        upgrade(database) {
          const records = database.createObjectStore('records', { keyPath: ['cellKey', 'item', 'promptHash'] });
          records.createIndex('byCell', 'cellKey');
          records.createIndex('byRun', 'runId');
          records.createIndex('byModel', 'modelId');
          const runs = database.createObjectStore('runs', { keyPath: 'id' });
          runs.createIndex('byCreated', 'createdAt');
          database.createObjectStore('plans', { keyPath: 'id' });
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

  get(key: RecordKey): Promise<SampleRecord | undefined> {
    return this.db.get('records', keyOf(key));
  }

  /** Item order: the byCell index sorts equal cell keys by primary key [cell, item, hash]. */
  getByCell(cellKey: string): Promise<SampleRecord[]> {
    return this.db.getAllFromIndex('records', 'byCell', cellKey);
  }

  getByRun(runId: string): Promise<SampleRecord[]> {
    return this.db.getAllFromIndex('records', 'byRun', runId);
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

  /** Every run, oldest first. */
  listRuns(): Promise<RunMeta[]> {
    return this.db.getAllFromIndex('runs', 'byCreated');
  }

  async putPlan(plan: StoredPlan): Promise<void> {
    await this.putOne('plans', plan, `plan ${plan.id}`);
  }

  getPlan(id: string): Promise<StoredPlan | undefined> {
    return this.db.get('plans', id);
  }

  listPlans(): Promise<StoredPlan[]> {
    return this.db.getAll('plans');
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
