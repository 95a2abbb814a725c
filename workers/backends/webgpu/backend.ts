/**
 * The webgpu Engine: web-llm 0.2.86's MLCEngine created inside OUR worker (not web-llm's worker
 * handler), because the LogitProcessor that captures logits must be a plain synchronous function
 * next to the engine (web-llm calls processLogits synchronously at every sampling step).
 *
 * Every call drives the model with explicit token ids through `forwardTokensAndSample` (so BOS
 * and tokenization are exactly the prompt's), keeps in the KV cache only the part a new sequence
 * shares with the previous one (kv-reuse.ts: an ICL cell's demo context is prefilled once), and
 * reads full-vocabulary logits from the capture; the loops themselves are src/core/decoding's
 * SequenceRunner, the same the cpu backend runs.
 */
import { MLCEngine, type ChatOptions, type LogitProcessor } from '@mlc-ai/web-llm';
import type { Engine, EngineStats, GenerateRequest, GenerateResult, LoadedModelInfo, LoadProgress, LoglikelihoodResult, ModelSpec, PromptInput, ScoreNextResult } from '../../../src/core/engine.ts';
import { ArtifactCorruptError, ArtifactMissingError, EngineRequestError, ModelNotLoadedError } from '../../../src/core/engine-errors.ts';
import { CHAT_CONFIG_FILE, parseChatConfig, type MlcChatConfig } from '../../../src/core/mlc/chat-config.ts';
import { htmlAnswerError, looksLikeHtml } from '../../../src/core/mlc/file-source.ts';
import { MANIFEST_FILE, validateManifest, type FtlabManifest } from '../../../src/core/manifest.ts';
import { createArtifactStore, type ArtifactStore } from './cache.ts';
import { capabilityReportFrom, gatherAdapterFacts } from './capability.ts';
import { mapWebLlmError } from './error-map.ts';
import { ModelNetworkError, ShaderF16UnsupportedError, WebGpuUnavailableError } from './errors.ts';
import { ProgressTracker } from './progress.ts';
import { customEntry, ModelRegistry, type CacheBackend, type RegistryEntry } from './registry.ts';
import { RegistryStore } from './registry-store.ts';
import { SequenceRunner, type TokenizerLike } from '../../../src/core/decoding/index.ts';
import { isModelLibCached, normalizeModelUrl } from './urls.ts';
import { PrefixReusingForwarder, webLlmKvRollback } from './kv-reuse.ts';

/** How long a pre-flight request may take before the load fails with a network error. */
export const PREFLIGHT_TIMEOUT_MS = 15_000;

/** Greedy, penalty-free sampling config: web-llm's own sampled token is ignored anyway, but keep it argmax. */
const GREEDY_CHAT_OPTS: ChatOptions = { temperature: 0, top_p: 1, repetition_penalty: 1, frequency_penalty: 0, presence_penalty: 0 };

/** The LogitProcessor that keeps a copy of the last full-vocabulary logits and changes nothing. */
export class LogitCapture implements LogitProcessor {
  last: Float32Array | null = null;
  processLogits(logits: Float32Array): Float32Array {
    this.last = logits.slice();
    return logits;
  }
  processSampledToken(): void {}
  resetState(): void {}
}

/** fetch with a deadline; network failures and HTTP errors become ftlab errors naming the URL. */
export async function preflightFetch(url: string, init: RequestInit = {}, timeoutMs = PREFLIGHT_TIMEOUT_MS): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
  } catch (e) {
    const name = e instanceof Error ? e.name : '';
    if (name === 'TimeoutError' || name === 'AbortError') throw new ModelNetworkError(url, `no answer within ${timeoutMs / 1000} s`, { cause: e });
    throw new ModelNetworkError(url, `${e instanceof Error ? e.message : String(e)} (server unreachable, or the response was blocked by CORS)`, { cause: e });
  }
  if (res.status === 404) throw new ArtifactMissingError(url, 'HTTP 404 (not found): check the folder URL and that the file is there');
  if (!res.ok && !(init.method === 'HEAD' && (res.status === 405 || res.status === 501))) {
    throw new ModelNetworkError(url, `HTTP ${res.status} ${res.statusText}`.trim());
  }
  return res;
}

