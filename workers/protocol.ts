/**
 * The contract between the engine worker (workers/engine.worker.ts) and the page
 * (src/engine-client/): the API the worker exposes over comlink, and how errors cross the
 * boundary.
 *
 * This module is imported on BOTH sides, so it must stay tiny: comlink and src/core only, never
 * a backend (the page bundle must not pull in web-llm or the cpu engine).
 *
 * Why a custom error transfer: comlink's built-in "throw" handler keeps only name, message and
 * stack, so an FtlabError arrives on the page without its `code` and `hint` (which the UI and
 * the tests match on). We replace that handler on both sides with one that carries every
 * structured-cloneable own field and rebuilds an FtlabError (with the original subclass
 * prototype when it is one of the shared engine errors).
 */
import * as Comlink from 'comlink';
import { FtlabError } from '../src/core/errors.ts';
import * as engineErrors from '../src/core/engine-errors.ts';
import type {
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
import type { DeltaReport } from '../src/core/delta/stats.ts';
// Type-only: erased from both bundles, so the page never loads the webgpu backend (web-llm).
import type * as WebgpuBackendModule from './backends/webgpu/index.ts';

/**
 * The engines the worker can run: the TypeScript cpu engine, web-llm on WebGPU, and a client of
 * an OpenAI-compatible server (vLLM, llama.cpp's server) the user points the page at.
 */
export const BACKENDS = ['cpu', 'webgpu', 'openai'] as const;
export type BackendName = (typeof BACKENDS)[number];

export function isBackendName(x: unknown): x is BackendName {
  return BACKENDS.some((b) => b === x);
}

/** One tensor of a weight-delta comparison done. */
export interface DeltaProgressEvent {
  done: number;
  total: number;
  name: string;
}

/**
 * A PEFT LoRA adapter for adapterDelta: a folder by (absolute) URL holding adapter_config.json and
 * adapter_model.safetensors, or those two files chosen from disk (Blobs clone to the worker).
 */
export type AdapterInput = { kind: 'url'; url: string } | { kind: 'files'; name: string; config: Blob; weights: Blob };

/** Options of load() over the worker boundary. */
export interface WorkerLoadOptions {
  /** Which backend loads this model; defaults to the one picked by selectBackend() (or 'cpu'). */
  backend?: BackendName;
  /** The server an 'openai' load talks to (the model spec's id is the server's model name). */
  server?: RemoteServer;
}

/** An OpenAI-compatible server, as the page names it. */
export interface RemoteServer {
  /** One or more base URLs serving the same models, e.g. "http://127.0.0.1:8000/v1". */
  baseUrls: string[];
  apiKey?: string;
  /** Requests in flight (default 4). */
  concurrency?: number;
}

/**
 * What the worker exposes. The Engine methods act on the backend that loaded the current model;
 * the webgpu extras work without a loaded model (they only need WebGPU and the browser caches).
 * Extras are typed by the webgpu backend module's own signatures (WebgpuExtraMap): the page
 * names one and gets its argument and result types, with no casts.
 */
export interface EngineWorkerApi {
  /** The backend the next load() uses when it names none. */
  selectBackend(name: BackendName): Promise<void>;
  /** The backend of the loaded model, or the selected one when nothing is loaded. */
  currentBackend(): Promise<BackendName>;

  load(model: ModelSpec, onProgress?: (p: LoadProgress) => void, opts?: WorkerLoadOptions): Promise<LoadedModelInfo>;
  unload(): Promise<void>;
  tokenize(text: string, opts?: { bos?: boolean }): Promise<number[]>;
  detokenize(ids: number[]): Promise<string>;
  /**
   * GenerateRequest minus its callback (functions do not clone): `onToken`, a comlink proxy,
   * hears each token as it is decoded (best-effort, like load progress).
   */
  generate(req: WireGenerateRequest, onToken?: (t: StreamedToken) => void): Promise<GenerateResult>;
  scoreNext(prompt: PromptInput, candidateIds: number[], opts?: { topK?: number }): Promise<ScoreNextResult>;
  loglikelihood(prompt: PromptInput, continuation: string | number[]): Promise<LoglikelihoodResult>;
  interrupt(): Promise<void>;
  stats(): Promise<EngineStats>;

  /**
   * mean |Δw| between two MLC folders by URL (the paper's weight-delta analysis), off the page's
   * thread; `onProgress` hears each tensor compared. Needs no loaded model.
   */
  weightDelta(baseUrl: string, modelUrl: string, onProgress?: (p: DeltaProgressEvent) => void): Promise<DeltaReport>;

  /**
   * mean |Δw| of a LoRA adapter (ΔW = scale·B·A, core's adapterDelta: the numbers of `ftlab delta
   * --adapter DIR`), its modules' shapes first checked against the MLC model folder at `modelUrl`
   * (its mlc-chat-config.json: no weights are read). `onProgress` hears each module.
   */
  adapterDelta(modelUrl: string, adapter: AdapterInput, onProgress?: (p: DeltaProgressEvent) => void): Promise<DeltaReport>;

  /**
   * Calls one of the webgpu backend's extras by name (capability report, cache, storage...).
   * `onProgress` (a comlink proxy) is passed as the extra's last argument, for the extras that
   * report progress (importLocalFolder); progress is best-effort, like load()'s.
   */
  webgpuExtra<N extends WebgpuExtraName>(name: N, args: WebgpuExtraArgs<N>, onProgress?: (p: unknown) => void): Promise<WebgpuExtraResult<N>>;
  /** Which extras the webgpu backend module actually exports (it is loaded to answer). */
  webgpuExtras(): Promise<WebgpuExtraName[]>;
}

/** A generate request as it crosses postMessage: everything but the streaming callback. */
export type WireGenerateRequest = Omit<GenerateRequest, 'onToken'>;


/** The webgpu extras the page can call through webgpuExtra(). */
export const WEBGPU_EXTRAS = [
  'capabilityReport',
  'listModels',
  'listCachedModels',
  'deleteCachedModel',
  'storageEstimate',
  'importLocalFolder',
  'setCacheBackend',
  'getCacheBackend',
] as const;
export type WebgpuExtraName = (typeof WEBGPU_EXTRAS)[number];

/** The extras' signatures, as the webgpu backend module declares them. */
export type WebgpuExtraMap = Pick<typeof WebgpuBackendModule, WebgpuExtraName>;
/**
 * An extra's arguments over the wire. A trailing progress callback (optional in every extra that
 * has one) is left out here: it travels as webgpuExtra's own `onProgress` proxy.
 */
export type WebgpuExtraArgs<N extends WebgpuExtraName> = Parameters<WebgpuExtraMap[N]>;
/** What an extra resolves with. */
export type WebgpuExtraResult<N extends WebgpuExtraName> = Awaited<ReturnType<WebgpuExtraMap[N]>>;

export function isWebgpuExtraName(x: unknown): x is WebgpuExtraName {
  return typeof x === 'string' && (WEBGPU_EXTRAS as readonly string[]).includes(x);
}

// ---------------------------------------------------------------------------------------------
// Errors on the wire

/** An error as it crosses postMessage: plain data only. */
export interface WireError {
  /** 'ftlab' for an FtlabError (rebuilt as one), 'error' for any other Error. */
  kind: 'ftlab' | 'error';
  name: string;
  message: string;
  code?: string;
  hint?: string;
  stack?: string;
  /** Extra own fields of primitive value (e.g. promptTokens, file, tensor). */
  fields?: Record<string, string | number | boolean | null>;
  /** The error's cause, one level deep (enough to show "failed to fetch" under a load error). */
  cause?: WireError;
}

const SKIPPED_FIELDS = new Set(['name', 'message', 'stack', 'code', 'hint', 'cause']);

function primitiveFields(err: object): Record<string, string | number | boolean | null> | undefined {
  const out: Record<string, string | number | boolean | null> = {};
  let any = false;
  for (const [k, v] of Object.entries(err)) {
    if (SKIPPED_FIELDS.has(k)) continue;
    if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') {
      out[k] = v;
      any = true;
    }
  }
  return any ? out : undefined;
}

