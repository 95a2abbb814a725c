/**
 * Errors of the openai backend: what went wrong between ftlab and an OpenAI-compatible server,
 * each with a stable `code` and a next step. Retries (429, 5xx, dropped connections, timeouts)
 * happen before any of these is raised: an error here is what is left after them.
 */
import { FtlabError } from '../../../src/core/errors.ts';

/** No answer at all: connection refused, DNS, a dropped connection, or CORS in a browser. */
export class ServerUnreachableError extends FtlabError {
  constructor(
    readonly url: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(
      'server-unreachable',
      `no answer from ${url}: ${detail}`,
      'check that the server is running and the --base-url (host, port, /v1); from the page, the server must allow its origin (CORS: vLLM --allowed-origins, llama.cpp server --cors or allow_origins)',
      options,
    );
  }
}

/** The server answered with an HTTP error that retrying does not fix (a 4xx, or 5xx after every retry). */
export class ServerHttpError extends FtlabError {
  constructor(
    readonly url: string,
    readonly status: number,
    detail: string,
  ) {
    super(
      'server-http',
      `${url} answered HTTP ${status}: ${detail}`,
      status === 401 || status === 403
        ? 'the server wants an API key: set it in an environment variable and pass --api-key-env VAR'
        : status >= 500
          ? 'the server failed on every retry; look at its log'
          : 'the server refused the request as sent; its message above says which field',
    );
  }
}

/** No complete answer within the request timeout (after every retry). */
export class ServerTimeoutError extends FtlabError {
  constructor(
    readonly url: string,
    readonly timeoutMs: number,
  ) {
    super('server-timeout', `${url} did not answer within ${timeoutMs} ms`, 'raise --timeout-ms, lower --concurrency, or check that the server is not stuck');
  }
}

/** The model name is not among the server's /v1/models (some servers would answer with whatever is loaded). */
export class ModelNotServedError extends FtlabError {
  constructor(
    readonly url: string,
    readonly model: string,
    readonly served: readonly string[],
  ) {
    super(
      'model-not-served',
      `${url} does not serve a model named "${model}"; it serves ${served.length > 0 ? served.map((m) => JSON.stringify(m)).join(', ') : 'no model'}`,
      'pass one of the served names to --model (a LoRA adapter is its own name: vLLM --lora-modules NAME=PATH)',
    );
  }
}

/** The answer is not what the OpenAI completions API promises (a field missing, a wrong type). */
export class ServerProtocolError extends FtlabError {
  constructor(url: string, detail: string) {
    super('server-protocol', `${url} sent an answer ftlab cannot read: ${detail}`, 'the server is not OpenAI-compatible enough for this request; see README "The openai backend"');
  }
}

/** The server saw other tokens than ftlab's tokenizer made of the same text. */
export class TokenizationMismatchError extends FtlabError {
  constructor(detail: string) {
    super(
      'tokenization-mismatch',
      `the server tokenized the prompt differently from the model's tokenizer.json: ${detail}`,
      'point --tokenizer at the tokenizer.json of the served model (the same files the server loaded)',
    );
  }
}
