/**
 * The HTTP side of the openai backend: JSON POSTs and GETs to one or more base URLs of
 * OpenAI-compatible servers, with at most `concurrency` requests in flight (over all URLs), a
 * timeout per request, and retries with exponential backoff on 429, 5xx, timeouts and dropped
 * connections. A 4xx other than 429 is the request's fault and is raised at once.
 *
 * Several base URLs are replicas serving the same models (or one load balancer given twice):
 * each request goes to the URL with the fewest requests in flight, a retry to the next one.
 * Runs in Node and in a browser worker (fetch only).
 *
 * `postStream` reads a server-sent-events answer (`stream: true`): each `data:` event's JSON is
 * handed over as it arrives, until `data: [DONE]`. A try is retried only while no event has been
 * handed over (after that, the caller has shown tokens: a stream that breaks is an error).
 */
import { ServerHttpError, ServerTimeoutError, ServerUnreachableError } from './errors.ts';

export interface ServerPoolOptions {
  /** Base URLs ending in /v1 (a URL without a path gets /v1 appended). */
  baseUrls: readonly string[];
  apiKey?: string;
  /** Per request, ms. */
  timeoutMs: number;
  /** Requests in flight over all URLs. */
  concurrency: number;
  /** Retries after the first try. */
  retries: number;
  /** First retry delay (ms); doubles each time, capped at 30 s; a 429's Retry-After wins. */
  backoffMs: number;
  fetchImpl?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
}

/** One answer: the URL that gave it and its JSON body. */
export interface PoolAnswer<T = unknown> {
  baseUrl: string;
  body: T;
}

/** Retry statistics, for the bench and the records' provenance. */
export interface PoolStats {
  requests: number;
  retries: number;
}

/** "http://host:8000" → "http://host:8000/v1"; "http://host:8000/v1/" → "http://host:8000/v1". */
export function normalizeBaseUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new ServerUnreachableError(url, 'not a URL (expected e.g. http://127.0.0.1:8000/v1)');
  }
  const pathname = u.pathname.replace(/\/+$/, '');
  u.pathname = pathname === '' ? '/v1' : pathname;
  return u.toString().replace(/\/+$/, '');
}

/** The server's root (vLLM's /tokenize lives there, not under /v1). */
export function rootOf(baseUrl: string): string {
  return baseUrl.replace(/\/v1$/, '');
}

class Semaphore {
  private free: number;
  private readonly waiting: (() => void)[] = [];
  constructor(n: number) {
    this.free = n;
  }
  async acquire(): Promise<void> {
    if (this.free > 0) {
      this.free--;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }
  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.free++;
  }
}

/** Why one try failed, and whether another try may succeed. */
type TryFailure = { retry: boolean; error: Error; retryAfterMs?: number };

const isAbort = (e: unknown): boolean => (e as Error)?.name === 'AbortError' || (e as Error)?.name === 'TimeoutError';