/** Turns anything thrown into plain, cloneable data. */
export function encodeError(err: unknown, depth = 0): WireError {
  if (err instanceof FtlabError) {
    return {
      kind: 'ftlab',
      name: err.name,
      message: err.message,
      code: err.code,
      ...(err.hint !== undefined ? { hint: err.hint } : {}),
      ...(err.stack !== undefined ? { stack: err.stack } : {}),
      ...withFieldsAndCause(err, depth),
    };
  }
  if (err instanceof Error) {
    // DOMException and friends carry a string `code`-less name (e.g. QuotaExceededError).
    return {
      kind: 'error',
      name: err.name,
      message: err.message,
      ...(err.stack !== undefined ? { stack: err.stack } : {}),
      ...withFieldsAndCause(err, depth),
    };
  }
  return { kind: 'error', name: 'Error', message: typeof err === 'string' ? err : safeString(err) };
}

function withFieldsAndCause(err: Error, depth: number): Pick<WireError, 'fields' | 'cause'> {
  const fields = primitiveFields(err);
  const cause = depth < 1 && err.cause !== undefined ? encodeError(err.cause, depth + 1) : undefined;
  return { ...(fields ? { fields } : {}), ...(cause ? { cause } : {}) };
}

function safeString(x: unknown): string {
  try {
    return JSON.stringify(x) ?? String(x);
  } catch {
    return String(x);
  }
}

