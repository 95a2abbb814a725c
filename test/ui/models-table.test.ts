/** The Models & storage panel's pure helpers: rows from the registry and the cache, storage text. */
import { describe, expect, it } from 'vitest';
import { cachedLabel, describeFolderFiles, importFraction, importProgressText, isDeletable, modelRows, sourceLabel, storageText, usageFraction } from '../../src/ui/views/models/models-table.ts';
import { readCachePreference, writeCachePreference } from '../../src/ui/state/cache-preference.ts';
import type { CachedModelSummary, ModelSummary } from '../../src/engine-client/index.ts';

function summary(id: string, source: string, quantization = 'q4f16_1'): ModelSummary {
  return { id, source, quantization, baseModel: 'b', method: 'base', note: `note of ${id}`, folderUrl: `https://x/${id}/`, modelLib: 'lib.wasm' };
}

function cachedOf(id: string, source: string, status: CachedModelSummary['status'], bytes: number): CachedModelSummary {
  return { id, source, status, bytes, missing: [], cacheBackend: 'cache', fileCount: status === 'none' ? 0 : 4 };
}

describe('modelRows', () => {
  it('joins each registry model with its cache state, in registry order', () => {
    const rows = modelRows(
      [summary('pre', 'prebuilt', 'q4f32_1'), summary('byurl', 'url'), summary('imp', 'imported')],
      [cachedOf('imp', 'imported', 'complete', 3_500_000), cachedOf('pre', 'prebuilt', 'none', 0), cachedOf('byurl', 'url', 'partial', 10)],
    );
    expect(rows.map((r) => [r.id, r.source, r.quantization, r.cached, r.bytes])).toEqual([
      ['pre', 'prebuilt', 'q4f32_1', 'none', 0],
      ['byurl', 'custom', 'q4f16_1', 'partial', 10],
      ['imp', 'imported', 'q4f16_1', 'complete', 3_500_000],
    ]);
    expect(rows[2].note).toBe('note of imp');
    expect(rows.map(isDeletable)).toEqual([false, true, true]);
  });

  it('marks a model the cache listing does not mention as unknown, and never hides a cached one', () => {
    const rows = modelRows([summary('a', 'prebuilt')], [cachedOf('ghost', 'imported', 'complete', 5)]);
    expect(rows.map((r) => [r.id, r.cached, r.quantization])).toEqual([
      ['a', 'unknown', 'q4f16_1'],
      ['ghost', 'complete', '?'],
    ]);
    expect(cachedLabel(rows[0].cached)).toBe('?');
    expect(isDeletable(rows[1])).toBe(true);
  });

  it('labels sources and cache states', () => {
    expect([sourceLabel('prebuilt'), sourceLabel('url'), sourceLabel('imported')]).toEqual(['prebuilt', 'custom', 'imported']);
    expect((['complete', 'partial', 'none'] as const).map(cachedLabel)).toEqual(['yes', 'partly', 'no']);
  });
});

describe('storage', () => {
  it('is a fraction in [0, 1] only when the browser gives both numbers', () => {
    expect(usageFraction({ usageBytes: 512, quotaBytes: 2048, persisted: false })).toBe(0.25);
    expect(usageFraction({ usageBytes: 5000, quotaBytes: 2048, persisted: false })).toBe(1);
    expect(usageFraction({ usageBytes: null, quotaBytes: 2048, persisted: null })).toBeNull();
    expect(usageFraction({ usageBytes: 1, quotaBytes: 0, persisted: null })).toBeNull();
    expect(usageFraction(null)).toBeNull();
  });

  it('reads as used of quota, with a percentage and persistence', () => {
    expect(storageText({ usageBytes: 3 * 1024 ** 2, quotaBytes: 10 * 1024 ** 3, persisted: true })).toBe('3.0 MiB of 10 GiB (0.03%), persistent');
    expect(storageText({ usageBytes: 1024, quotaBytes: 10 * 1024 ** 3, persisted: false })).toBe('1.0 KiB of 10 GiB (<0.01%)');
    expect(storageText({ usageBytes: 512, quotaBytes: 1024, persisted: false })).toBe('512 B of 1.0 KiB (50.0%)');
    expect(storageText({ usageBytes: null, quotaBytes: null, persisted: null })).toBe('? of ?');
  });
});

describe('describeFolderFiles', () => {
  it('names the picked folder and counts its files and bytes', () => {
    const file = (rel: string, size: number): File => Object.assign(new File([new Uint8Array(size)], rel.split('/').at(-1) ?? rel), { webkitRelativePath: rel });
    expect(describeFolderFiles([file('model/a.bin', 10), file('model/sub/b.json', 5)])).toEqual({ name: 'model', files: 2, bytes: 15 });
    expect(describeFolderFiles([])).toEqual({ name: null, files: 0, bytes: 0 });
  });
});

describe('import progress', () => {
  it('counts verifying as the first half and caching as the second', () => {
    const p = { file: 'params_shard_0.bin', done: 1, total: 4, bytesDone: 512, bytesTotal: 2048 };
    expect(importFraction({ ...p, phase: 'verify' })).toBe(0.125);
    expect(importFraction({ ...p, phase: 'write', bytesDone: 2048 })).toBe(1);
    expect(importFraction({ ...p, phase: 'write', bytesTotal: 0 })).toBe(0.625);
    expect(importProgressText({ ...p, phase: 'verify' })).toBe('verifying sha256: 1 of 4 files, 512 B of 2.0 KiB (params_shard_0.bin)');
    expect(importProgressText({ ...p, phase: 'write' })).toMatch(/^caching: 1 of 4 files/);
  });
});

describe('cache backend preference', () => {
  it('round-trips through storage and falls back to the Cache API', () => {
    const map = new Map<string, string>();
    const storage = { getItem: (k: string) => map.get(k) ?? null, setItem: (k: string, v: string) => void map.set(k, v) };
    expect(readCachePreference(storage)).toBe('cache');
    writeCachePreference('indexeddb', storage);
    expect(readCachePreference(storage)).toBe('indexeddb');
    writeCachePreference('cache', storage);
    expect(readCachePreference(storage)).toBe('cache');
    map.set([...map.keys()][0], 'bogus');
    expect(readCachePreference(storage)).toBe('cache');
  });

  it('survives a storage that throws or is missing', () => {
    const blocked = { getItem: () => { throw new Error('blocked'); }, setItem: () => { throw new Error('blocked'); } };
    expect(readCachePreference(blocked)).toBe('cache');
    expect(() => writeCachePreference('indexeddb', blocked)).not.toThrow();
    expect(readCachePreference(undefined)).toBe('cache');
  });
});