/** The web-tokenizers Tokenizer, adapted: ids as number[], no special tokens ever added. */
class WebTokenizer implements TokenizerLike {
  private stripBos = false;
  constructor(private readonly t: import('@mlc-ai/web-tokenizers').Tokenizer, bosId: number) {
    // A tokenizer.json whose post-processor adds BOS would add it here too: detect and undo it,
    // so BOS is only ever there when the prompt asks for it.
    const probe = Array.from(t.encode('a'));
    this.stripBos = probe.length > 1 && probe[0] === bosId;
  }
  encode(text: string): number[] {
    const ids = Array.from(this.t.encode(text));
    return this.stripBos && ids.length > 0 ? ids.slice(1) : ids;
  }
  decode(ids: number[]): string {
    return this.t.decode(Int32Array.from(ids));
  }
  idToToken(id: number): string {
    return this.t.idToToken(id);
  }
  vocabSize(): number {
    return this.t.getVocabSize();
  }
  dispose(): void {
    this.t.dispose();
  }
}

interface Loaded {
  entry: RegistryEntry;
  info: LoadedModelInfo;
  runner: SequenceRunner;
  tokenizer: WebTokenizer;
  config: MlcChatConfig;
  /** The model id web-llm loaded (the entry's, or an earlier entry's with the same weights and library). */
  webLlmId: string;
  /** The context window web-llm's KV cache was made for. */
  kvWindow: number;
  /** The entry web-llm loaded, whose library and tensor-cache.json the bytes were read from. */
  webLlmEntry: RegistryEntry;
}

export interface WebGpuBackendOptions {
  cacheBackend?: CacheBackend;
  registry?: ModelRegistry;
  registryStore?: RegistryStore;
  /** Base for relative model URLs (default: the worker's location). */
  baseUrl?: string;
}

/** Shared state of the module: one registry and cache setting for the backend and the extras. */
export class WebGpuContext {
  cacheBackend: CacheBackend;
  readonly registry: ModelRegistry;
  readonly registryStore: RegistryStore;
  private restored: Promise<void> | null = null;

  constructor(opts: WebGpuBackendOptions = {}) {
    this.cacheBackend = opts.cacheBackend ?? 'cache';
    this.registry = opts.registry ?? new ModelRegistry();
    this.registryStore = opts.registryStore ?? new RegistryStore();
  }

  store(): ArtifactStore {
    return createArtifactStore(this.cacheBackend);
  }

  /** Loads persisted custom entries once. */
  async ready(): Promise<void> {
    this.restored ??= this.registryStore
      .load()
      .then((entries) => {
        for (const e of entries) if (!this.registry.get(e.id)) this.registry.put(e);
      })
      .catch(() => undefined);
    await this.restored;
  }

  async addEntry(entry: RegistryEntry): Promise<void> {
    this.registry.put(entry);
    await this.registryStore.save(entry).catch(() => undefined);
  }
}

/** The part of web-llm's MLCEngine this backend calls. */
export type MlcEngineLike = Pick<
  MLCEngine,
  'setAppConfig' | 'setLogitProcessorRegistry' | 'setInitProgressCallback' | 'reload' | 'resetChat' | 'forwardTokensAndSample' | 'unload'
>;

export interface WebGpuBackendInit {
  /** Base for relative model URLs (default: the worker's location). */
  baseUrl?: string;
  /**
   * Makes web-llm's engine (default: `new MLCEngine`). The seam lets the Engine contract tests
   * run this backend's real code in Node over a test double of web-llm (no GPU there).
   */
  createMlcEngine?: () => MlcEngineLike;
  /**
   * Keep the KV cache of the part a prompt shares with the previous one (default true). False
   * empties it before every prompt: each is prefilled whole (the paper's way; benchmarks).
   */
  prefixReuse?: boolean;
}

