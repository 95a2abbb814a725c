import { describe, expect, it } from 'vitest';
import { IDBFactory } from 'fake-indexeddb';
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CacheApiStore, cachedModelState, IndexedDbStore, scopeOf, type ArtifactStore, type CacheStorageLike } from '../../workers/backends/webgpu/cache.ts';
import { collectFolderFiles, importFolderIntoCache } from '../../workers/backends/webgpu/import.ts';
import { preflightFetch } from '../../workers/backends/webgpu/backend.ts';
import { ArtifactChecksumError, ManifestInvalidError } from '../../src/core/manifest.ts';
import { ArtifactMissingError } from '../../src/core/engine-errors.ts';
import { ModelNetworkError } from '../../workers/backends/webgpu/errors.ts';

/** A CacheStorage double over Maps (Node has Request/Response but no CacheStorage). */
function memoryCaches(): CacheStorageLike {
  const caches = new Map<string, Map<string, Response>>();
  return {
    async open(name) {
      const c = caches.get(name) ?? new Map<string, Response>();
      caches.set(name, c);
      const key = (r: RequestInfo) => (typeof r === 'string' ? r : r.url);
      return {
        async match(r) {
          return c.get(key(r))?.clone();
        },
        async put(r, res) {
          c.set(key(r), res);
        },
        async delete(r) {
          return c.delete(key(r));
        },
        async keys() {
          return [...c.keys()].map((u) => new Request(u));
        },
      };
    },
  };
}

const enc = new TextEncoder();
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

function folder(corrupt?: string): File[] {
  const tensorCache = { metadata: {}, records: [{ dataPath: 'params_shard_0.bin', format: 'raw-shard', nbytes: 16, records: [] }] };
  const contents: Record<string, Uint8Array> = {
    'mlc-chat-config.json': enc.encode(JSON.stringify({ model_type: 'llama', quantization: 'q4f32_1' })),
    'tensor-cache.json': enc.encode(JSON.stringify(tensorCache)),
    'tokenizer.json': enc.encode('{"model":{}}'),
    'params_shard_0.bin': new Uint8Array(16).map((_, i) => i),
  };
  const manifest = {
    schema: 'ftlab-manifest',
    version: 1,
    id: 'llama2-7b-ft-paws-q4f32_1',
    baseModel: 'meta-llama/Llama-2-7b-hf',
    method: 'ft',
    training: { dataset: 'paws_train_2000', size: 2000, shots: 0 },
    template: 0,
    quantization: 'q4f32_1',
    modelLib: null,
    files: Object.entries(contents).map(([path, b]) => ({ path, sha256: sha(b), size: b.byteLength })),
  };
  if (corrupt) contents[corrupt] = contents[corrupt].map((x) => x ^ 0xff);
  const files = Object.entries(contents).map(([p, b]) => new File([b as Uint8Array<ArrayBuffer>], p));
  files.push(new File([JSON.stringify(manifest)], 'ftlab-manifest.json'), new File(['notes'], 'README.md'));
  // As <input webkitdirectory> gives them: paths start with the picked folder's name.
  for (const f of files) Object.defineProperty(f, 'webkitRelativePath', { value: `picked/${f.name}` });
  return files;
}

const stores: [string, () => ArtifactStore][] = [
  ['Cache API', () => new CacheApiStore(memoryCaches())],
  ['IndexedDB', () => new IndexedDbStore(new IDBFactory())],
];

