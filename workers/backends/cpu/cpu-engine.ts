/**
 * The cpu backend: the Engine contract over an MLC Llama folder, computed in TypeScript.
 * It is the reference the webgpu backend is checked against and the engine that runs without a
 * GPU (tests, CLI, any browser). It reads files through a FileSource factory, so the same class
 * loads from a directory in Node (nodeFileSource) and from URLs in a worker (fetchFileSource).
 */
import type {
  CallStats,
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
  TokenLogprob,
} from '../../../src/core/engine.ts';
import {
  ArtifactMissingError,
  ContextWindowExceededError,
  EngineRequestError,
  ModelNotLoadedError,
} from '../../../src/core/engine-errors.ts';
import { CHAT_CONFIG_FILE, parseChatConfig, type MlcChatConfig } from '../../../src/core/mlc/chat-config.ts';
import { fetchFileSource, readJsonFile, type FileSource } from '../../../src/core/mlc/file-source.ts';
import { parseQuantization } from '../../../src/core/mlc/quantization.ts';
import { loadTensorStore, openTensorCache } from '../../../src/core/mlc/reader.ts';
import { matmul, matmulNaive } from './linear.ts';
import { LlamaRunner } from './llama-runner.ts';
import { ModelTokenizer } from './tokenizer.ts';
import { llamaWeightsFromStore } from './weights.ts';

export const CPU_BACKEND = 'cpu';

export interface CpuEngineOptions {
  /** Opens a model folder by spec.url. Default: fetch (browser/worker; relative URLs need `origin`). */
  openFiles?: (url: string) => FileSource;
  /** 'naive' runs the unblocked baseline kernels (bench only). */
  kernels?: 'blocked' | 'naive';
  /** Yield to the event loop at least this often while decoding, so interrupt() gets through. */
  yieldEveryMs?: number;
}

interface Loaded {
  spec: ModelSpec;
  config: MlcChatConfig;
  contextWindow: number;
  tokenizer: ModelTokenizer;
  runner: LlamaRunner;
  info: LoadedModelInfo;
}

const zeroStats = (): CallStats => ({ prefillTokens: 0, decodeTokens: 0, prefillMs: 0, decodeMs: 0 });
const now = () => performance.now();
const yieldToEventLoop = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/** log-softmax normalizer of a logits row: max + log Σ exp(l − max), in double. */
function logSumExp(logits: Float32Array, off: number, V: number): number {
  let max = -Infinity;
  for (let i = 0; i < V; i++) if (logits[off + i] > max) max = logits[off + i];
  let s = 0;
  for (let i = 0; i < V; i++) s += Math.exp(logits[off + i] - max);
  return max + Math.log(s);
}

/** Greedy choice: the highest logit, the lowest id on ties. */
function argmax(logits: Float32Array, off: number, V: number): number {
  let best = 0;
  let bv = logits[off];
  for (let i = 1; i < V; i++) {
    if (logits[off + i] > bv) {
      bv = logits[off + i];
      best = i;
    }
  }
  return best;
}

/** The k best ids of a row, best first (ties: lower id first). */
function topK(logits: Float32Array, off: number, V: number, k: number): number[] {
  const best: number[] = [];
  for (let i = 0; i < V; i++) {
    const v = logits[off + i];
    if (best.length === k && v <= logits[off + best[k - 1]]) continue;
    let j = best.length < k ? best.length : k - 1;
    best[j] = i;
    while (j > 0 && logits[off + best[j - 1]] < v) {
      best[j] = best[j - 1];
      best[j - 1] = i;
      j--;
    }
  }
  return best;
}

export class CpuEngine implements Engine {
  private readonly opts: Required<Pick<CpuEngineOptions, 'kernels' | 'yieldEveryMs'>> & CpuEngineOptions;
  private loaded: Loaded | undefined;
  private interruptRequested = false;
  private totals: EngineStats = { ...zeroStats(), calls: 0 };

  constructor(opts: CpuEngineOptions = {}) {
    this.opts = { kernels: 'blocked', yieldEveryMs: 25, ...opts };
  }

