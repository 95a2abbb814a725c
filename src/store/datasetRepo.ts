/**
 * Where imported and catalogue datasets (and failed imports, with their item-level problems)
 * are kept: IndexedDB in the browser, a Map in Node tests. One record per dataset id.
 */
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import type { DatasetProblem, TaskItem } from '../core/datasets/types.ts';

export type StoredOrigin = 'catalogue' | 'imported';

export interface StoredDataset {
  id: string;
  title: string;
  task: string;
  origin: StoredOrigin;
  /** File name or URL it came from. */
  source: string;
  items: TaskItem[];
  warnings: DatasetProblem[];
  savedAt: string;
}

/** An import that failed: kept so the problems survive a reload until dismissed. */
export interface ImportFailure {
  id: string;
  fileName: string;
  task: string;
  message: string;
  problems: DatasetProblem[];
  problemCount: number;
  at: string;
}

export interface DatasetRepo {
  list(): Promise<StoredDataset[]>;
  put(d: StoredDataset): Promise<void>;
  delete(id: string): Promise<void>;
  failures(): Promise<ImportFailure[]>;
  putFailure(f: ImportFailure): Promise<void>;
  deleteFailure(id: string): Promise<void>;
}

export class MemoryDatasetRepo implements DatasetRepo {
  readonly datasets = new Map<string, StoredDataset>();
  readonly failed = new Map<string, ImportFailure>();
  async list() {
    return [...this.datasets.values()].map((d) => structuredClone(d));
  }
  async put(d: StoredDataset) {
    this.datasets.set(d.id, structuredClone(d));
  }
  async delete(id: string) {
    this.datasets.delete(id);
  }
  async failures() {
    return [...this.failed.values()].map((f) => structuredClone(f));
  }
  async putFailure(f: ImportFailure) {
    this.failed.set(f.id, structuredClone(f));
  }
  async deleteFailure(id: string) {
    this.failed.delete(id);
  }
}

interface DatasetDB extends DBSchema {
  datasets: { key: string; value: StoredDataset };
  failures: { key: string; value: ImportFailure };
}

export class IdbDatasetRepo implements DatasetRepo {
  private constructor(private readonly db: IDBPDatabase<DatasetDB>) {}

  static async open(name = 'ftlab-datasets'): Promise<IdbDatasetRepo> {
    const db = await openDB<DatasetDB>(name, 1, {
      upgrade(db) {
        db.createObjectStore('datasets', { keyPath: 'id' });
        db.createObjectStore('failures', { keyPath: 'id' });
      },
    });
    return new IdbDatasetRepo(db);
  }

  list() {
    return this.db.getAll('datasets');
  }
  async put(d: StoredDataset) {
    await this.db.put('datasets', d);
  }
  delete(id: string) {
    return this.db.delete('datasets', id);
  }
  failures() {
    return this.db.getAll('failures');
  }
  async putFailure(f: ImportFailure) {
    await this.db.put('failures', f);
  }
  deleteFailure(id: string) {
    return this.db.delete('failures', id);
  }
}
