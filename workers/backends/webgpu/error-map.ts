/**
 * Turns whatever web-llm 0.2.86 (or the browser under it) throws into an ftlab error with a next
 * step. web-llm exports only IntegrityError, so matching is by `err.name` (every web-llm error
 * class sets it, see lib/index.js) and, for the browser's own errors, by message text:
 *
 *   web-llm names: WebGPUNotAvailableError, WebGPUNotFoundError, ShaderF16SupportError,
 *     FeatureSupportError, DeviceLostError, ModelNotLoadedError (after a device loss web-llm
 *     unloads itself), ContextWindowSizeExceededError, ModelNotFoundError, MissingModelError
 *     (class MissingModelWasmError), UnsupportedTokenizerFilesError, IntegrityError.
 *   plain Errors from web-llm's GPU detection: "Unable to find a compatible GPU…",
 *     "Cannot initialize runtime because of requested <limit> exceeds limit…".
 *   browser: TypeError "Failed to fetch" (Chrome), "NetworkError when attempting to fetch
 *     resource." (Firefox), "Load failed" (Safari), "Failed to execute 'add' on 'Cache': Request
 *     failed" (HTTP error under the Cache API backend), "Failed to store <url> with error: …" and
 *     "Network response was not ok" (IndexedDB backend), QuotaExceededError, AbortError,
 *     RangeError "Array buffer allocation failed", WebAssembly.CompileError.
 *
 * Pure (no web-llm import): unit-tested in Node on each known name and message.
 */
import { FtlabError } from '../../../src/core/errors.ts';
import {
  ArtifactCorruptError,
  ArtifactMissingError,
  ContextWindowExceededError,
  EngineRequestError,
  ModelNotLoadedError,
} from '../../../src/core/engine-errors.ts';
import { ArtifactChecksumError } from '../../../src/core/manifest.ts';
import {
  GpuDeviceLostError,
  GpuOutOfMemoryError,
  LoadAbortedError,
  ModelLibMismatchError,
  ModelNetworkError,
  ShaderF16UnsupportedError,
  StorageQuotaError,
  WebGpuLimitsError,
  WebGpuUnavailableError,
  WebLlmError,
} from './errors.ts';

export interface ErrorContext {
  /** The model being loaded or run. */
  modelId?: string;
  /** The operation, for "not loaded" messages ("generate", "load"…). */
  operation?: string;
  /** Whether the backend believed a model was loaded (then ModelNotLoadedError means device lost). */
  loaded?: boolean;
  /** The URL being fetched, when the caller knows it. */
  url?: string;
  /**
   * The TVM runtime's last log lines (captured during the call): when the runtime aborts, the
   * wasm exits and web-llm's error says only "exit(1)"; the reason is in what it logged.
   */
  runtimeLog?: readonly string[];
}

/** What the TVM runtime logs when a library and the weights disagree, before it exits. */
const RUNTIME_MISMATCH = /Cannot find (?:parameter in cache: \S+|\S+ in cache)|Check failed|shape mismatch|mismatch|does not match|expect(?:ed|s)? .*(?:shape|dtype|ndim)/i;

const NETWORK_MESSAGES = [
  /failed to fetch/i,
  /networkerror when attempting to fetch/i,
  /^load failed$/i,
  /failed to execute 'add' on 'cache'/i,
  /network response was not ok/i,
  /net::err_/i,
  /^cannot fetch /i,
  /err_connection_refused/i,
];

const OOM_MESSAGES = [/out of memory/i, /outofmemory/i, /allocation failed/i, /could not allocate/i, /failed to allocate/i];

const DEVICE_LOST_MESSAGES = [/device (was |is )?lost/i, /instance\.dispose\(\)/i];

function nameOf(err: unknown): string {
  if (err && typeof err === 'object' && 'name' in err && typeof (err as { name: unknown }).name === 'string') return (err as { name: string }).name;
  return 'Error';
}

function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message;
  if (err && typeof err === 'object' && 'message' in err && typeof (err as { message: unknown }).message === 'string') {
    return (err as { message: string }).message;
  }
  return typeof err === 'string' ? err : String(err);
}