export class WebGpuBackend implements Engine {
  private engine: MlcEngineLike | null = null;
  private readonly capture = new LogitCapture();
  private loaded: Loaded | null = null;
  private readonly baseUrl: string | undefined;
  private readonly createMlcEngine: () => MlcEngineLike;
  private readonly prefixReuse: boolean;

  constructor(readonly ctx: WebGpuContext = new WebGpuContext(), opts: WebGpuBackendInit = {}) {
    this.baseUrl = opts.baseUrl ?? (typeof location !== 'undefined' ? location.href : undefined);
    this.createMlcEngine = opts.createMlcEngine ?? (() => new MLCEngine({ logLevel: 'WARN' }));
    this.prefixReuse = opts.prefixReuse ?? true;
  }

  // -------------------------------------------------------------------------------------------
  // Loading

  async load(model: ModelSpec, onProgress?: (p: LoadProgress) => void): Promise<LoadedModelInfo> {
    // Calls during a load are refused (model-not-loaded); the previous model is kept until it is
    // known whether its web-llm pipeline serves this spec too (same weights and library).
    const previous = this.loaded;
    this.loaded = null;
    let kept = false;
    try {
      return await this.loadInto(model, previous, onProgress, () => (kept = true));
    } finally {
      // The previous model's tokenizer is replaced either way; its pipeline goes unless kept.
      if (previous) previous.tokenizer.dispose();
      if (!kept && previous && !this.loaded && this.engine) await this.engine.unload().catch(() => undefined);
    }
  }

