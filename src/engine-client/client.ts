/**
 * The page's handle on the engine worker: an Engine (plus backend selection and the webgpu
 * extras) whose calls run in workers/engine.worker.ts through comlink.
 *
 * What it adds over a bare `Comlink.wrap`:
 * - errors come back as FtlabErrors with their code and hint (see workers/protocol.ts);
 * - load progress is passed as a `Comlink.proxy` and released when the load settles;
 * - a worker that dies (its script failed to load, it crashed, terminate() was called) rejects
 *   every pending and later call with EngineWorkerError instead of leaving them hanging.
 */
import * as Comlink from 'comlink';
import type {
  Engine,
  EngineStats,
  GenerateRequest,
  GenerateResult,
  LoadedModelInfo,
  LoadProgress,
  LoglikelihoodResult,
  ModelSpec,
  PromptInput,
  ScoreNextResult,
} from '../core/engine.ts';
import {
  installErrorTransfer,
  type BackendName,
  type AdapterInput,
  type DeltaProgressEvent,
  type EngineWorkerApi,
  type RemoteServer,
  type WebgpuExtraArgs,
  type WebgpuExtraName,
  type WebgpuExtraResult,
} from '../../workers/protocol.ts';
import { EngineWorkerError } from './errors.ts';
import type {
  CacheBackend,
  CachedModelSummary,
  CapabilityReport,
  FolderSource,
  ImportedModel,
  ImportProgress,
  ModelSummary,
  StorageEstimate,
} from './webgpu-extras.ts';

export type { AdapterInput, BackendName, DeltaProgressEvent, RemoteServer } from '../../workers/protocol.ts';
import type { DeltaReport } from '../core/delta/stats.ts';

export interface LoadOptions {
  /** Backend for this load; defaults to the selected one ('cpu' until selectBackend()). */
  backend?: BackendName;
  /** The server of an 'openai' load. */
  server?: RemoteServer;
}

/** Engine + the worker's extras. Every method is a call into the worker. */
export interface EngineClient extends Engine {
  load(model: ModelSpec, onProgress?: (p: LoadProgress) => void, opts?: LoadOptions): Promise<LoadedModelInfo>;
  selectBackend(name: BackendName): Promise<void>;
  currentBackend(): Promise<BackendName>;
  /** WebGPU adapter, features and limits, and which quantization to use (no model needed). */
  capabilityReport(): Promise<CapabilityReport>;
  /** The webgpu model registry: prebuilt Llama-2-7b variants and the models added or imported. */
  listModels(): Promise<ModelSummary[]>;
  /** Every registry model with its cache status and bytes. */
  listCachedModels(): Promise<CachedModelSummary[]>;
  /** Removes a model's weights, config and library from web-llm's browser cache. */
  deleteCachedModel(modelId: string): Promise<void>;
  /** navigator.storage.estimate() as seen by the worker, plus persistence. */
  storageEstimate(): Promise<StorageEstimate>;
  /**
   * Verifies a local MLC folder (files from <input webkitdirectory> or a directory handle) against
   * its ftlab-manifest.json and caches it; `onProgress` hears each file verified, then written.
   */
  importLocalFolder(source: FolderSource, onProgress?: (p: ImportProgress) => void): Promise<ImportedModel>;
  /** Where web-llm caches artifacts: Cache Storage (default) or IndexedDB. */
  setCacheBackend(backend: CacheBackend): Promise<void>;
  getCacheBackend(): Promise<CacheBackend>;
  /** mean |Δw| between two MLC folders by (absolute) URL, in the worker; progress per tensor. */
  weightDelta(baseUrl: string, modelUrl: string, onProgress?: (p: DeltaProgressEvent) => void): Promise<DeltaReport>;
  /** mean |Δw| of a LoRA adapter (folder URL or files from disk), checked against the model folder at `modelUrl`, in the worker. */
  adapterDelta(modelUrl: string, adapter: AdapterInput, onProgress?: (p: DeltaProgressEvent) => void): Promise<DeltaReport>;
  /** Which of the extras this build's webgpu backend provides. */
  webgpuExtras(): Promise<WebgpuExtraName[]>;
  /** Calls any webgpu extra by name, typed by the backend's own signature. */
  webgpuExtra<N extends WebgpuExtraName>(name: N, ...args: WebgpuExtraArgs<N>): Promise<WebgpuExtraResult<N>>;
  /** Stops the worker: pending calls reject with EngineWorkerError, the model is freed. */
  terminate(): void;
}

export interface EngineClientOptions {
  /** A worker to use instead of the bundled engine worker (tests, other hosts). */
  worker?: Worker;
}

let errorTransferInstalled = false;

