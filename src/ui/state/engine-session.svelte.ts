/**
 * The Models view's engine session for the webgpu cache and registry: the worker client that
 * lists, imports and deletes cached models, reports WebGPU's capability, and the last error.
 * (Running models is the model slots' job: src/ui/state/model-slots.svelte.ts.) Views read its
 * fields (Svelte 5 $state) and call its methods; every engine call goes through `run`, which
 * records busy/error uniformly.
 */
import { createEngineClient, describeError, type CacheBackend, type CachedModelSummary, type EngineClient, type ModelSummary } from '../../engine-client/index.ts';
import { readCachePreference, writeCachePreference } from './cache-preference.ts';
import type { ShownError } from './model-slots.svelte.ts';

export type { ShownError };
/** An error as the views show it (code, message, hint): the engine client's own reading. */
export { describeError };
export type Activity = 'checking' | null;

export class EngineSession {
  activity = $state<Activity>(null);
  error = $state<ShownError | null>(null);
  /** The webgpu backend's model registry (prebuilt Llama-2-7b, added, imported); null until asked. */
  webgpuModels = $state<ModelSummary[] | null>(null);
  /** What the webgpu cache holds of each registry model (status, bytes); null until asked. */
  cachedModels = $state.raw<readonly CachedModelSummary[] | null>(null);

  #client: EngineClient | null = null;
  /** Whether the saved cache backend was given to this worker (it starts on 'cache'). */
  #cacheApplied = false;

  /** The worker starts on first use, not at page load. */
  get client(): EngineClient {
    this.#client ??= createEngineClient();
    return this.#client;
  }

  get busy(): boolean {
    return this.activity !== null;
  }

  clearError(): void {
    this.error = null;
  }

  /**
   * Gives the worker the cache backend picked before (it is kept across reloads). Only a
   * non-default choice costs a call, and that call loads web-llm: so only webgpu paths call this.
   */
  async applyCachePreference(): Promise<void> {
    if (this.#cacheApplied) return;
    const saved = readCachePreference();
    if (saved !== 'cache') await this.client.setCacheBackend(saved);
    this.#cacheApplied = true;
  }

  /** Switches the webgpu cache backend and remembers it for the next visit. */
  async setCacheBackend(backend: CacheBackend): Promise<void> {
    await this.client.setCacheBackend(backend);
    this.#cacheApplied = true;
    writeCachePreference(backend);
  }

  /** Asks the worker for the webgpu registry (this loads web-llm in the worker, so only on demand). */
  async refreshWebgpuModels(): Promise<void> {
    try {
      await this.applyCachePreference();
      this.webgpuModels = await this.client.listModels();
    } catch (e) {
      this.webgpuModels = [];
      this.error = describeError(e);
    }
  }

  /**
   * Reads what the browser cache holds of each webgpu registry model, so a view can say what is
   * cached before anything downloads (loads web-llm in the worker: only where webgpu is in use).
   */
  async refreshCachedModels(): Promise<void> {
    try {
      await this.applyCachePreference();
      this.cachedModels = await this.client.listCachedModels();
    } catch (e) {
      this.cachedModels = [];
      this.error = describeError(e);
    }
  }

  /** Runs one engine action: marks the session busy, records an error instead of throwing. */
  async run<T>(activity: Exclude<Activity, null>, action: () => Promise<T>): Promise<T | null> {
    this.activity = activity;
    this.error = null;
    try {
      return await action();
    } catch (e) {
      this.error = describeError(e);
      return null;
    } finally {
      this.activity = null;
    }
  }
}
