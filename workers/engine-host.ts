/**
 * The engine worker's logic, kept apart from the comlink wiring (workers/engine.worker.ts) so
 * that it runs, and is tested, in Node as well: it owns one engine per backend, routes every
 * Engine call to the backend that loaded the current model, and forwards the webgpu extras.
 *
 * Backends come from factories that import them lazily: a cpu-only session never evaluates
 * web-llm, and a webgpu session never parses the cpu engine.
 */
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
  StreamedToken,
} from '../src/core/engine.ts';
import { ArtifactCorruptError, EngineRequestError, EngineUnavailableError, ModelNotLoadedError } from '../src/core/engine-errors.ts';
import type { DeltaReport } from '../src/core/delta/stats.ts';
import { CHAT_CONFIG_FILE, parseChatConfig } from '../src/core/mlc/chat-config.ts';
import { fetchFileSource, joinUrl, readJsonFile } from '../src/core/mlc/file-source.ts';
import { memoryByteSource, type ByteSource } from '../src/core/safetensors/reader.ts';
import {
  BACKENDS,
  isBackendName,
  type AdapterInput,
  isWebgpuExtraName,
  WEBGPU_EXTRAS,
  type BackendName,
  type DeltaProgressEvent,
  type EngineWorkerApi,
  type RemoteServer,
  type WebgpuExtraArgs,
  type WebgpuExtraName,
  type WebgpuExtraResult,
  type WireGenerateRequest,
  type WorkerLoadOptions,
} from './protocol.ts';

/** A function of the webgpu backend module, called with the page's (cloned) arguments. */
export type ExtraFunction = (...args: never[]) => unknown;

/** Where the host gets its backends from (lazy imports in the worker, doubles in unit tests). */
export interface BackendFactories {
  cpu(): Promise<Engine>;
  webgpu(): Promise<Engine>;
  /** A client of one OpenAI-compatible server (a new one per load: the server may differ). */
  openai(server: RemoteServer): Promise<Engine>;
  /** The webgpu backend's extras (capability report, cache, storage, local import). */
  webgpuExtras(): Promise<Partial<Record<WebgpuExtraName, ExtraFunction>>>;
}

export class EngineHost implements EngineWorkerApi {
  private selected: BackendName = 'cpu';
  private readonly engines = new Map<BackendName, Promise<Engine>>();
  /** The backend holding the loaded model; null before load, after unload or a failed load. */
  private active: { backend: BackendName; engine: Engine } | null = null;
  /** load()/unload() run one at a time: a second load waits for the first to settle. */
  private lifecycle: Promise<unknown> = Promise.resolve();

  constructor(private readonly factories: BackendFactories) {}

  async selectBackend(name: BackendName): Promise<void> {
    this.selected = checkBackend(name);
  }

  async currentBackend(): Promise<BackendName> {
    return this.active?.backend ?? this.selected;
  }

  async load(model: ModelSpec, onProgress?: (p: LoadProgress) => void, opts?: WorkerLoadOptions): Promise<LoadedModelInfo> {
    const backend = checkBackend(opts?.backend ?? this.selected);
    return this.oneAtATime(async () => {
      const engine = backend === 'openai' ? await this.remoteEngine(opts?.server) : await this.engine(backend);
      // One model at a time: free the other backend's model (7B weights do not fit twice).
      if (this.active && (this.active.backend !== backend || this.active.engine !== engine)) {
        const previous = this.active.engine;
        this.active = null;
        await previous.unload();
      }
      this.active = null;
      const info = await engine.load(model, onProgress ? forwardProgress(onProgress) : undefined);
      this.active = { backend, engine };
      this.selected = backend;
      return info;
    });
  }

  unload(): Promise<void> {
    return this.oneAtATime(async () => {
      const active = this.active;
      this.active = null;
      if (active) await active.engine.unload();
    });
  }

  async tokenize(text: string, opts?: { bos?: boolean }): Promise<number[]> {
    return this.loaded('tokenize').tokenize(text, opts);
  }