/** The bundled engine worker: Vite builds `new URL(..., import.meta.url)` workers as their own chunk. */
function spawnEngineWorker(): Worker {
  return new Worker(new URL('../../workers/engine.worker.ts', import.meta.url), { type: 'module', name: 'ftlab-engine' });
}

export function createEngineClient(options: EngineClientOptions = {}): EngineClient {
  if (!errorTransferInstalled) {
    installErrorTransfer();
    errorTransferInstalled = true;
  }
  const worker = options.worker ?? spawnEngineWorker();
  const remote = Comlink.wrap<EngineWorkerApi>(worker);

  // Rejects when the worker dies; every call races against it.
  let dead: EngineWorkerError | null = null;
  let rejectDeath: (e: EngineWorkerError) => void = () => undefined;
  const death = new Promise<never>((_, reject) => {
    rejectDeath = reject;
  });
  death.catch(() => undefined); // observed through the races below
  const die = (err: EngineWorkerError): void => {
    if (dead) return;
    dead = err;
    rejectDeath(err);
  };
  worker.addEventListener('error', (ev: ErrorEvent) => {
    ev.preventDefault();
    die(EngineWorkerError.crashed(ev.message || 'the engine worker failed to start (its script did not load or threw at start-up)'));
  });
  worker.addEventListener('messageerror', () => {
    die(EngineWorkerError.crashed('a message from the engine worker could not be deserialized'));
  });

  const call = <T>(fn: () => Promise<T>): Promise<T> => {
    if (dead) return Promise.reject(dead);
    return Promise.race([fn(), death]);
  };
  // comlink's Remote<> drops a method's type parameters; this restores webgpuExtra's (the
  // worker's EngineWorkerApi is typed by the backend's own signatures).
  const extra = <N extends WebgpuExtraName>(name: N, args: WebgpuExtraArgs<N>, onProgress?: (p: unknown) => void): Promise<WebgpuExtraResult<N>> =>
    call(() => remote.webgpuExtra(name, args, onProgress) as Promise<WebgpuExtraResult<N>>);

  return {
    selectBackend: (name) => call(() => remote.selectBackend(name)),
    currentBackend: () => call(() => remote.currentBackend()),
    async load(model, onProgress, opts) {
      const progress = onProgress ? Comlink.proxy(onProgress) : undefined;
      return call(() => remote.load(model, progress, opts));
    },
    unload: () => call(() => remote.unload()),
    tokenize: (text, opts) => call(() => remote.tokenize(text, opts)),
    detokenize: (ids) => call(() => remote.detokenize(ids)),
    generate(req: GenerateRequest): Promise<GenerateResult> {
      // The callback cannot be cloned: it travels as a proxy, released by the worker when done.
      const { onToken, ...wire } = req;
      return call(() => remote.generate(wire, onToken ? Comlink.proxy(onToken) : undefined));
    },
    scoreNext: (prompt: PromptInput, ids: number[], opts?: { topK?: number }): Promise<ScoreNextResult> =>
      call(() => remote.scoreNext(prompt, ids, opts)),
    loglikelihood: (prompt: PromptInput, continuation: string | number[]): Promise<LoglikelihoodResult> =>
      call(() => remote.loglikelihood(prompt, continuation)),
    interrupt: () => call(() => remote.interrupt()),
    stats: (): Promise<EngineStats> => call(() => remote.stats()),
    capabilityReport: () => extra('capabilityReport', []),
    listModels: () => extra('listModels', []),
    listCachedModels: () => extra('listCachedModels', []),
    deleteCachedModel: (modelId) => extra('deleteCachedModel', [modelId]),
    storageEstimate: () => extra('storageEstimate', []),
    importLocalFolder: (source, onProgress) =>
      extra('importLocalFolder', [source], onProgress ? Comlink.proxy((p: unknown) => onProgress(p as ImportProgress)) : undefined),
    setCacheBackend: (backend) => extra('setCacheBackend', [backend]),
    getCacheBackend: () => extra('getCacheBackend', []),
    weightDelta: (baseUrl, modelUrl, onProgress) => call(() => remote.weightDelta(baseUrl, modelUrl, onProgress ? Comlink.proxy(onProgress) : undefined)),
    adapterDelta: (modelUrl, adapter, onProgress) => call(() => remote.adapterDelta(modelUrl, adapter, onProgress ? Comlink.proxy(onProgress) : undefined)),
    webgpuExtras: () => call(() => remote.webgpuExtras()),
    webgpuExtra: (name, ...args) => extra(name, args),
    terminate() {
      die(EngineWorkerError.terminated());
      worker.terminate();
    },
  };
}