  private async loadInto(model: ModelSpec, previous: Loaded | null, onProgress: ((p: LoadProgress) => void) | undefined, keep: () => void): Promise<LoadedModelInfo> {
    const tracker = new ProgressTracker();
    const progress = (p: LoadProgress): void => {
      try {
        onProgress?.(p);
      } catch {
        // A broken progress listener must not break the load.
      }
    };
    await this.ctx.ready();
    const store = this.ctx.store();

    // 1. The registry entry (a custom URL needs its config's quantization for the default lib).
    // The config is read first, with a deadline: a wrong or unreachable URL fails here, fast.
    progress(tracker.init('reading mlc-chat-config.json'));
    let entry = this.ctx.registry.get(model.id);
    const folderGuess = entry?.folderUrl ?? customEntryFolder(model, this.baseUrl);
    const configUrl = new URL('mlc-chat-config.json', folderGuess).href;
    const config = await this.readChatConfig(store, configUrl);
    if (!entry || (entry.source !== 'prebuilt' && model.url && customEntryFolder(model, this.baseUrl) !== entry.folderUrl)) {
      const manifest = await this.tryManifest(store, folderGuess);
      entry = customEntry({
        id: model.id,
        url: model.url,
        ...(this.baseUrl !== undefined ? { base: this.baseUrl } : {}),
        ...(model.modelLib !== undefined ? { modelLib: model.modelLib } : {}),
        quantization: config.quantization,
        ...(manifest ? { manifest } : {}),
      });
      await this.ctx.addEntry(entry);
    }
    // 2. WebGPU and its features, before web-llm downloads gigabytes.
    progress(tracker.init('checking WebGPU', 0.3));
    const facts = await gatherAdapterFacts();
    if (!facts.webgpu || facts.adapter === null) {
      throw new WebGpuUnavailableError(capabilityReportFrom(facts).reasons.join('; '));
    }
    if (entry.record.required_features?.includes('shader-f16') && !facts.adapter.features.includes('shader-f16')) {
      throw new ShaderF16UnsupportedError(entry.id);
    }

    // 3. The model lib: fail fast on a wrong URL (web-llm fetches it without checking the status).
    progress(tracker.init('checking the model library', 0.6));
    const libUrl = entry.record.model_lib;
    const libCached = isModelLibCached(libUrl) && (await store.has('webllm/wasm', libUrl).catch(() => false));
    if (!libCached) {
      const absLib = new URL(libUrl, this.baseUrl).href;
      try {
        await preflightFetch(absLib, { method: 'HEAD' });
      } catch (e) {
        if (!(e instanceof ArtifactMissingError)) throw e;
        throw new ArtifactMissingError(
          absLib,
          'HTTP 404: the model library (.wasm) is not there. For a Llama folder of your own build one with `npm run model-lib -- --model DIR`; for ftlab\'s tiny models, `npm run model-lib -- --tiny`',
          { cause: e },
        );
      }
    }

    const contextWindow = model.contextWindow ?? entry.record.overrides?.context_window_size ?? config.model.contextWindowSize;

    // 3b. The same weights and library as the model web-llm has loaded (another folder with only
    // other token ids in mlc-chat-config.json, or a smaller context window): keep its pipeline
    // (no download, no shader compile); only ftlab's side (token ids, window, tokenizer) changes.
    if (previous && this.engine && (await this.servesSameModel(store, previous, entry, config, contextWindow))) {
      keep();
      progress(tracker.init('reading the tokenizer', 1));
      const tokenizer = await this.loadTokenizer(store, entry.folderUrl, config);
      this.install(this.engine, entry, config, tokenizer, contextWindow, previous.webLlmId, previous.kvWindow, previous.webLlmEntry);
      progress(tracker.done(`loaded ${entry.id} (the weights and library of ${previous.webLlmId}, already on the GPU)`));
      return this.loaded!.info;
    }
    // Not the same model: web-llm unloads what it has before loading this one.
    if (this.engine) await this.engine.unload().catch(() => undefined);

    // 4. web-llm: register the capture BEFORE reload (the registry is read once, at reload).
    const chatOpts: ChatOptions = { ...GREEDY_CHAT_OPTS, ...(model.contextWindow !== undefined ? { context_window_size: model.contextWindow } : {}) };
    const engine = (this.engine ??= this.createMlcEngine());
    engine.setAppConfig(this.ctx.registry.appConfig(this.ctx.cacheBackend));
    engine.setLogitProcessorRegistry(new Map([[entry.id, this.capture]]));
    engine.setInitProgressCallback((r) => progress(tracker.update(r)));
    const runtimeLog = captureConsole();
    try {
      await engine.reload(entry.id, chatOpts);
    } catch (e) {
      const mapped = mapWebLlmError(e, { modelId: entry.id, operation: 'load', runtimeLog: runtimeLog.lines });
      // The library is what is wrong: drop it from the cache (the weights are valid and stay), so
      // the next load fetches the right one instead of the cached wrong one.
      if (mapped.code === 'model-lib-mismatch') await store.delete('webllm/wasm', new URL(libUrl, this.baseUrl).href).catch(() => undefined);
      throw mapped;
    } finally {
      runtimeLog.stop();
    }

    // 5. Our tokenizer, from the bytes web-llm cached (works offline and for imported folders).
    progress(tracker.init('reading the tokenizer', 1));
    const tokenizer = await this.loadTokenizer(store, entry.folderUrl, config);
    this.install(engine, entry, config, tokenizer, contextWindow, entry.id, contextWindow, entry);
    progress(tracker.done(`loaded ${entry.id}`));
    return this.loaded!.info;
  }

  /** Makes `entry` the loaded model, on web-llm's model `webLlmId`. */
  private install(engine: MlcEngineLike, entry: RegistryEntry, config: MlcChatConfig, tokenizer: WebTokenizer, contextWindow: number, webLlmId: string, kvWindow: number, webLlmEntry: RegistryEntry): void {
    const info: LoadedModelInfo = {
      id: entry.id,
      backend: 'webgpu',
      vocabSize: config.model.vocabSize,
      contextWindow,
      bosId: config.bosTokenId,
      eosId: config.eosTokenIds[0] ?? 2,
    };
    // web-llm's KV cache keeps what consecutive prompts share (kv-reuse.ts); each append
    // captures the logits after its last id.
    const forwarder = new PrefixReusingForwarder(
      {
        reset: () => engine.resetChat(false, webLlmId),
        append: async (ids, isPrefill) => {
          this.capture.last = null;
          await engine.forwardTokensAndSample(ids, isPrefill, webLlmId);
          const logits = this.capture.last as Float32Array | null;
          if (!logits) throw new Error('web-llm did not call the logit processor');
          return logits;
        },
      },
      this.prefixReuse ? webLlmKvRollback(engine, webLlmId) : null,
    );
    const runner = new SequenceRunner({
      forwarder,
      tokenizer,
      vocabSize: config.model.vocabSize,
      contextWindow,
      bosId: config.bosTokenId,
      eosIds: config.eosTokenIds,
      modelId: entry.id,
    });
    this.loaded = { entry, info, runner, tokenizer, config, webLlmId, kvWindow, webLlmEntry };
  }

