/**
 * The page's one engine session: the worker client, what is loaded, what is running, and the
 * last error. Views read its fields (Svelte 5 $state) and call its methods; every engine call
 * goes through `run`, which records busy/error uniformly.
 */
import type { GenerateRequest, GenerateResult, LoadedModelInfo, LoadProgress, ModelSpec } from '../core/engine.ts';
import { createEngineClient, describeError, type BackendName, type CacheBackend, type CachedModelSummary, type EngineClient, type ModelSummary } from '../engine-client/index.ts';
import { MODEL_PRESETS } from './models.ts';
import { readCachePreference, writeCachePreference } from './cache-preference.ts';

export type Activity = 'loading' | 'generating' | 'classifying' | 'checking' | 'evaluating' | null;

export interface ShownError {
  code?: string;
  name: string;
  message: string;
  hint?: string;
}

export class EngineSession {
  backend = $state<BackendName>('cpu');
  loaded = $state<LoadedModelInfo | null>(null);
  /** The spec the loaded model was loaded from (an evaluation plan names it). */
  loadedSpec = $state.raw<ModelSpec | null>(null);
  progress = $state<LoadProgress | null>(null);
  activity = $state<Activity>(null);
  error = $state<ShownError | null>(null);
  lastGeneration = $state<GenerateResult | null>(null);
  /** True between Cancel and the generation's end. */
  cancelling = $state(false);
  /** The webgpu backend's model registry (prebuilt Llama-2-7b, added, imported); null until asked. */
  webgpuModels = $state<ModelSummary[] | null>(null);
  /** What the webgpu cache holds of each registry model (status, bytes); null until asked. */
  cachedModels = $state.raw<readonly CachedModelSummary[] | null>(null);
  /** The Load panel's model choice (a preset id, a registry id or CUSTOM_MODEL); here so other panels can pick one. */
  modelChoice = $state(MODEL_PRESETS[0].id);

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

  /** Shows anything caught (outside `run`) in the error banner. */
  showError(e: unknown): void {
    this.error = describeError(e);
  }

  /** Picks a webgpu registry model in the Load panel (switching the backend to webgpu). */
  chooseWebgpuModel(id: string): void {
    this.backend = 'webgpu';
    this.modelChoice = id;
  }

  async load(spec: ModelSpec): Promise<LoadedModelInfo | null> {
    this.loaded = null;
    this.loadedSpec = null;
    this.progress = { phase: 'fetch', fraction: 0, text: 'starting' };
    return this.run('loading', async () => {
      if (this.backend === 'webgpu') await this.applyCachePreference();
      const info = await this.client.load(spec, (p) => (this.progress = p), { backend: this.backend });
      this.loaded = info;
      this.loadedSpec = spec;
      this.progress = { phase: 'done', fraction: 1, text: `loaded ${info.id}` };
      return info;
    });
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

  async generate(req: GenerateRequest): Promise<GenerateResult | null> {
    this.cancelling = false;
    return this.run('generating', async () => {
      const result = await this.client.generate(req);
      this.lastGeneration = result;
      return result;
    });
  }

  async cancel(): Promise<void> {
    if (this.activity !== 'generating') return;
    this.cancelling = true;
    try {
      await this.client.interrupt();
    } catch (e) {
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
      this.cancelling = false;
    }
  }
}