  async detokenize(ids: number[]): Promise<string> {
    return this.loaded('detokenize').detokenize(ids);
  }

  async generate(req: WireGenerateRequest, onToken?: (t: StreamedToken) => void): Promise<GenerateResult> {
    const full: GenerateRequest = onToken ? { ...req, onToken: forwardTokens(onToken) } : req;
    return this.loaded('generate').generate(full);
  }

  async scoreNext(prompt: PromptInput, candidateIds: number[], opts?: { topK?: number }): Promise<ScoreNextResult> {
    return this.loaded('score the next token').scoreNext(prompt, candidateIds, opts);
  }

  async loglikelihood(prompt: PromptInput, continuation: string | number[]): Promise<LoglikelihoodResult> {
    return this.loaded('compute a log-likelihood').loglikelihood(prompt, continuation);
  }

  async interrupt(): Promise<void> {
    // Nothing loaded means nothing is generating: interrupting is then a no-op, not an error.
    if (this.active) await this.active.engine.interrupt();
  }

  async stats(): Promise<EngineStats> {
    return this.loaded('report stats').stats();
  }

  async weightDelta(baseUrl: string, modelUrl: string, onProgress?: (p: DeltaProgressEvent) => void): Promise<DeltaReport> {
    const { mlcFoldersDelta } = await import('../src/core/delta/mlc-folders.ts');
    const send = onProgress ? bestEffort(onProgress) : undefined;
    return mlcFoldersDelta(fetchFileSource(baseUrl), fetchFileSource(modelUrl), { base: baseUrl, model: modelUrl, names: 'mlc' }, send ? (done, total, name) => send({ done, total, name }) : undefined);
  }

  async adapterDelta(modelUrl: string, adapter: AdapterInput, onProgress?: (p: DeltaProgressEvent) => void): Promise<DeltaReport> {
    const [{ adapterDelta }, { ADAPTER_CONFIG_FILE, ADAPTER_WEIGHTS_FILE }] = await Promise.all([import('../src/core/delta/adapter.ts'), import('../src/core/delta/lora.ts')]);
    const send = onProgress ? bestEffort(onProgress) : undefined;
    const config = parseChatConfig(await readJsonFile(fetchFileSource(modelUrl), CHAT_CONFIG_FILE), joinUrl(modelUrl, CHAT_CONFIG_FILE)).model;
    let configJson: unknown;
    let weights: ByteSource;
    let name: string;
    let configFile: string;
    if (adapter.kind === 'url') {
      const folder = fetchFileSource(adapter.url);
      name = adapter.url;
      configFile = joinUrl(adapter.url, ADAPTER_CONFIG_FILE);
      configJson = await readJsonFile(folder, ADAPTER_CONFIG_FILE);
      // An adapter is small (a 7B rank-8 q/v adapter: 16 MB): one fetch, read from memory.
      weights = memoryByteSource(new Uint8Array(await folder(ADAPTER_WEIGHTS_FILE)), joinUrl(adapter.url, ADAPTER_WEIGHTS_FILE));
    } else {
      name = adapter.name;
      configFile = `${adapter.name}/${ADAPTER_CONFIG_FILE}`;
      const text = await adapter.config.text();
      try {
        configJson = JSON.parse(text);
      } catch (e) {
        throw new ArtifactCorruptError(configFile, `not valid JSON (${e instanceof Error ? e.message : String(e)})`);
      }
      weights = blobByteSource(adapter.weights, `${adapter.name}/${ADAPTER_WEIGHTS_FILE}`);
    }
    return adapterDelta(configJson, weights, { adapter: name, configFile, model: { name: modelUrl, config } }, send ? (done, total, module) => send({ done, total, name: module }) : undefined);
  }

  async webgpuExtras(): Promise<WebgpuExtraName[]> {
    const extras = await this.factories.webgpuExtras();
    return WEBGPU_EXTRAS.filter((name) => typeof extras[name] === 'function');
  }

