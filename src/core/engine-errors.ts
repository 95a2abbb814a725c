/**
 * Errors every engine backend raises (the TypeScript cpu reference, the webgpu backend), kept
 * framework-free so both backends, the worker and the page can match on the same `code`s.
 */
import { FtlabError } from './errors.ts';

/** The prompt plus the requested new tokens do not fit the model's context window. */
export class ContextWindowExceededError extends FtlabError {
  readonly promptTokens: number;
  readonly maxTokens: number;
  readonly contextWindow: number;

  /** `atLeast`: the prompt was refused before it was fully tokenized; promptTokens is a lower bound. */
  constructor(promptTokens: number, maxTokens: number, contextWindow: number, opts: { atLeast?: boolean } = {}) {
    super(
      'context-window-exceeded',
      `prompt (${opts.atLeast ? 'at least ' : ''}${promptTokens} tokens) + ${maxTokens} new tokens exceed the context window of ${contextWindow} tokens`,
      'shorten the prompt (fewer in-context examples), lower the new-token budget, or load the model with a larger context window',
    );
    this.promptTokens = promptTokens;
    this.maxTokens = maxTokens;
    this.contextWindow = contextWindow;
  }
}

/** The model computed NaN or an infinity: its numbers cannot be reported. */
export class NonFiniteOutputError extends FtlabError {
  constructor(
    readonly modelId: string,
    value: number,
    tokenId: number,
  ) {
    super(
      'non-finite-output',
      `model "${modelId}" produced a non-finite logit (${value} for token id ${tokenId}): its results would be meaningless`,
      'the weights are broken or overflow in this dtype: re-convert the model (try float32 or q4f32_1), or check it with the cpu engine',
    );
  }
}

/** A call that needs a model came before load() finished (or after unload()). */
export class ModelNotLoadedError extends FtlabError {
  constructor(operation: string) {
    super('model-not-loaded', `cannot ${operation}: no model is loaded`, 'load a model first');
  }
}

/** Base of the errors about a model's files: which file, and (when known) which tensor. */
export class ArtifactError extends FtlabError {
  readonly file: string;
  readonly tensor: string | undefined;

  constructor(code: string, file: string, message: string, hint: string, tensor?: string, options?: { cause?: unknown }) {
    super(code, message, hint, options);
    this.file = file;
    this.tensor = tensor;
  }
}

/** A file the model needs could not be read (absent, unreachable, HTTP error). */
export class ArtifactMissingError extends ArtifactError {
  constructor(file: string, detail: string, options?: { cause?: unknown }) {
    super(
      'artifact-missing',
      file,
      `model file ${file} could not be read: ${detail}`,
      'check the model folder/URL; for the tiny test models run `npm run make-tiny-model`',
      undefined,
      options,
    );
  }
}

/**
 * A file could not be fetched at all: server down, connection refused, wrong host, or a CORS
 * refusal (browsers report all of these as the same TypeError). Both backends raise it.
 */
export class ModelNetworkError extends FtlabError {
  readonly url: string | undefined;
  /** The model file being fetched, relative to the model folder, when known. */
  readonly file: string | undefined;

  constructor(url: string | undefined, detail: string, options?: { cause?: unknown; file?: string }) {
    super(
      'network',
      `could not fetch ${url ?? 'a model file'}: ${detail}`,
      'check the URL and that the server is up; a server on another origin must send Access-Control-Allow-Origin (CORS); a plain folder needs mlc-chat-config.json, tensor-cache.json, tokenizer.json and the shards side by side',
      options,
    );
    this.url = url;
    this.file = options?.file;
  }
}

/** A file is there but its content is wrong: bad JSON, missing field, size or shape mismatch. */
export class ArtifactCorruptError extends ArtifactError {
  constructor(file: string, detail: string, tensor?: string, options?: { cause?: unknown }) {
    super(
      'artifact-corrupt',
      file,
      tensor ? `model file ${file}, tensor ${tensor}: ${detail}` : `model file ${file}: ${detail}`,
      're-download or re-convert the model (an interrupted download leaves truncated shards)',
      tensor,
      options,
    );
  }
}

/** The artifacts are well-formed but describe something this backend cannot run. */
export class UnsupportedModelError extends FtlabError {
  constructor(detail: string, hint = 'use a Llama-architecture MLC conversion in float32/float16/bfloat16, q4f16_1 or q4f32_1') {
    super('model-unsupported', `unsupported model: ${detail}`, hint);
  }
}

/** The requested backend cannot run in this environment (e.g. webgpu from Node). */
export class EngineUnavailableError extends FtlabError {
  constructor(engine: string, detail: string, hint: string) {
    super('engine-unavailable', `engine "${engine}" is not available: ${detail}`, hint);
  }
}

/** A bad request to an engine (e.g. maxTokens < 0, empty prompt, token id out of range). */
export class EngineRequestError extends FtlabError {
  constructor(detail: string, hint = 'check the request arguments') {
    super('engine-request', detail, hint);
  }
}
