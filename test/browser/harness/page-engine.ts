/**
 * An Engine in Node whose every call runs in the browser: the page-side engine client
 * (src/engine-client, exactly as the app uses it) on the real engine worker, driven with
 * page.evaluate. It lets the one Engine contract suite (test/contract/engine-contract.ts) run on
 * the webgpu backend in Chromium, web-llm's real MLCEngine included.
 *
 * Errors come back as what the page saw (code, hint, name) and are rebuilt with the protocol's
 * own decoder, so `instanceof ContextWindowExceededError` and `.code` hold in Node too.
 * Progress events (load) and streamed tokens (generate's onToken) are collected in the page and
 * replayed, in order, before the call resolves in Node.
 */
import type { Page } from 'playwright-core';
import type { Engine, EngineStats, GenerateRequest, GenerateResult, LoadedModelInfo, LoadProgress, LoglikelihoodResult, ModelSpec, PromptInput, ScoreNextResult, StreamedToken } from '../../../src/core/engine.ts';
import { decodeError } from '../../../workers/protocol.ts';
import type { EngineTestApi } from '../pages/engine-page.ts';

type Backend = 'cpu' | 'webgpu';

interface PageError {
  isFtlab: boolean;
  name: string;
  message: string;
  code?: string;
  hint?: string;
  /** The error's own primitive fields (promptTokens, contextWindow, file...). */
  fields?: Record<string, string | number | boolean | null>;
}
type Outcome<T> = { ok: true; value: T; progress?: LoadProgress[]; streamed?: StreamedToken[] } | { ok: false; error: PageError };

declare const window: { ftlabTest: EngineTestApi; ftlabEngines?: Map<number, ReturnType<EngineTestApi['createEngineClient']>> };

let nextHandle = 1;

export class PageEngine implements Engine {
  private readonly handle = nextHandle++;
  private created: Promise<void> | null = null;

  constructor(
    private readonly page: Page,
    private readonly backend: Backend,
  ) {}

  private async ensureClient(): Promise<void> {
    this.created ??= this.page.evaluate((handle) => {
      window.ftlabEngines ??= new Map();
      window.ftlabEngines.set(handle, window.ftlabTest.createEngineClient());
    }, this.handle);
    await this.created;
  }

  /** Runs `method(...args)` on this engine's client in the page. */
  private async callFull<T>(method: string, args: unknown[], stream = false): Promise<{ value: T; progress: LoadProgress[]; streamed: StreamedToken[] }> {
    await this.ensureClient();
    const out = (await this.page.evaluate(
      async ({ handle, method, args, backend, stream }) => {
        const client = window.ftlabEngines!.get(handle)! as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>;
        const progress: unknown[] = [];
        const streamed: unknown[] = [];
        try {
          let callArgs = args;
          if (method === 'load') callArgs = [args[0], (p: unknown) => progress.push(p), { backend }];
          if (stream) callArgs = [{ ...(args[0] as object), onToken: (t: unknown) => streamed.push(t) }];
          const value = await client[method](...callArgs);
          // Progress crosses the worker on its own port: let the last events land.
          if (method === 'load') for (let i = 0; i < 50 && (progress.at(-1) as { phase?: string } | undefined)?.phase !== 'done'; i++) await new Promise((r) => setTimeout(r, 10));
          return { ok: true, value, progress, streamed };
        } catch (e) {
          const err = e as Error & { code?: string; hint?: string };
          const fields: Record<string, unknown> = {};
          for (const [k, v] of Object.entries(err)) if (v === null || ['string', 'number', 'boolean'].includes(typeof v)) fields[k] = v;
          return {
            ok: false,
            error: { isFtlab: e instanceof window.ftlabTest.FtlabError, name: err.name, message: err.message, fields, ...(err.code ? { code: err.code } : {}), ...(err.hint ? { hint: err.hint } : {}) },
          };
        }
      },
      { handle: this.handle, method, args, backend: this.backend, stream },
    )) as Outcome<T>;
    if (!out.ok) {
      const e = out.error;
      throw decodeError({ kind: e.isFtlab ? 'ftlab' : 'error', name: e.name, message: e.message, ...(e.code ? { code: e.code } : {}), ...(e.hint ? { hint: e.hint } : {}), ...(e.fields ? { fields: e.fields } : {}) });
    }
    return { value: out.value, progress: out.progress ?? [], streamed: out.streamed ?? [] };
  }

  private async call<T>(method: string, args: unknown[]): Promise<T> {
    return (await this.callFull<T>(method, args)).value;
  }

  async load(model: ModelSpec, onProgress?: (p: LoadProgress) => void): Promise<LoadedModelInfo> {
    const { value, progress } = await this.callFull<LoadedModelInfo>('load', [model]);
    for (const p of progress) onProgress?.(p);
    return value;
  }
  unload(): Promise<void> {
    return this.call('unload', []);
  }
  tokenize(text: string, opts?: { bos?: boolean }): Promise<number[]> {
    return this.call('tokenize', opts ? [text, opts] : [text]);
  }
  detokenize(ids: number[]): Promise<string> {
    return this.call('detokenize', [ids]);
  }
  async generate(req: GenerateRequest): Promise<GenerateResult> {
    const { onToken, ...plain } = req;
    const { value, streamed } = await this.callFull<GenerateResult>('generate', [plain], onToken !== undefined);
    for (const t of streamed) onToken?.(t);
    return value;
  }
  scoreNext(prompt: PromptInput, candidateIds: number[], opts?: { topK?: number }): Promise<ScoreNextResult> {
    return this.call('scoreNext', opts ? [prompt, candidateIds, opts] : [prompt, candidateIds]);
  }
  loglikelihood(prompt: PromptInput, continuation: string | number[]): Promise<LoglikelihoodResult> {
    return this.call('loglikelihood', [prompt, continuation]);
  }
  interrupt(): Promise<void> {
    return this.call('interrupt', []);
  }
  stats(): Promise<EngineStats> {
    return this.call('stats', []);
  }

  /** Ends the page-side worker. */
  async terminate(): Promise<void> {
    if (!this.created) return;
    await this.page
      .evaluate((handle) => {
        window.ftlabEngines?.get(handle)?.terminate();
        window.ftlabEngines?.delete(handle);
      }, this.handle)
      .catch(() => undefined);
  }
}