/** The URL named in web-llm's/tvmjs' fetch-failure messages, if any. */
export function urlInMessage(message: string): string | undefined {
  const m = /(?:Failed to store|Cannot fetch|failed to fetch:?)\s+(https?:\/\/\S+?)(?:\s+with error|\s+err=|$|\s)/i.exec(message) ?? /(https?:\/\/[^\s'"]+)/.exec(message);
  return m?.[1];
}

function firstLine(message: string): string {
  return message.split('\n')[0].trim();
}

/** web-llm's ContextWindowSizeExceededError message carries both numbers. */
function contextNumbers(message: string): { prompt: number; window: number } | undefined {
  const m = /number of prompt tokens: (\d+); context window size: (\d+)/.exec(message);
  return m ? { prompt: Number(m[1]), window: Number(m[2]) } : undefined;
}

export function mapWebLlmError(err: unknown, ctx: ErrorContext = {}): FtlabError {
  if (err instanceof FtlabError) return err;
  const name = nameOf(err);
  const message = messageOf(err);
  const cause = { cause: err };
  const model = ctx.modelId ?? 'the model';

  switch (name) {
    case 'WebGPUNotAvailableError':
    case 'WebGPUNotFoundError':
      return new WebGpuUnavailableError('navigator.gpu is missing or returned no adapter', cause);
    case 'ShaderF16SupportError':
      return new ShaderF16UnsupportedError(model, cause);
    case 'FeatureSupportError':
      return new WebGpuLimitsError(firstLine(message), cause);
    case 'DeviceLostError':
      return new GpuDeviceLostError('while loading (usually out of GPU memory)', cause);
    case 'ModelNotLoadedError':
    case 'WorkerEngineModelNotLoadedError':
      // web-llm unloads itself when the device is lost; if we thought a model was loaded, that is what happened.
      return ctx.loaded ? new GpuDeviceLostError('web-llm unloaded the model (device lost)', cause) : new ModelNotLoadedError(ctx.operation ?? 'run');
    case 'ContextWindowSizeExceededError': {
      const n = contextNumbers(message);
      return n ? new ContextWindowExceededError(n.prompt, 0, n.window) : new EngineRequestError(firstLine(message), 'shorten the prompt');
    }
    case 'ModelNotFoundError':
      return new EngineRequestError(`no model record for ${model} in the webgpu registry`, 'add the model (by URL or local import) before loading it');
    case 'MissingModelError':
      return new ArtifactMissingError('model lib (.wasm)', 'the model record has no model_lib', cause);
    case 'UnsupportedTokenizerFilesError':
      return new ArtifactMissingError('tokenizer.json', firstLine(message), cause);
    case 'IntegrityError': {
      const e = err as { url?: unknown; expected?: unknown; actual?: unknown };
      if (typeof e.url === 'string' && typeof e.expected === 'string' && typeof e.actual === 'string') {
        return new ArtifactChecksumError(e.url, 'sha256', e.expected, e.actual);
      }
      return new ArtifactCorruptError(ctx.url ?? 'a model file', firstLine(message), undefined, cause);
    }
    case 'QuotaExceededError':
      return new StorageQuotaError(firstLine(message) || 'quota exceeded', cause);
    case 'AbortError':
      return new LoadAbortedError(model);
    case 'CompileError':
    case 'LinkError':
      return new ArtifactCorruptError(ctx.url ?? 'model lib (.wasm)', `not a usable WebAssembly model library (${firstLine(message)}); a 404 page served instead of the .wasm looks like this`, undefined, cause);
    default:
      break;
  }

  // The wasm exited (emscripten ExitStatus): the runtime said why in its log, not in the error.
  if (/ExitStatus|Program terminated with exit\(/.test(message) && ctx.runtimeLog?.length) {
    const said = [...ctx.runtimeLog].reverse().find((l) => RUNTIME_MISMATCH.test(l));
    if (said && ctx.operation === 'load') {
      const missing = /Cannot find (?:parameter in cache: (\S+)|(\S+) in cache)/.exec(said);
      return new ModelLibMismatchError(model, missing ? `it needs parameter ${missing[1] ?? missing[2]}, which the weights do not have` : `the TVM runtime stopped: ${firstLine(said).slice(0, 300)}`, cause);
    }
  }

  // tvm runtime (vm/tensor_cache_support.cc) when the lib asks for a parameter the weights lack.
  const missingParam = /Cannot find (?:parameter in cache: (\S+)|(\S+) in cache)/.exec(message);
  if (missingParam) {
    return new ModelLibMismatchError(model, `it needs parameter ${missingParam[1] ?? missingParam[2]}, which the weights do not have`, cause);
  }
  if (/quota ?exceeded/i.test(message)) return new StorageQuotaError(firstLine(message), cause);
  if (/unable to find a compatible gpu/i.test(message)) return new WebGpuUnavailableError('requestAdapter() returned no adapter', cause);
  if (/cannot initialize runtime because of requested/i.test(message)) return new WebGpuLimitsError(firstLine(message), cause);
  if (NETWORK_MESSAGES.some((re) => re.test(message))) {
    const url = ctx.url ?? urlInMessage(message);
    return new ModelNetworkError(url, `${firstLine(message)} (server unreachable, HTTP error, or blocked by CORS)`, cause);
  }
  if (OOM_MESSAGES.some((re) => re.test(message))) return new GpuOutOfMemoryError(firstLine(message), cause);
  if (DEVICE_LOST_MESSAGES.some((re) => re.test(message))) return new GpuDeviceLostError(firstLine(message), cause);
  if (name === 'SyntaxError' && /json/i.test(message) && /Unexpected token '<'|<!doctype|<html/i.test(message)) {
    // An HTML page where JSON was expected: a dev/preview server's index.html for a missing file.
    return new ArtifactMissingError(ctx.url ?? 'a model JSON file', `the server answered with an HTML page instead of JSON (${firstLine(message)}): the file is missing there`, cause);
  }
  if (name === 'SyntaxError' && /json/i.test(message)) {
    return new ArtifactCorruptError(ctx.url ?? 'a model JSON file', `not valid JSON (${firstLine(message)})`, undefined, cause);
  }
  return new WebLlmError(name, firstLine(message), cause);
}
