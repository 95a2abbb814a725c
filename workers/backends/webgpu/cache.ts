/**
 * Reading and writing web-llm 0.2.86's artifact caches directly, so that ftlab can import a
 * local folder (no server), list what is cached with sizes, and read the tokenizer web-llm
 * downloaded.
 *
 * Layout, as web-llm/tvmjs use it (lib/index.js: ArtifactCache, ArtifactIndexedDBCache,
 * reloadInternal, asyncLoadTokenizer):
 *   scope "webllm/config": `<folder>mlc-chat-config.json`
 *   scope "webllm/model":  `<folder>tensor-cache.json`, `<folder>params_shard_N.bin`, `<folder>tokenizer.json`
 *   scope "webllm/wasm":   the model lib URL (only http(s) URLs without "localhost" are cached)
 * Cache API backend: one Cache per scope, keyed by the URL (a Response with the bytes).
 * IndexedDB backend: one database per scope (version 1), object store "urls", keyPath "url",
 * records `{url, data}` where data is an ArrayBuffer, except tensor-cache.json which web-llm
 * reads with storetype "json" and so must be stored as the parsed object.
 */
import type { CacheBackend } from './registry.ts';

export type CacheScope = 'webllm/model' | 'webllm/config' | 'webllm/wasm';
export const CACHE_SCOPES: readonly CacheScope[] = ['webllm/config', 'webllm/model', 'webllm/wasm'];

/** Where web-llm looks for a file of a model folder. */
export function scopeOf(path: string): CacheScope {
  if (path === 'mlc-chat-config.json') return 'webllm/config';
  if (path.endsWith('.wasm')) return 'webllm/wasm';
  return 'webllm/model';
}

/** Files web-llm reads as JSON (stored parsed under IndexedDB). */
function isJsonArtifact(url: string): boolean {
  return url.endsWith('/tensor-cache.json');
}

export interface ArtifactStore {
  readonly backend: CacheBackend;
  has(scope: CacheScope, url: string): Promise<boolean>;
  /** The bytes, or undefined when absent. */
  read(scope: CacheScope, url: string): Promise<Uint8Array | undefined>;
  write(scope: CacheScope, url: string, bytes: Uint8Array): Promise<void>;
  delete(scope: CacheScope, url: string): Promise<void>;
  keys(scope: CacheScope): Promise<string[]>;
}

// ---------------------------------------------------------------------------------------------
// Cache API

/** The part of CacheStorage we use (a test double implements just this). */
export interface CacheStorageLike {
  open(name: string): Promise<{
    match(req: RequestInfo): Promise<Response | undefined>;
    put(req: RequestInfo, res: Response): Promise<void>;
    delete(req: RequestInfo): Promise<boolean>;
    keys(): Promise<readonly Request[]>;
  }>;
}

export class CacheApiStore implements ArtifactStore {
  readonly backend = 'cache' as const;
  constructor(private readonly caches: CacheStorageLike = globalThis.caches) {}

  async has(scope: CacheScope, url: string): Promise<boolean> {
    return (await (await this.caches.open(scope)).match(new Request(url))) !== undefined;
  }
  async read(scope: CacheScope, url: string): Promise<Uint8Array | undefined> {
    const res = await (await this.caches.open(scope)).match(new Request(url));
    return res ? new Uint8Array(await res.arrayBuffer()) : undefined;
  }
  async write(scope: CacheScope, url: string, bytes: Uint8Array): Promise<void> {
    const headers = { 'Content-Length': String(bytes.byteLength), 'Content-Type': isJsonArtifact(url) || url.endsWith('.json') ? 'application/json' : 'application/octet-stream' };
    await (await this.caches.open(scope)).put(new Request(url), new Response(bytes as Uint8Array<ArrayBuffer>, { status: 200, headers }));
  }
  async delete(scope: CacheScope, url: string): Promise<void> {
    await (await this.caches.open(scope)).delete(new Request(url));
  }
  async keys(scope: CacheScope): Promise<string[]> {
    return (await (await this.caches.open(scope)).keys()).map((r) => r.url);
  }
}

// ---------------------------------------------------------------------------------------------
// IndexedDB (raw API: the schema must be exactly web-llm's, so no wrapper library)

function req<T>(r: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
}

export class IndexedDbStore implements ArtifactStore {
  readonly backend = 'indexeddb' as const;
  private readonly dbs = new Map<CacheScope, Promise<IDBDatabase>>();
  constructor(private readonly idb: IDBFactory = globalThis.indexedDB) {}

  private db(scope: CacheScope): Promise<IDBDatabase> {
    let p = this.dbs.get(scope);
    if (!p) {
      p = new Promise((resolve, reject) => {
        const open = this.idb.open(scope, 1);
        open.onupgradeneeded = () => {
          if (!open.result.objectStoreNames.contains('urls')) open.result.createObjectStore('urls', { keyPath: 'url' });
        };
        open.onsuccess = () => resolve(open.result);
        open.onerror = () => reject(open.error);
      });
      this.dbs.set(scope, p);
    }
    return p;
  }

  private async store(scope: CacheScope, mode: IDBTransactionMode): Promise<IDBObjectStore> {
    return (await this.db(scope)).transaction(['urls'], mode).objectStore('urls');
  }