  /**
   * Whether web-llm's loaded model computes exactly what `entry` would: the same quantization and
   * model_config (the context window aside, which must fit the loaded KV cache), the same bytes of
   * tensor-cache.json (it names every tensor with its shard's md5) and of the library. Any file
   * that cannot be read means no.
   */
  private async servesSameModel(store: ArtifactStore, previous: Loaded, entry: RegistryEntry, config: MlcChatConfig, contextWindow: number): Promise<boolean> {
    if (contextWindow > previous.kvWindow || config.quantization !== previous.config.quantization) return false;
    const modelPart = (c: MlcChatConfig) => JSON.stringify({ ...c.model, contextWindowSize: 0 });
    if (modelPart(config) !== modelPart(previous.config)) return false;
    try {
      const digest = async (scope: 'webllm/model' | 'webllm/wasm', url: string): Promise<string> => {
        let bytes = await store.read(scope, url).catch(() => undefined);
        if (!bytes) bytes = new Uint8Array(await (await preflightFetch(url)).arrayBuffer());
        const h = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes.slice().buffer));
        return Array.from(h, (b) => b.toString(16).padStart(2, '0')).join('');
      };
      const files = (e: RegistryEntry) => [digest('webllm/model', new URL('tensor-cache.json', e.folderUrl).href), digest('webllm/wasm', new URL(e.record.model_lib, this.baseUrl).href)];
      const [a, b] = await Promise.all([Promise.all(files(previous.webLlmEntry)), Promise.all(files(entry))]);
      return a[0] === b[0] && a[1] === b[1];
    } catch {
      return false;
    }
  }

  private async readChatConfig(store: ArtifactStore, url: string): Promise<MlcChatConfig> {
    let bytes = await store.read('webllm/config', url).catch(() => undefined);
    if (!bytes) bytes = new Uint8Array(await (await preflightFetch(url)).arrayBuffer());
    if (looksLikeHtml(bytes)) throw htmlAnswerError(CHAT_CONFIG_FILE, url);
    let json: unknown;
    try {
      json = JSON.parse(new TextDecoder().decode(bytes));
    } catch (e) {
      throw new ArtifactCorruptError(url, `not valid JSON (${e instanceof Error ? e.message : String(e)}); is the URL a model folder?`);
    }
    return parseChatConfig(json, url);
  }

  /** ftlab-manifest.json next to the weights, if there is one (its absence is fine). */
  private async tryManifest(store: ArtifactStore, folderUrl: string): Promise<FtlabManifest | undefined> {
    const url = new URL(MANIFEST_FILE, folderUrl).href;
    try {
      let bytes = await store.read('webllm/model', url).catch(() => undefined);
      if (!bytes) {
        const res = await fetch(url, { signal: AbortSignal.timeout(PREFLIGHT_TIMEOUT_MS) });
        if (!res.ok) return undefined;
        bytes = new Uint8Array(await res.arrayBuffer());
      }
      return validateManifest(JSON.parse(new TextDecoder().decode(bytes)), url);
    } catch {
      return undefined;
    }
  }

  private async loadTokenizer(store: ArtifactStore, folderUrl: string, config: MlcChatConfig): Promise<WebTokenizer> {
    const { Tokenizer } = await import('@mlc-ai/web-tokenizers');
    const useJson = config.tokenizerFiles.includes('tokenizer.json') || !config.tokenizerFiles.includes('tokenizer.model');
    const file = useJson ? 'tokenizer.json' : 'tokenizer.model';
    const url = new URL(file, folderUrl).href;
    let bytes = await store.read('webllm/model', url).catch(() => undefined);
    if (!bytes) bytes = new Uint8Array(await (await preflightFetch(url)).arrayBuffer());
    if (looksLikeHtml(bytes)) throw htmlAnswerError(file, url);
    const buf = bytes.slice().buffer;
    const t = useJson ? await Tokenizer.fromJSON(buf) : await Tokenizer.fromSentencePiece(buf);
    return new WebTokenizer(t, config.bosTokenId);
  }

  async unload(): Promise<void> {
    const was = this.loaded;
    this.loaded = null;
    if (was) was.tokenizer.dispose();
    if (this.engine) await this.engine.unload().catch(() => undefined);
  }

  // -------------------------------------------------------------------------------------------
  // Engine calls

  private need(op: string): Loaded {
    if (!this.loaded) throw new ModelNotLoadedError(op);
    return this.loaded;
  }

  private async run<T>(op: string, f: (l: Loaded) => Promise<T>): Promise<T> {
    const l = this.need(op);
    try {
      return await f(l);
    } catch (e) {
      throw mapWebLlmError(e, { modelId: l.entry.id, operation: op, loaded: true });
    }
  }

  async tokenize(text: string, opts: { bos?: boolean } = {}): Promise<number[]> {
    const l = this.need('tokenize');
    const ids = l.tokenizer.encode(text);
    return opts.bos ? [l.info.bosId, ...ids] : ids;
  }

  async detokenize(ids: number[]): Promise<string> {
    return this.need('detokenize').tokenizer.decode(ids);
  }

  generate(req: GenerateRequest): Promise<GenerateResult> {
    return this.run('generate', (l) => l.runner.generate(req));
  }

  scoreNext(prompt: PromptInput, candidateIds: number[], opts?: { topK?: number }): Promise<ScoreNextResult> {
    return this.run('scoreNext', (l) => l.runner.scoreNext(prompt, candidateIds, opts));
  }

  loglikelihood(prompt: PromptInput, continuation: string | number[]): Promise<LoglikelihoodResult> {
    return this.run('loglikelihood', (l) => l.runner.loglikelihood(prompt, continuation));
  }

  async interrupt(): Promise<void> {
    this.loaded?.runner.interrupt();
  }

  async stats(): Promise<EngineStats> {
    const t = this.loaded?.runner.total;
    return t ? { ...t } : { calls: 0, prefillTokens: 0, decodeTokens: 0, prefillMs: 0, decodeMs: 0 };
  }

  /** The registry entry of the loaded model (provenance for results), or null. */
  loadedEntry(): RegistryEntry | null {
    return this.loaded?.entry ?? null;
  }
}