describe.each(stores)('%s store', (_name, make) => {
  it('round-trips bytes and lists keys per scope', async () => {
    const s = make();
    await s.write('webllm/model', 'https://h/m/a.bin', new Uint8Array([1, 2, 3]));
    expect(await s.has('webllm/model', 'https://h/m/a.bin')).toBe(true);
    expect(await s.has('webllm/config', 'https://h/m/a.bin')).toBe(false);
    expect([...((await s.read('webllm/model', 'https://h/m/a.bin')) ?? [])]).toEqual([1, 2, 3]);
    expect(await s.keys('webllm/model')).toEqual(['https://h/m/a.bin']);
    await s.delete('webllm/model', 'https://h/m/a.bin');
    expect(await s.read('webllm/model', 'https://h/m/a.bin')).toBeUndefined();
  });

  it('imports a verified folder under the URLs web-llm requests, then reports it complete', async () => {
    const s = make();
    const progress: string[] = [];
    const r = await importFolderIntoCache(s, folder(), { onProgress: (p) => progress.push(`${p.phase} ${p.done}/${p.total} ${p.bytesDone}/${p.bytesTotal}`) });
    expect(r.folderUrl).toBe('https://ftlab-import.invalid/llama2-7b-ft-paws-q4f32_1/');
    expect(r.ignored).toEqual(['README.md']);
    expect(progress.map((p) => p.split(' ').slice(0, 2).join(' '))).toEqual(['verify 1/4', 'verify 2/4', 'verify 3/4', 'verify 4/4', 'write 1/4', 'write 2/4', 'write 3/4', 'write 4/4']);
    expect(progress[3].split(' ')[2]).toBe(`${r.bytes}/${r.bytes}`);
    expect(progress[7].split(' ')[2]).toBe(`${r.bytes}/${r.bytes}`);
    expect(await s.has('webllm/config', `${r.folderUrl}mlc-chat-config.json`)).toBe(true);
    expect(await s.has('webllm/model', `${r.folderUrl}params_shard_0.bin`)).toBe(true);
    const state = await cachedModelState(s, r.folderUrl);
    expect(state.status).toBe('complete');
    expect(state.missing).toEqual([]);
    expect(state.bytes).toBe(r.bytes);
  });

  it('rejects a corrupt file and leaves nothing behind', async () => {
    const s = make();
    const err = await importFolderIntoCache(s, folder('params_shard_0.bin')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ArtifactChecksumError);
    expect((err as ArtifactChecksumError).file).toBe('params_shard_0.bin');
    expect(await s.keys('webllm/model')).toEqual([]);
    expect(await s.keys('webllm/config')).toEqual([]);
  });

  it('verifies every file before writing any: a failed re-import keeps the copy cached before', async () => {
    const s = make();
    const r = await importFolderIntoCache(s, folder());
    const before = await cachedModelState(s, r.folderUrl);
    const phases: string[] = [];
    // The last file in the manifest is corrupt: nothing of the new copy is written.
    const err = await importFolderIntoCache(s, folder('params_shard_0.bin'), { onProgress: (p) => phases.push(p.phase) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ArtifactChecksumError);
    expect(phases.every((p) => p === 'verify')).toBe(true);
    expect(await cachedModelState(s, r.folderUrl)).toEqual(before);
    expect(before.status).toBe('complete');
  });

  it('lets the caller refuse a manifest before any file is read or written', async () => {
    const s = make();
    let read = 0;
    const files = folder().map((f) => (f.name === 'ftlab-manifest.json' ? f : Object.assign(f, { arrayBuffer: async () => { read++; return new ArrayBuffer(0); } })));
    const refusal = new Error('no lib for this quantization');
    const err = await importFolderIntoCache(s, files, {
      accept: (m) => {
        expect(m.id).toBe('llama2-7b-ft-paws-q4f32_1');
        throw refusal;
      },
    }).catch((e: unknown) => e);
    expect(err).toBe(refusal);
    expect(read).toBe(0);
    expect(await s.keys('webllm/model')).toEqual([]);
  });
});

describe('IndexedDB layout matches web-llm', () => {
  it('stores tensor-cache.json parsed (web-llm reads it as "json") and shards as ArrayBuffer', async () => {
    const idb = new IDBFactory();
    await importFolderIntoCache(new IndexedDbStore(idb), folder());
    const db = await new Promise<IDBDatabase>((res, rej) => {
      const r = idb.open('webllm/model', 1);
      r.onsuccess = () => res(r.result);
      r.onerror = () => rej(r.error);
    });
    const get = (url: string) =>
      new Promise<{ url: string; data: unknown }>((res) => {
        const r = db.transaction('urls').objectStore('urls').get(url);
        r.onsuccess = () => res(r.result);
      });
    const base = 'https://ftlab-import.invalid/llama2-7b-ft-paws-q4f32_1/';
    expect((await get(`${base}tensor-cache.json`)).data).toMatchObject({ records: [{ dataPath: 'params_shard_0.bin' }] });
    expect((await get(`${base}params_shard_0.bin`)).data).toBeInstanceOf(ArrayBuffer);
  });
});

describe('import checks', () => {
  it('needs a manifest and every file it lists', async () => {
    const s = new CacheApiStore(memoryCaches());
    const noManifest = folder().filter((f) => f.name !== 'ftlab-manifest.json');
    await expect(importFolderIntoCache(s, noManifest)).rejects.toBeInstanceOf(ManifestInvalidError);
    const noShard = folder().filter((f) => f.name !== 'params_shard_0.bin');
    await expect(importFolderIntoCache(s, noShard)).rejects.toBeInstanceOf(ArtifactMissingError);
  });

  it('walks a directory handle', async () => {
    const file = (name: string) => ({ kind: 'file' as const, getFile: async () => new File(['x'], name) });
    const handle = {
      kind: 'directory' as const,
      name: 'root',
      async *entries() {
        yield ['a.json', file('a.json')] as [string, ReturnType<typeof file>];
        yield ['sub', { kind: 'directory' as const, name: 'sub', async *entries() { yield ['b.bin', file('b.bin')] as [string, ReturnType<typeof file>]; } }] as never;
      },
    };
    expect((await collectFolderFiles(handle)).map((f) => f.path)).toEqual(['a.json', 'sub/b.bin']);
    expect(scopeOf('mlc-chat-config.json')).toBe('webllm/config');
    expect(scopeOf('lib.wasm')).toBe('webllm/wasm');
  });
});

describe('preflightFetch fails fast', () => {
  it('an unreachable port rejects quickly with a network error naming the URL', async () => {
    // Bind then close a port so nothing listens on it.
    const srv = createServer();
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const port = (srv.address() as AddressInfo).port;
    await new Promise<void>((r) => srv.close(() => r()));
    const url = `http://127.0.0.1:${port}/models/x/mlc-chat-config.json`;
    const t0 = Date.now();
    const err = await preflightFetch(url).catch((e: unknown) => e);
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(err).toBeInstanceOf(ModelNetworkError);
    expect((err as ModelNetworkError).code).toBe('network');
    expect((err as ModelNetworkError).url).toBe(url);
  });

  it('404 is a missing artifact, a silent server times out', async () => {
    const srv = createServer((req, res) => {
      if (req.url === '/hang') return; // never answers
      res.statusCode = 404;
      res.end('not found');
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(srv.address() as AddressInfo).port}`;
    try {
      await expect(preflightFetch(`${base}/m/mlc-chat-config.json`)).rejects.toBeInstanceOf(ArtifactMissingError);
      await expect(preflightFetch(`${base}/hang`, {}, 300)).rejects.toThrow(/no answer within 0.3 s/);
    } finally {
      srv.closeAllConnections();
      await new Promise<void>((r) => srv.close(() => r()));
    }
  });
});