export class ServerPool {
  readonly baseUrls: readonly string[];
  readonly stats: PoolStats = { requests: 0, retries: 0 };
  private readonly inFlight: number[];
  private readonly slots: Semaphore;
  private next = 0;
  private readonly fetchImpl: typeof fetch;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly opts: ServerPoolOptions) {
    if (opts.baseUrls.length === 0) throw new ServerUnreachableError('(none)', 'no base URL given');
    this.baseUrls = opts.baseUrls.map(normalizeBaseUrl);
    this.inFlight = this.baseUrls.map(() => 0);
    this.slots = new Semaphore(Math.max(1, Math.floor(opts.concurrency)));
    this.fetchImpl = opts.fetchImpl ?? ((input, init) => fetch(input, init));
    this.sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  /** The least busy URL; ties go round-robin. */
  private pick(avoid?: number): number {
    let best = -1;
    for (let k = 0; k < this.baseUrls.length; k++) {
      const i = (this.next + k) % this.baseUrls.length;
      if (i === avoid && this.baseUrls.length > 1) continue;
      if (best < 0 || this.inFlight[i] < this.inFlight[best]) best = i;
    }
    this.next = (best + 1) % this.baseUrls.length;
    return best;
  }

  /** POST JSON to `path` (relative to a base URL, e.g. "/completions") on the pool. */
  post<T = unknown>(path: string, body: unknown, opts: { signal?: AbortSignal; root?: boolean; retries?: number } = {}): Promise<PoolAnswer<T>> {
    return this.request<T>('POST', path, body, opts);
  }

  /**
   * POST JSON to `path` and read the answer as server-sent events, calling `onEvent` with each
   * event's JSON (and the URL answering) as it arrives. Resolves with that URL at `[DONE]` or at
   * the end of the stream.
   */
  async postStream(path: string, body: unknown, onEvent: (json: unknown, baseUrl: string) => void, opts: { signal?: AbortSignal } = {}): Promise<string> {
    return (await this.request<string>('POST', path, body, { ...opts, onEvent })).body;
  }

  /** GET `path` from ONE given base URL (e.g. /models, checked on every URL). */
  async getFrom<T = unknown>(baseUrl: string, path: string): Promise<T> {
    const i = this.baseUrls.indexOf(baseUrl);
    return (await this.request<T>('GET', path, undefined, { only: i < 0 ? 0 : i })).body;
  }

  private async request<T>(method: string, path: string, body: unknown, opts: RequestOptions): Promise<PoolAnswer<T>> {
    await this.slots.acquire();
    try {
      let last: TryFailure | undefined;
      let previous: number | undefined;
      const retries = opts.retries ?? this.opts.retries;
      for (let attempt = 0; attempt <= retries; attempt++) {
        if (attempt > 0) {
          this.stats.retries++;
          const backoff = Math.min(30_000, this.opts.backoffMs * 2 ** (attempt - 1));
          await this.sleep(Math.max(backoff, last?.retryAfterMs ?? 0));
        }
        if (opts.signal?.aborted) throw opts.signal.reason ?? new DOMException('aborted', 'AbortError');
        const i = opts.only ?? this.pick(previous);
        previous = i;
        this.inFlight[i]++;
        this.stats.requests++;
        try {
          const outcome = opts.onEvent ? await this.tryStream(this.baseUrls[i], path, body, opts.onEvent, opts) : await this.tryOnce(this.baseUrls[i], method, path, body, opts);
          if ('answer' in outcome) return { baseUrl: this.baseUrls[i], body: outcome.answer as T };
          last = outcome;
          if (!outcome.retry) throw outcome.error;
        } finally {
          this.inFlight[i]--;
        }
      }
      throw last!.error;
    } finally {
      this.slots.release();
    }
  }

  private headers(body: unknown, accept: string): Record<string, string> {
    const headers: Record<string, string> = { accept };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.opts.apiKey) headers.authorization = `Bearer ${this.opts.apiKey}`;
    return headers;
  }

  private signals(opts: { signal?: AbortSignal }): { timeout: AbortSignal; signal: AbortSignal } {
    const timeout = AbortSignal.timeout(this.opts.timeoutMs);
    return { timeout, signal: opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout };
  }

  /** A failed fetch or read as a try's outcome (the caller's own cancel is thrown as it is). */
  private transportFailure(url: string, e: unknown, timeout: AbortSignal, opts: { signal?: AbortSignal }): TryFailure {
    if (opts.signal?.aborted) throw e; // the caller's cancel: no retry, no wrapping
    if (timeout.aborted || isAbort(e)) return { retry: true, error: new ServerTimeoutError(url, this.opts.timeoutMs) };
    const cause = (e as { cause?: { code?: string } }).cause;
    return { retry: true, error: new ServerUnreachableError(url, cause?.code ?? (e as Error).message, { cause: e }) };
  }

  private async tryOnce(baseUrl: string, method: string, path: string, body: unknown, opts: { signal?: AbortSignal; root?: boolean }): Promise<{ answer: unknown } | TryFailure> {
    const url = (opts.root ? rootOf(baseUrl) : baseUrl) + path;
    const { timeout, signal } = this.signals(opts);
    let res: Response;
    let text: string;
    try {
      res = await this.fetchImpl(url, { method, headers: this.headers(body, 'application/json'), body: body === undefined ? undefined : JSON.stringify(body), signal });
      text = await res.text();
    } catch (e) {
      return this.transportFailure(url, e, timeout, opts);
    }
    if (res.ok) {
      try {
        return { answer: JSON.parse(text) as unknown };
      } catch {
        return { retry: true, error: new ServerHttpError(url, res.status, `not JSON: ${text.slice(0, 200)}`) };
      }
    }
    return httpFailure(url, res, text);
  }

  private async tryStream(baseUrl: string, path: string, body: unknown, onEvent: (json: unknown, baseUrl: string) => void, opts: { signal?: AbortSignal }): Promise<{ answer: unknown } | TryFailure> {
    const url = baseUrl + path;
    const { timeout, signal } = this.signals(opts);
    let res: Response;
    try {
      res = await this.fetchImpl(url, { method: 'POST', headers: this.headers(body, 'text/event-stream'), body: JSON.stringify(body), signal });
    } catch (e) {
      return this.transportFailure(url, e, timeout, opts);
    }
    if (!res.ok || !res.body) {
      let text = '';
      try {
        text = await res.text();
      } catch (e) {
        return this.transportFailure(url, e, timeout, opts);
      }
      return res.ok ? { retry: true, error: new ServerHttpError(url, res.status, 'an empty body where a stream of events was asked for') } : httpFailure(url, res, text);
    }
    const events = new SseReader();
    let delivered = 0;
    const reader = res.body.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        for (const data of done ? events.end() : events.push(value)) {
          if (data === '[DONE]') {
            void reader.cancel().catch(() => undefined);
            return { answer: baseUrl };
          }
          let json: unknown;
          try {
            json = JSON.parse(data);
          } catch {
            throw new ServerHttpError(url, res.status, `an event that is not JSON: ${data.slice(0, 200)}`);
          }
          delivered++;
          onEvent(json, baseUrl);
        }
        if (done) return { answer: baseUrl };
      }
    } catch (e) {
      if (e instanceof ServerHttpError) return { retry: false, error: e };
      const failure = this.transportFailure(url, e, timeout, opts);
      // Events already handed over cannot be taken back: no retry once the caller has some.
      if (delivered === 0) return failure;
      return { retry: false, error: new ServerUnreachableError(url, `the stream broke after ${delivered} events (${failure.error.message})`, { cause: e }) };
    }
  }
}