function customEntryFolder(model: ModelSpec, base: string | undefined): string {
  try {
    return normalizeModelUrl(model.url, base).folderUrl;
  } catch (e) {
    throw new EngineRequestError(`model URL of ${model.id}: ${e instanceof Error ? e.message : String(e)}`, 'give the absolute URL of the folder holding mlc-chat-config.json');
  }
}

/**
 * Keeps the last lines the worker logs (the TVM runtime logs through console before it aborts
 * the wasm), still passing them on to the real console. Only around a reload.
 */
function captureConsole(keep = 40): { lines: string[]; stop(): void } {
  const lines: string[] = [];
  const c = globalThis.console;
  const originals = { log: c.log, warn: c.warn, error: c.error, info: c.info };
  const wrap =
    (original: (...args: unknown[]) => void) =>
    (...args: unknown[]): void => {
      lines.push(args.map((a) => (typeof a === 'string' ? a : a instanceof Error ? a.message : String(a))).join(' '));
      if (lines.length > keep) lines.shift();
      original.apply(c, args);
    };
  c.log = wrap(originals.log);
  c.warn = wrap(originals.warn);
  c.error = wrap(originals.error);
  c.info = wrap(originals.info);
  return {
    lines,
    stop() {
      Object.assign(c, originals);
    },
  };
}
