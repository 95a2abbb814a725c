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
import type { BackendName, RemoteServer } from '../../engine-client/index.ts';
import { describeError } from '../../engine-client/errors.ts';
import { backendOf, EMBEDDED_MODELS, remoteId, serverOf, specOf, type ModelSource } from './model-sources.ts';
import { folderUrl, sourceFromUrl, type AddedModel, type FetchFile } from './model-by-url.ts';

/** Where the models added by URL are kept (localStorage in the app, a Map in Node tests). */
export type AddedModelsStorage = Pick<Storage, 'getItem' | 'setItem'>;
const ADDED_KEY = 'ftlab.models.added.v1';
const REMOTES_KEY = 'ftlab.models.remote.v1';

function remoteSource(r: RemoteEndpoint, apiKey?: string): ModelSource {
  const id = remoteId(r.model, r.baseUrl);
  return { kind: 'remote', id, title: id, model: r.model, baseUrl: r.baseUrl, tokenizerUrl: r.tokenizerUrl, ...(apiKey ? { apiKey } : {}), provenance: { method: 'served' } };
}

/** A model on an OpenAI-compatible server, as kept in this browser (no API key). */
export interface RemoteEndpoint {
  /** e.g. "http://127.0.0.1:8000/v1". */
  baseUrl: string;
  /** The server's model name (what /v1/models lists). */
  model: string;
  /** The folder with the model's tokenizer.json and config (ftlab tokenizes locally). */
  tokenizerUrl: string;
}

/** What a slot needs of an engine client (the worker client in the app, a fake in Node tests). */
export interface SlotEngine extends Engine {
  load(model: ModelSpec, onProgress?: (p: LoadProgress) => void, opts?: { backend?: BackendName; server?: RemoteServer }): Promise<LoadedModelInfo>;
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
      const server = serverOf(this.source);
      this.info = await this.#engine.load(specOf(this.source, this.baseHref), (p) => (this.progress = p), { backend: this.backend, ...(server ? { server } : {}) });
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

  /** Models added by URL, kept in this browser (and restored, manifest read again, on reload). */
  added = $state.raw<readonly AddedModel[]>([]);
  readonly #fetchFile: FetchFile | null;
  readonly #storage: AddedModelsStorage | null;

  constructor(
    private readonly createEngine: () => SlotEngine,
    private readonly baseHref: string,
    deps: { fetchFile?: FetchFile; storage?: AddedModelsStorage | null } = {},
  ) {
    this.#fetchFile = deps.fetchFile ?? null;
    this.#storage = deps.storage ?? null;
    this.#makeSlots();
  }

