/**
 * Custom models (added by URL or imported) survive page reloads: their registry entries are kept
 * in IndexedDB database "ftlab-webgpu", store "models" (one record per model id). Prebuilt
 * entries are never stored: they always come from the installed web-llm.
 */
import type { RegistryEntry } from './registry.ts';

const DB = 'ftlab-webgpu';
const STORE = 'models';

function open(idb: IDBFactory): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const r = idb.open(DB, 1);
    r.onupgradeneeded = () => {
      if (!r.result.objectStoreNames.contains(STORE)) r.result.createObjectStore(STORE, { keyPath: 'id' });
    };
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
}

function done(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error);
  });
}

export class RegistryStore {
  constructor(private readonly idb: IDBFactory | undefined = globalThis.indexedDB) {}

  async load(): Promise<RegistryEntry[]> {
    if (!this.idb) return [];
    const db = await open(this.idb);
    const r = db.transaction(STORE, 'readonly').objectStore(STORE).getAll();
    const out = await new Promise<RegistryEntry[]>((resolve, reject) => {
      r.onsuccess = () => resolve(r.result as RegistryEntry[]);
      r.onerror = () => reject(r.error);
    });
    db.close();
    return out.filter((e) => e.source !== 'prebuilt');
  }

  async save(entry: RegistryEntry): Promise<void> {
    if (!this.idb || entry.source === 'prebuilt') return;
    const db = await open(this.idb);
    const tx = db.transaction(STORE, 'readwrite');
    tx.objectStore(STORE).put(structuredClone(entry));
    await done(tx);
    db.close();
  }

  async remove(id: string): Promise<void> {
    if (!this.idb) return;
    const db = await open(this.idb);
    const tx = db.transaction(STORE, 'readwrite');
    tx.objectStore(STORE).delete(id);
    await done(tx);
    db.close();
  }
}
