/**
 * The webgpu cache backend the user picked, kept in localStorage: the worker forgets its setting
 * on reload, and a model cached in IndexedDB would then look missing (and download again).
 */
import type { CacheBackend } from '../../engine-client/index.ts';

const KEY = 'ftlab.webgpu.cacheBackend';

/** The part of Storage used here (localStorage may be absent or throw, e.g. with storage blocked). */
export type PreferenceStorage = Pick<Storage, 'getItem' | 'setItem'>;

function defaultStorage(): PreferenceStorage | undefined {
  try {
    return globalThis.localStorage;
  } catch {
    return undefined;
  }
}

/** The saved choice; 'cache' (the worker's default) when none or unreadable. */
export function readCachePreference(storage: PreferenceStorage | undefined = defaultStorage()): CacheBackend {
  try {
    return storage?.getItem(KEY) === 'indexeddb' ? 'indexeddb' : 'cache';
  } catch {
    return 'cache';
  }
}

/** Saves the choice; best-effort (a blocked storage only loses the preference). */
export function writeCachePreference(backend: CacheBackend, storage: PreferenceStorage | undefined = defaultStorage()): void {
  try {
    storage?.setItem(KEY, backend);
  } catch {
    // Storage blocked or full: the choice holds for this page only.
  }
}