  /**
   * Adds a model folder by URL: reads its manifest first (id, method, training set, size), so
   * nothing downloads before the user loads it. Kept in this browser. A broken manifest throws
   * (ManifestInvalidError, with every problem) and nothing is added.
   */
  async addFromUrl(url: string, backend: BackendName): Promise<ModelSource> {
    if (!this.#fetchFile) throw new FtlabError('no-fetch', 'this app cannot fetch files', 'add the model from a local folder instead');
    const added: AddedModel = { url: folderUrl(url, this.baseHref), backend };
    const source = await sourceFromUrl(added, this.baseHref, this.#fetchFile);
    this.addSources([source]);
    this.added = [...this.added.filter((a) => a.url !== added.url), added];
    this.#saveAdded();
    return source;
  }

  /** Remote endpoints added (kept in this browser without their API keys). */
  remotes = $state.raw<readonly RemoteEndpoint[]>([]);

  /**
   * Adds a model served by an OpenAI-compatible server. Nothing is asked of the server yet: the
   * first load checks that it answers this page (CORS) and lists the model name.
   */
  addRemote(endpoint: RemoteEndpoint & { apiKey?: string }): ModelSource {
    const baseUrl = endpoint.baseUrl.trim().replace(/\/+$/, '');
    const tokenizerUrl = folderUrl(endpoint.tokenizerUrl, this.baseHref);
    let check: URL;
    try {
      check = new URL(baseUrl);
    } catch {
      throw new FtlabError('remote-url', `"${endpoint.baseUrl}" is not a server URL`, 'give its base URL with the /v1 path, e.g. http://127.0.0.1:8000/v1');
    }
    if (check.protocol !== 'http:' && check.protocol !== 'https:') throw new FtlabError('remote-url', `"${endpoint.baseUrl}" is not an http(s) URL`, 'give its base URL with the /v1 path, e.g. http://127.0.0.1:8000/v1');
    const model = endpoint.model.trim();
    if (!model) throw new FtlabError('remote-model', 'the server\'s model name is empty', 'give the name the server lists under /v1/models (for vLLM a LoRA adapter is one more name)');
    const saved: RemoteEndpoint = { baseUrl, model, tokenizerUrl };
    const source = remoteSource(saved, endpoint.apiKey);
    this.addSources([source]);
    this.remotes = [...this.remotes.filter((r) => remoteId(r.model, r.baseUrl) !== source.id), saved];
    this.#saveAdded();
    return source;
  }

  /** Reads back the models added by URL in an earlier visit (each manifest read again). */
  restoreAdded(): Promise<void> {
    this.#restored = this.#restore();
    return this.#restored;
  }

  /** Resolves once the models added in an earlier visit are back (a link may name one). */
  whenRestored(): Promise<void> {
    return this.#restored;
  }

  #restored: Promise<void> = Promise.resolve();

  async #restore(): Promise<void> {
    const remotes = this.#readRemotes();
    if (remotes.length > 0) {
      this.remotes = remotes;
      this.addSources(remotes.map((r) => remoteSource(r)));
    }
    const saved = this.#readAdded();
    if (saved.length === 0 || !this.#fetchFile) return;
    this.added = saved;
    const sources = await Promise.all(saved.map((a) => sourceFromUrl(a, this.baseHref, this.#fetchFile!).catch(() => null)));
    this.addSources(sources.filter((s): s is ModelSource => s !== null));
  }

  /** Forgets a model added by URL or a remote endpoint. */
  removeAdded(id: string): void {
    const source = this.source(id);
    if (source?.kind !== 'url' && source?.kind !== 'remote') return;
    void this.#slots.get(id)?.unload();
    this.sources = this.sources.filter((s) => s.id !== id);
    this.#slots.delete(id);
    if (source.kind === 'url') this.added = this.added.filter((a) => a.url !== source.url);
    else this.remotes = this.remotes.filter((r) => remoteId(r.model, r.baseUrl) !== id);
    this.#saveAdded();
  }

  #readRemotes(): RemoteEndpoint[] {
    try {
      const parsed: unknown = JSON.parse(this.#storage?.getItem(REMOTES_KEY) ?? '[]');
      if (!Array.isArray(parsed)) return [];
      return parsed.filter((r): r is RemoteEndpoint => {
        if (!r || typeof r !== 'object') return false;
        const e = r as Record<string, unknown>;
        if (typeof e.baseUrl !== 'string' || typeof e.model !== 'string' || typeof e.tokenizerUrl !== 'string') return false;
        try {
          return !!new URL(e.baseUrl);
        } catch {
          return false;
        }
      });
    } catch {
      return []; // unreadable: start without them
    }
  }

  #readAdded(): AddedModel[] {
    try {
      const parsed: unknown = JSON.parse(this.#storage?.getItem(ADDED_KEY) ?? '[]');
      if (!Array.isArray(parsed)) return [];
      return parsed.filter((a): a is AddedModel => !!a && typeof a === 'object' && typeof (a as AddedModel).url === 'string' && ((a as AddedModel).backend === 'cpu' || (a as AddedModel).backend === 'webgpu'));
    } catch {
      return []; // unreadable: start without them
    }
  }

  #saveAdded(): void {
    try {
      this.#storage?.setItem(ADDED_KEY, JSON.stringify(this.added));
      // API keys are never written to storage: they stay in this page's memory.
      this.#storage?.setItem(REMOTES_KEY, JSON.stringify(this.remotes.map(({ baseUrl, model, tokenizerUrl }) => ({ baseUrl, model, tokenizerUrl }))));
    } catch {
      // storage full or disabled: the model stays for this session
    }
  }

  #makeSlots(): void {
    for (const s of this.sources) if (!this.#slots.has(s.id)) this.#slots.set(s.id, new ModelSlot(s, this.createEngine, this.baseHref));
  }

  source(id: string): ModelSource | undefined {
    return this.sources.find((s) => s.id === id);
  }

  /**
   * Adds or replaces sources (e.g. the webgpu registry once asked, a model added by URL). A source
   * replaced by one that loads differently (another backend, folder, library or server) gets a
   * fresh slot: the old slot's model is unloaded, so what the views show is what runs.
   */
  addSources(more: readonly ModelSource[]): void {
    for (const m of more) {
      const old = this.#slots.get(m.id);
      if (old && !this.#loadsAlike(old.source, m)) {
        void old.unload();
        this.#slots.delete(m.id);
      }
    }
    this.sources = [...this.sources.filter((s) => !more.some((m) => m.id === s.id)), ...more];
    this.#makeSlots();
  }

  #loadsAlike(a: ModelSource, b: ModelSource): boolean {
    const how = (s: ModelSource) => JSON.stringify([backendOf(s), specOf(s, this.baseHref), serverOf(s) ?? null]);
    return how(a) === how(b);
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