  async load(spec: ModelSpec, onProgress?: (p: LoadProgress) => void): Promise<LoadedModelInfo> {
    await this.unload();
    const source = (this.opts.openFiles ?? ((url: string) => fetchFileSource(url)))(spec.url);
    onProgress?.({ phase: 'fetch', fraction: 0, text: `reading ${CHAT_CONFIG_FILE}` });
    const config = parseChatConfig(await readJsonFile(source, CHAT_CONFIG_FILE));
    const quant = parseQuantization(config.quantization);
    const tokenizerJson = await readJsonFile(source, 'tokenizer.json');
    let tokenizerConfig: unknown;
    try {
      tokenizerConfig = await readJsonFile(source, 'tokenizer_config.json');
    } catch (e) {
      if (!(e instanceof ArtifactMissingError)) throw e;
    }
    const tokenizer = ModelTokenizer.fromJson(tokenizerJson, tokenizerConfig);
    const opened = await openTensorCache(source);
    const store = await loadTensorStore(source, {
      opened,
      onProgress: (p) =>
        onProgress?.({
          phase: 'fetch',
          fraction: 0.95 * (p.loadedBytes / Math.max(1, p.totalBytes)),
          loadedBytes: p.loadedBytes,
          totalBytes: p.totalBytes,
          text: `loaded ${p.file}`,
        }),
    });
    onProgress?.({ phase: 'init', fraction: 0.97, text: 'building the model' });
    const weights = llamaWeightsFromStore(store, config.model, quant);
    const contextWindow = spec.contextWindow ?? config.model.contextWindowSize;
    const model = { ...config.model, contextWindowSize: contextWindow };
    const runner = new LlamaRunner(model, weights, { matmul: this.opts.kernels === 'naive' ? matmulNaive : matmul });
    const info: LoadedModelInfo = {
      id: spec.id,
      backend: CPU_BACKEND,
      vocabSize: config.model.vocabSize,
      contextWindow,
      bosId: config.bosTokenId,
      eosId: config.eosTokenIds[0] ?? 2,
    };
    this.loaded = { spec, config, contextWindow, tokenizer, runner, info };
    this.totals = { ...zeroStats(), calls: 0 };
    onProgress?.({ phase: 'done', fraction: 1, loadedBytes: opened.totalBytes, totalBytes: opened.totalBytes, text: `${spec.id} ready (cpu)` });
    return info;
  }

  async unload(): Promise<void> {
    this.loaded?.runner.freeCache();
    this.loaded = undefined;
  }

  private need(operation: string): Loaded {
    if (!this.loaded) throw new ModelNotLoadedError(operation);
    return this.loaded;
  }

  async tokenize(text: string, opts?: { bos?: boolean }): Promise<number[]> {
    const m = this.need('tokenize');
    const ids = m.tokenizer.encode(text);
    return opts?.bos ? [m.config.bosTokenId, ...ids] : ids;
  }

  async detokenize(ids: number[]): Promise<string> {
    return this.need('detokenize').tokenizer.decode(ids);
  }

  private promptIds(m: Loaded, prompt: PromptInput): number[] {
    let ids: number[];
    if ('ids' in prompt) ids = prompt.ids;
    else {
      ids = m.tokenizer.encode(prompt.text);
      if (prompt.bos) ids = [m.config.bosTokenId, ...ids];
    }
    if (ids.length === 0) throw new EngineRequestError('the prompt has no tokens', 'pass a non-empty prompt, or set bos: true');
    this.checkIds(m, ids);
    return ids;
  }

  private checkIds(m: Loaded, ids: readonly number[]): void {
    const V = m.config.model.vocabSize;
    for (const id of ids) {
      if (!Number.isInteger(id) || id < 0 || id >= V) throw new EngineRequestError(`token id ${id} is outside the vocabulary (0..${V - 1})`);
    }
  }

  private record(stats: CallStats): void {
    this.totals.calls += 1;
    this.totals.prefillTokens += stats.prefillTokens;
    this.totals.decodeTokens += stats.decodeTokens;
    this.totals.prefillMs += stats.prefillMs;
    this.totals.decodeMs += stats.decodeMs;
  }