  async webgpuExtra<N extends WebgpuExtraName>(name: N, args: WebgpuExtraArgs<N>, onProgress?: (p: unknown) => void): Promise<WebgpuExtraResult<N>> {
    if (!isWebgpuExtraName(name)) {
      throw new EngineRequestError(`unknown webgpu extra "${String(name)}"`, `use one of: ${WEBGPU_EXTRAS.join(', ')}`);
    }
    const extras = await this.factories.webgpuExtras();
    const fn = extras[name];
    if (typeof fn !== 'function') {
      throw new EngineUnavailableError('webgpu', `this build's webgpu backend has no "${name}"`, 'update the app; the webgpu backend of this build does not offer it');
    }
    const callArgs: unknown[] = Array.isArray(args) ? [...args] : [];
    if (onProgress) callArgs.push(bestEffort(onProgress));
    // The one place the page's cloned arguments meet the backend's function: its own signature
    // (WebgpuExtraMap) is what the page was typed against.
    return (await (fn as (...a: unknown[]) => unknown)(...callArgs)) as WebgpuExtraResult<N>;
  }

  private oneAtATime<T>(run: () => Promise<T>): Promise<T> {
    const result = this.lifecycle.then(run, run);
    this.lifecycle = result.catch(() => undefined);
    return result;
  }

  /** The openai backend's engine for a server: built per load, as each load may name another server. */
  private async remoteEngine(server: RemoteServer | undefined): Promise<Engine> {
    if (!server || !Array.isArray(server.baseUrls) || server.baseUrls.length === 0) {
      throw new EngineRequestError('an "openai" load needs a server (its base URL)', 'give the server\'s base URL, e.g. http://127.0.0.1:8000/v1');
    }
    return this.factories.openai(server);
  }

  private engine(backend: Exclude<BackendName, 'openai'>): Promise<Engine> {
    let engine = this.engines.get(backend);
    if (!engine) {
      engine = this.factories[backend]();
      // A failed import (e.g. a chunk that did not download) must not stick: retry next time.
      engine.catch(() => this.engines.delete(backend));
      this.engines.set(backend, engine);
    }
    return engine;
  }

  private loaded(operation: string): Engine {
    if (!this.active) throw new ModelNotLoadedError(operation);
    return this.active.engine;
  }
}

function checkBackend(name: unknown): BackendName {
  if (!isBackendName(name)) {
    throw new EngineRequestError(`unknown backend "${String(name)}"`, `pick one of: ${BACKENDS.join(', ')}`);
  }
  return name;
}

/**
 * Across comlink the page's callback is a proxy whose calls return Promises; a backend calls it
 * synchronously and must neither wait for the page nor fail when the page has gone.
 */
/** A ByteSource over a Blob (a file chosen from disk): only the ranges asked for are read. */
function blobByteSource(blob: Blob, file: string): ByteSource {
  return { file, size: blob.size, read: async (offset, length) => new Uint8Array(await blob.slice(offset, offset + length).arrayBuffer()) };
}

function bestEffort<T>(onProgress: (p: T) => unknown): (p: T) => void {
  return (p) => {
    try {
      void Promise.resolve(onProgress(p)).catch(() => undefined);
    } catch {
      // The page's callback threw synchronously (or its port is closed): progress is best-effort.
    }
  };
}

/** Streamed tokens as plain data (best-effort: a page gone away does not stop the generation). */
function forwardTokens(onToken: (t: StreamedToken) => unknown): (t: StreamedToken) => void {
  const send = bestEffort(onToken);
  return (t) => send({ index: t.index, id: t.id, text: t.text, ...(t.step ? { step: t.step } : {}) });
}

/** Load progress as plain data (a backend's object may carry more than LoadProgress says). */
function forwardProgress(onProgress: (p: LoadProgress) => unknown): (p: LoadProgress) => void {
  const send = bestEffort(onProgress);
  return (p) =>
    send({
      phase: p.phase,
      fraction: p.fraction,
      text: p.text,
      ...(p.loadedBytes !== undefined ? { loadedBytes: p.loadedBytes } : {}),
      ...(p.totalBytes !== undefined ? { totalBytes: p.totalBytes } : {}),
    });
}
