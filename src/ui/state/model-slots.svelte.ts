/**
 * Model slots: the models the Playground runs, each in its own engine worker (the worker holds one
 * model). On cpu several stay loaded at once; on webgpu two 7B models do not fit, so loading a
 * webgpu slot first frees the other webgpu slots: columns then run one after another, each
 * loaded from the browser cache.
 *
 * App-lifetime: a view unmounting does not stop a load or lose its progress.
 */
import type { Engine, LoadedModelInfo, LoadProgress, ModelSpec } from '../../core/engine.ts';
import { FtlabError } from '../../core/errors.ts';
import type { BackendName } from '../../engine-client/index.ts';
import { describeError } from '../../engine-client/errors.ts';
import { backendOf, EMBEDDED_MODELS, specOf, type ModelSource } from './model-sources.ts';

/** What a slot needs of an engine client (the worker client in the app, a fake in Node tests). */
export interface SlotEngine extends Engine {
  load(model: ModelSpec, onProgress?: (p: LoadProgress) => void, opts?: { backend?: BackendName }): Promise<LoadedModelInfo>;
  terminate(): void;
}

export type SlotStatus = 'idle' | 'loading' | 'ready' | 'error';

export interface ShownError {
  code?: string;
  name: string;
  message: string;
  hint?: string;
}

export class ModelSlot {
  status = $state<SlotStatus>('idle');
  progress = $state.raw<LoadProgress | null>(null);
  info = $state.raw<LoadedModelInfo | null>(null);
  error = $state.raw<ShownError | null>(null);
  #engine: SlotEngine | null = null;
  #loading: Promise<SlotEngine> | null = null;

  constructor(
    readonly source: ModelSource,
    private readonly createEngine: () => SlotEngine,
    private readonly baseHref: string,
  ) {}

  get id(): string {
    return this.source.id;
  }

  get backend(): BackendName {
    return backendOf(this.source);
  }

  /** The loaded engine; loads once (concurrent callers share the load). */
  ready(): Promise<SlotEngine> {
    if (this.#engine && this.status === 'ready') return Promise.resolve(this.#engine);
    this.#loading ??= this.#load().finally(() => (this.#loading = null));
    return this.#loading;
  }

  async #load(): Promise<SlotEngine> {
    this.status = 'loading';
    this.error = null;
    this.progress = { phase: 'fetch', fraction: 0, text: 'starting the engine worker' };
    this.#engine ??= this.createEngine();
    try {
      this.info = await this.#engine.load(specOf(this.source, this.baseHref), (p) => (this.progress = p), { backend: this.backend });
      this.progress = { phase: 'done', fraction: 1, text: `loaded ${this.info.id}` };
      this.status = 'ready';
      return this.#engine;
    } catch (e) {
      this.status = 'error';
      this.error = describeError(e);
      throw e;
    }
  }

  /** Frees the model (and its worker); the slot can load again later. */
  async unload(): Promise<void> {
    const engine = this.#engine;
    this.#engine = null;
    this.info = null;
    this.status = 'idle';
    this.progress = null;
    if (engine) {
      await engine.unload().catch(() => undefined);
      engine.terminate();
    }
  }
}

export class ModelSlots {
  /** Every model this browser knows, by id: the embedded ones, then the webgpu registry's. */
  sources = $state.raw<readonly ModelSource[]>(EMBEDDED_MODELS);
  /**
   * One slot per source, made when the source is added (never while a view renders). Not itself
   * reactive: it changes only together with `sources`, which is.
   */
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  readonly #slots = new Map<string, ModelSlot>();

  constructor(
    private readonly createEngine: () => SlotEngine,
    private readonly baseHref: string,
  ) {
    this.#makeSlots();
  }

  #makeSlots(): void {
    for (const s of this.sources) if (!this.#slots.has(s.id)) this.#slots.set(s.id, new ModelSlot(s, this.createEngine, this.baseHref));
  }

  source(id: string): ModelSource | undefined {
    return this.sources.find((s) => s.id === id);
  }

  /** Adds or replaces sources (e.g. the webgpu registry once asked, a model added by URL). */
  addSources(more: readonly ModelSource[]): void {
    this.sources = [...this.sources.filter((s) => !more.some((m) => m.id === s.id)), ...more];
    this.#makeSlots();
  }

  /** The slot of a known model, or undefined for an unknown id. */
  slot(id: string): ModelSlot | undefined {
    return this.source(id) ? this.#slots.get(id) : undefined;
  }

  /** Slots currently holding a model. */
  loaded(): ModelSlot[] {
    return this.sources.map((s) => this.#slots.get(s.id)).filter((s): s is ModelSlot => s?.status === 'ready' || s?.status === 'loading');
  }

  /**
   * The slot's engine, loaded. A webgpu slot first frees the other webgpu slots (one 7B model
   * fits at a time); cpu slots stay loaded side by side.
   */
  async engineFor(id: string): Promise<SlotEngine> {
    const slot = this.slot(id);
    if (!slot) throw new UnknownModelError(id);
    if (slot.backend === 'webgpu') {
      for (const other of this.#slots.values()) {
        if (other !== slot && other.backend === 'webgpu' && other.status !== 'idle') await other.unload();
      }
    }
    return slot.ready();
  }
}

/** A link names a model this browser does not have. */
export class UnknownModelError extends FtlabError {
  constructor(id: string) {
    super('model-unknown', `this link uses model "${id}", which is not in this browser`, 'add it in Models (by URL or from a local folder), or pick another model');
  }
}