  async generate(req: GenerateRequest): Promise<GenerateResult> {
    const m = this.need('generate');
    if (!Number.isInteger(req.maxTokens) || req.maxTokens < 0) throw new EngineRequestError(`maxTokens must be a non-negative integer, got ${req.maxTokens}`);
    const ids = this.promptIds(m, req.prompt);
    if (ids.length + req.maxTokens > m.contextWindow) throw new ContextWindowExceededError(ids.length, req.maxTokens, m.contextWindow);
    this.interruptRequested = false;
    const stats = zeroStats();
    const stopAtEos = req.stopAtEos ?? true;
    const stops = (req.stop ?? []).filter((s) => s.length > 0);
    const eos = new Set(m.config.eosTokenIds);
    const V = m.config.model.vocabSize;
    const generated: number[] = [];
    let text = '';
    let finishReason: GenerateResult['finishReason'] = 'length';
    if (req.maxTokens > 0) {
      let t0 = now();
      const pre = m.runner.run(ids, [ids.length - 1]);
      stats.prefillTokens = pre.computed;
      stats.prefillMs = now() - t0;
      let logits = pre.logits;
      const context = [...ids];
      let lastYield = now();
      for (;;) {
        const next = argmax(logits, 0, V);
        if (stopAtEos && eos.has(next)) {
          finishReason = 'eos';
          break;
        }
        generated.push(next);
        text = m.tokenizer.decode(generated);
        const cut = stops.reduce((at, s) => {
          const i = text.indexOf(s);
          return i >= 0 && i < at ? i : at;
        }, Infinity);
        if (cut !== Infinity) {
          text = text.slice(0, cut);
          finishReason = 'stop';
          break;
        }
        if (generated.length >= req.maxTokens) break;
        if (now() - lastYield >= this.opts.yieldEveryMs) {
          await yieldToEventLoop();
          lastYield = now();
        }
        if (this.interruptRequested) {
          finishReason = 'interrupted';
          break;
        }
        context.push(next);
        t0 = now();
        logits = m.runner.run(context, [context.length - 1]).logits;
        stats.decodeMs += now() - t0;
        stats.decodeTokens += 1;
      }
    }
    this.interruptRequested = false;
    this.record(stats);
    return { text, tokenIds: generated, finishReason, promptTokens: ids.length, stats };
  }

  async scoreNext(prompt: PromptInput, candidateIds: number[], opts?: { topK?: number }): Promise<ScoreNextResult> {
    const m = this.need('score');
    const ids = this.promptIds(m, prompt);
    if (ids.length > m.contextWindow) throw new ContextWindowExceededError(ids.length, 0, m.contextWindow);
    this.checkIds(m, candidateIds);
    const V = m.config.model.vocabSize;
    const t0 = now();
    const { logits, computed } = m.runner.run(ids, [ids.length - 1]);
    const stats: CallStats = { ...zeroStats(), prefillTokens: computed, prefillMs: now() - t0 };
    const lse = logSumExp(logits, 0, V);
    const result: ScoreNextResult = { logprobs: candidateIds.map((id) => logits[id] - lse), promptTokens: ids.length, stats };
    const k = Math.min(V, Math.max(0, Math.floor(opts?.topK ?? 0)));
    if (k > 0) result.top = topK(logits, 0, V, k).map((id) => ({ id, token: m.tokenizer.piece(id), logprob: logits[id] - lse }));
    this.record(stats);
    return result;
  }

  async loglikelihood(prompt: PromptInput, continuation: string | number[]): Promise<LoglikelihoodResult> {
    const m = this.need('score');
    const ids = this.promptIds(m, prompt);
    const cont = typeof continuation === 'string' ? m.tokenizer.encode(continuation) : continuation;
    if (cont.length === 0) throw new EngineRequestError('the continuation has no tokens', 'pass a non-empty continuation');
    this.checkIds(m, cont);
    if (ids.length + cont.length > m.contextWindow) throw new ContextWindowExceededError(ids.length, cont.length, m.contextWindow);
    const V = m.config.model.vocabSize;
    const all = [...ids, ...cont.slice(0, -1)];
    const positions = cont.map((_, i) => ids.length - 1 + i);
    const t0 = now();
    const { logits, computed } = m.runner.run(all, positions);
    const stats: CallStats = { ...zeroStats(), prefillTokens: computed, prefillMs: now() - t0 };
    const tokens: TokenLogprob[] = [];
    let total = 0;
    let isGreedy = true;
    cont.forEach((id, i) => {
      const off = i * V;
      const lp = logits[off + id] - logSumExp(logits, off, V);
      total += lp;
      if (argmax(logits, off, V) !== id) isGreedy = false;
      tokens.push({ id, token: m.tokenizer.piece(id), logprob: lp });
    });
    this.record(stats);
    return { logprob: total, tokens, isGreedy, stats };
  }

  async interrupt(): Promise<void> {
    this.interruptRequested = true;
  }

  async stats(): Promise<EngineStats> {
    return { ...this.totals };
  }

  /** What is loaded (undefined before load). */
  get info(): LoadedModelInfo | undefined {
    return this.loaded?.info;
  }
}