interface RequestOptions {
  signal?: AbortSignal;
  root?: boolean;
  only?: number;
  retries?: number;
  onEvent?: (json: unknown, baseUrl: string) => void;
}

/** An HTTP error answer as a try's outcome: 429 and 5xx may succeed on another try. */
function httpFailure(url: string, res: Response, text: string): TryFailure {
  const error = new ServerHttpError(url, res.status, errorDetail(text));
  if (res.status === 429 || res.status >= 500) {
    const after = Number(res.headers.get('retry-after'));
    return { retry: true, error, ...(Number.isFinite(after) && after > 0 ? { retryAfterMs: after * 1000 } : {}) };
  }
  return { retry: false, error };
}

/**
 * Server-sent events (the WHATWG format, what OpenAI-compatible servers stream): bytes in, the
 * `data` of each complete event out (its `data:` lines joined by newlines); comments and other
 * fields are skipped. Events end at a blank line (LF, CRLF or CR).
 */
export class SseReader {
  private readonly decoder = new TextDecoder();
  private buffer = '';
  private data: string[] = [];

  push(bytes: Uint8Array): string[] {
    this.buffer += this.decoder.decode(bytes, { stream: true });
    return this.drain(false);
  }

  /** The end of the stream: a last event without its blank line still counts. */
  end(): string[] {
    this.buffer += this.decoder.decode();
    const out = this.drain(true);
    if (this.data.length > 0) out.push(this.data.join('\n'));
    this.data = [];
    return out;
  }

  private drain(final: boolean): string[] {
    const out: string[] = [];
    // A CR at the very end may be the first half of a CRLF whose LF is in the next chunk.
    const held = !final && this.buffer.endsWith('\r') ? '\r' : '';
    const lines = (held ? this.buffer.slice(0, -1) : this.buffer).split(/\r\n|\r|\n/);
    // The last piece is a line still arriving (empty when the text ended with a line break).
    this.buffer = final ? '' : (lines.pop() ?? '') + held;
    for (const line of lines) {
      if (line === '') {
        if (this.data.length > 0) out.push(this.data.join('\n'));
        this.data = [];
      } else if (line.startsWith('data:')) {
        this.data.push(line.slice(line[5] === ' ' ? 6 : 5));
      }
    }
    return out;
  }
}

/** The server's own words from an error body ({"error": {"message"}}, {"detail"}, {"message"}, or text). */
function errorDetail(text: string): string {
  try {
    const j = JSON.parse(text) as { error?: { message?: unknown } | string; detail?: unknown; message?: unknown };
    const m = typeof j.error === 'object' && j.error ? j.error.message : (j.error ?? j.message ?? j.detail);
    if (m !== undefined) return (typeof m === 'string' ? m : JSON.stringify(m)).slice(0, 400);
  } catch {
    // not JSON: the text itself
  }
  return text.slice(0, 400) || '(empty body)';
}