  async has(scope: CacheScope, url: string): Promise<boolean> {
    return (await req((await this.store(scope, 'readonly')).getKey(url))) !== undefined;
  }
  async read(scope: CacheScope, url: string): Promise<Uint8Array | undefined> {
    const rec = (await req((await this.store(scope, 'readonly')).get(url))) as { data?: unknown } | undefined;
    const data = rec?.data;
    if (data === undefined || data === null) return undefined;
    if (data instanceof ArrayBuffer) return new Uint8Array(data);
    if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    return new TextEncoder().encode(JSON.stringify(data));
  }
  async write(scope: CacheScope, url: string, bytes: Uint8Array): Promise<void> {
    const data = isJsonArtifact(url)
      ? JSON.parse(new TextDecoder().decode(bytes))
      : bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength
        ? bytes.buffer
        : bytes.slice().buffer;
    const tx = (await this.db(scope)).transaction(['urls'], 'readwrite');
    tx.objectStore('urls').put({ url, data });
    await new Promise<void>((resolve, reject) => {
      tx.oncomplete = () => resolve();
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error ?? new DOMException('transaction aborted', 'AbortError'));
    });
  }
  async delete(scope: CacheScope, url: string): Promise<void> {
    await req((await this.store(scope, 'readwrite')).delete(url));
  }
  async keys(scope: CacheScope): Promise<string[]> {
    return ((await req((await this.store(scope, 'readonly')).getAllKeys())) as IDBValidKey[]).map(String);
  }
}

export function createArtifactStore(backend: CacheBackend): ArtifactStore {
  return backend === 'indexeddb' ? new IndexedDbStore() : new CacheApiStore();
}

// ---------------------------------------------------------------------------------------------
// What is cached for a model folder

export interface CachedFileInfo {
  url: string;
  scope: CacheScope;
  bytes: number;
}

export interface CachedModelState {
  /** 'complete': config, tensor-cache.json, every shard and the tokenizer are cached. */
  status: 'complete' | 'partial' | 'none';
  bytes: number;
  files: CachedFileInfo[];
  /** Expected files that are not cached (when tensor-cache.json is, every shard is known). */
  missing: string[];
}

interface TensorCacheJson {
  records?: { dataPath?: unknown; nbytes?: unknown }[];
}

/**
 * What of a model folder is in the cache. Shard sizes come from tensor-cache.json's nbytes (no
 * need to read 4 GB to list); small files are measured.
 */
export async function cachedModelState(store: ArtifactStore, folderUrl: string, modelLib?: string): Promise<CachedModelState> {
  const files: CachedFileInfo[] = [];
  const missing: string[] = [];
  const keysByScope = new Map<CacheScope, Set<string>>();
  for (const s of CACHE_SCOPES) keysByScope.set(s, new Set(await store.keys(s)));
  const present = (scope: CacheScope, url: string): boolean => keysByScope.get(scope)?.has(url) ?? false;

  const small = async (scope: CacheScope, path: string): Promise<Uint8Array | undefined> => {
    const url = new URL(path, folderUrl).href;
    if (!present(scope, url)) {
      missing.push(path);
      return undefined;
    }
    const bytes = await store.read(scope, url);
    if (bytes) files.push({ url, scope, bytes: bytes.byteLength });
    return bytes;
  };
  await small('webllm/config', 'mlc-chat-config.json');
  const tokenizerUrl = new URL('tokenizer.json', folderUrl).href;
  const spUrl = new URL('tokenizer.model', folderUrl).href;
  await small('webllm/model', present('webllm/model', spUrl) && !present('webllm/model', tokenizerUrl) ? 'tokenizer.model' : 'tokenizer.json');
  const tc = await small('webllm/model', 'tensor-cache.json');
  if (tc) {
    let parsed: TensorCacheJson = {};
    try {
      parsed = JSON.parse(new TextDecoder().decode(tc)) as TensorCacheJson;
    } catch {
      missing.push('tensor-cache.json (unreadable)');
    }
    for (const r of parsed.records ?? []) {
      if (typeof r.dataPath !== 'string') continue;
      const url = new URL(r.dataPath, folderUrl).href;
      if (present('webllm/model', url)) files.push({ url, scope: 'webllm/model', bytes: typeof r.nbytes === 'number' ? r.nbytes : 0 });
      else missing.push(r.dataPath);
    }
  }
  if (modelLib && present('webllm/wasm', modelLib)) {
    const b = await store.read('webllm/wasm', modelLib);
    files.push({ url: modelLib, scope: 'webllm/wasm', bytes: b?.byteLength ?? 0 });
  }
  const bytes = files.reduce((s, f) => s + f.bytes, 0);
  const weightFiles = files.filter((f) => f.scope !== 'webllm/wasm');
  const status = weightFiles.length === 0 ? 'none' : missing.length === 0 ? 'complete' : 'partial';
  return { status, bytes, files, missing };
}

/** Deletes every cached file under a model folder (all scopes), e.g. a partial download. */
export async function deleteFolderFromCache(store: ArtifactStore, folderUrl: string): Promise<number> {
  let n = 0;
  for (const scope of ['webllm/config', 'webllm/model'] as const) {
    for (const url of await store.keys(scope)) {
      if (url.startsWith(folderUrl)) {
        await store.delete(scope, url);
        n++;
      }
    }
  }
  return n;
}

export interface StorageEstimate {
  usageBytes: number | null;
  quotaBytes: number | null;
  persisted: boolean | null;
}

/** navigator.storage.estimate() (and whether storage is persistent), null where unsupported. */
export async function storageEstimate(nav: { storage?: StorageManager } | undefined = globalThis.navigator): Promise<StorageEstimate> {
  const s = nav?.storage;
  if (!s?.estimate) return { usageBytes: null, quotaBytes: null, persisted: null };
  const e = await s.estimate();
  const persisted = typeof s.persisted === 'function' ? await s.persisted() : null;
  return { usageBytes: e.usage ?? null, quotaBytes: e.quota ?? null, persisted };
}