/**
 * The shared engine error classes by their stable code, so the page can rebuild `instanceof`.
 * By code, not by class name: a minified build may rename classes (and with them `name`).
 */
const FTLAB_CLASS_BY_CODE = new Map<string, { prototype: FtlabError }>([
  ['context-window-exceeded', engineErrors.ContextWindowExceededError],
  ['model-not-loaded', engineErrors.ModelNotLoadedError],
  ['artifact-missing', engineErrors.ArtifactMissingError],
  ['artifact-corrupt', engineErrors.ArtifactCorruptError],
  ['network', engineErrors.ModelNetworkError],
  ['model-unsupported', engineErrors.UnsupportedModelError],
  ['engine-unavailable', engineErrors.EngineUnavailableError],
  ['engine-request', engineErrors.EngineRequestError],
  ['non-finite-output', engineErrors.NonFiniteOutputError],
]);

/** Rebuilds an Error from its wire form; FtlabErrors come back as FtlabErrors with code and hint. */
export function decodeError(wire: WireError): Error {
  const cause = wire.cause ? decodeError(wire.cause) : undefined;
  const options = cause ? { cause } : undefined;
  let err: Error;
  if (wire.kind === 'ftlab') {
    err = new FtlabError(wire.code ?? 'unknown', wire.message, wire.hint, options);
    const known = wire.code ? FTLAB_CLASS_BY_CODE.get(wire.code) : undefined;
    if (known) Object.setPrototypeOf(err, known.prototype);
  } else {
    err = new Error(wire.message, options);
  }
  Object.defineProperty(err, 'name', { value: wire.name, writable: true, configurable: true, enumerable: false });
  if (wire.fields) Object.assign(err, wire.fields);
  // Keep the worker-side stack: it says where the error really happened.
  if (wire.stack) err.stack = `${wire.stack}\n    --- crossed the engine worker boundary ---`;
  return err;
}

interface ThrownValue {
  value: unknown;
}
type SerializedThrow = { isError: true; value: WireError } | { isError: false; value: unknown };

/**
 * Replaces comlink's "throw" transfer handler (in this realm) with one that keeps FtlabError's
 * code, hint and fields. Call it once in the worker AND once on the page: the handler serializes
 * on the side that throws and deserializes on the side that awaits.
 */
export function installErrorTransfer(): void {
  const builtin = Comlink.transferHandlers.get('throw');
  if (!builtin) throw new Error('comlink has no "throw" transfer handler: unsupported comlink version');
  const handler: Comlink.TransferHandler<ThrownValue, SerializedThrow> = {
    canHandle: (v): v is ThrownValue => builtin.canHandle(v),
    serialize({ value }) {
      if (value instanceof Error) return [{ isError: true, value: encodeError(value) }, []];
      return [{ isError: false, value }, []];
    },
    deserialize(serialized) {
      if (serialized.isError) throw decodeError(serialized.value);
      throw serialized.value;
    },
  };
  Comlink.transferHandlers.set('throw', handler as Comlink.TransferHandler<unknown, unknown>);
}
