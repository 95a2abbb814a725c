/**
 * The evaluation loops of the webgpu backend (greedy generation, next-token scoring, teacher-
 * forced log-likelihood), written against a minimal "forward these ids, give me the logits"
 * interface so they run, and are unit-tested, without a GPU. The web-llm adapter behind that
 * interface is in backend.ts.
 *
 * Decisions that make results match the paper's Hugging Face code rather than web-llm defaults:
 * - the model sees exactly the prompt's ids (BOS only when the prompt says so);
 * - the next token is the argmax of the raw logits, computed here: web-llm's own sampled token
 *   (after its penalties and temperature) is ignored;
 * - log-probs are a float64 log-softmax of the full-vocabulary float32 logits;
 * - the context window is checked before anything runs (web-llm's forwardTokensAndSample checks
 *   none and would overrun its KV cache).
 */
import type {
  CallStats,
  FinishReason,
  GenerateRequest,
  GenerateResult,
  LoglikelihoodResult,
  PromptInput,
  ScoreNextResult,
  TokenLogprob,
} from '../../../src/core/engine.ts';
import { ContextWindowExceededError, EngineRequestError } from '../../../src/core/engine-errors.ts';

/** What the loops need from a loaded model. */
export interface LogitsForwarder {
  /** Empties the KV cache (a new, independent sequence). */
  reset(): Promise<void>;
  /** Appends `ids` to the KV cache; returns the full-vocabulary logits after the last one. */
  forward(ids: number[], isPrefill: boolean): Promise<Float32Array>;
}

export interface TokenizerLike {
  /** Ids of text, never with special tokens. */
  encode(text: string): number[];
  decode(ids: number[]): string;
  idToToken(id: number): string;
}

export interface SequenceModel {
  forwarder: LogitsForwarder;
  tokenizer: TokenizerLike;
  vocabSize: number;
  contextWindow: number;
  bosId: number;
  eosIds: number[];
}

/** float64 log-softmax of float32 logits. */
export function logSoftmax(logits: ArrayLike<number>): Float64Array {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) if (logits[i] > max) max = logits[i];
  let sum = 0;
  for (let i = 0; i < logits.length; i++) sum += Math.exp(logits[i] - max);
  const logZ = max + Math.log(sum);
  const out = new Float64Array(logits.length);
  for (let i = 0; i < logits.length; i++) out[i] = logits[i] - logZ;
  return out;
}

/** Index of the largest value; ties go to the lowest index (as torch.argmax). NaN never wins. */
export function argmax(values: ArrayLike<number>): number {
  let best = -1;
  let bestV = -Infinity;
  for (let i = 0; i < values.length; i++) {
    if (values[i] > bestV) {
      bestV = values[i];
      best = i;
    }
  }
  if (best < 0) throw new EngineRequestError('the model returned no finite logits (all NaN or -Infinity)', 'reload the model; if it persists the weights are broken');
  return best;
}

/** The k largest entries, largest first (ties: lower id first). */
export function topK(logprobs: Float64Array, k: number): { id: number; logprob: number }[] {
  if (k <= 0) return [];
  const best: { id: number; logprob: number }[] = [];
  for (let id = 0; id < logprobs.length; id++) {
    const lp = logprobs[id];
    if (best.length === k && !(lp > best[k - 1].logprob)) continue;
    let pos = best.length;
    while (pos > 0 && lp > best[pos - 1].logprob) pos--;
    best.splice(pos, 0, { id, logprob: lp });
    if (best.length > k) best.pop();
  }
  return best;
}

/** Earliest occurrence of any stop string in text, or -1. */
export function findStop(text: string, stops: readonly string[]): number {
  let at = -1;
  for (const s of stops) {
    if (s === '') continue;
    const i = text.indexOf(s);
    if (i >= 0 && (at < 0 || i < at)) at = i;
  }
  return at;
}

function emptyStats(): CallStats {
  return { prefillTokens: 0, decodeTokens: 0, prefillMs: 0, decodeMs: 0 };
}

/** Runs the Engine's evaluation calls on one loaded model; accumulates work in `total`. */
export class SequenceRunner {
  private interrupted = false;
  readonly total: CallStats & { calls: number } = { ...emptyStats(), calls: 0 };

  constructor(
    private readonly m: SequenceModel,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Asks the running generate() to stop before its next decode step. */
  interrupt(): void {
    this.interrupted = true;
  }

  promptIds(prompt: PromptInput): number[] {
    let ids: number[];
    if ('ids' in prompt) {
      ids = [...prompt.ids];
      this.checkIds(ids, 'prompt');
    } else {
      ids = this.m.tokenizer.encode(prompt.text);
      if (prompt.bos) ids.unshift(this.m.bosId);
    }
    if (ids.length === 0) throw new EngineRequestError('empty prompt: the model needs at least one token', 'give a non-empty prompt (or bos: true)');
    return ids;
  }

  private checkIds(ids: readonly number[], what: string): void {
    for (const id of ids) {
      if (!Number.isInteger(id) || id < 0 || id >= this.m.vocabSize) {
        throw new EngineRequestError(`${what} token id ${id} is outside the vocabulary (0..${this.m.vocabSize - 1})`);
      }
    }
  }

  private checkContext(promptTokens: number, newTokens: number): void {
    if (promptTokens + newTokens > this.m.contextWindow) throw new ContextWindowExceededError(promptTokens, newTokens, this.m.contextWindow);
  }

  private async timed<T>(stats: CallStats, kind: 'prefill' | 'decode', tokens: number, f: () => Promise<T>): Promise<T> {
    const t0 = this.now();
    const out = await f();
    const ms = this.now() - t0;
    if (kind === 'prefill') {
      stats.prefillTokens += tokens;
      stats.prefillMs += ms;
    } else {
      stats.decodeTokens += tokens;
      stats.decodeMs += ms;
    }
    return out;
  }

  private account(stats: CallStats): void {
    this.total.calls += 1;
    this.total.prefillTokens += stats.prefillTokens;
    this.total.decodeTokens += stats.decodeTokens;
    this.total.prefillMs += stats.prefillMs;
    this.total.decodeMs += stats.decodeMs;
  }

  async generate(req: GenerateRequest): Promise<GenerateResult> {
    this.interrupted = false;
    if (!Number.isInteger(req.maxTokens) || req.maxTokens < 0) throw new EngineRequestError(`maxTokens must be a non-negative integer, got ${req.maxTokens}`);
    const prompt = this.promptIds(req.prompt);
    this.checkContext(prompt.length, req.maxTokens);
    const stats = emptyStats();
    const stops = req.stop ?? [];
    const stopAtEos = req.stopAtEos ?? true;
    const tokenIds: number[] = [];
    let text = '';
    let finishReason: FinishReason = 'length';
    if (req.maxTokens === 0) {
      this.account(stats);
      return { text, tokenIds, finishReason, promptTokens: prompt.length, stats };
    }
    await this.m.forwarder.reset();
    let logits = await this.timed(stats, 'prefill', prompt.length, () => this.m.forwarder.forward(prompt, true));
    for (;;) {
      const next = argmax(logits);
      if (stopAtEos && this.m.eosIds.includes(next)) {
        finishReason = 'eos';
        break;
      }
      tokenIds.push(next);
      text = this.m.tokenizer.decode(tokenIds);
      const at = findStop(text, stops);
      if (at >= 0) {
        text = text.slice(0, at);
        finishReason = 'stop';
        break;
      }
      if (tokenIds.length >= req.maxTokens) {
        finishReason = 'length';
        break;
      }
      // Checked between steps: interrupt() arrives while forward() awaits the GPU.
      if (this.interrupted) {
        finishReason = 'interrupted';
        break;
      }
      logits = await this.timed(stats, 'decode', 1, () => this.m.forwarder.forward([next], false));
    }
    this.account(stats);
    return { text, tokenIds, finishReason, promptTokens: prompt.length, stats };
  }

  async scoreNext(prompt: PromptInput, candidateIds: number[], opts: { topK?: number } = {}): Promise<ScoreNextResult> {
    const ids = this.promptIds(prompt);
    this.checkIds(candidateIds, 'candidate');
    this.checkContext(ids.length, 0);
    const stats = emptyStats();
    await this.m.forwarder.reset();
    const logits = await this.timed(stats, 'prefill', ids.length, () => this.m.forwarder.forward(ids, true));
    const lp = logSoftmax(logits);
    const result: ScoreNextResult = { logprobs: candidateIds.map((id) => lp[id]), promptTokens: ids.length, stats };
    const k = opts.topK ?? 0;
    if (k > 0) result.top = topK(lp, k).map(({ id, logprob }) => ({ id, logprob, token: this.m.tokenizer.idToToken(id) }));
    this.account(stats);
    return result;
  }

  async loglikelihood(prompt: PromptInput, continuation: string | number[]): Promise<LoglikelihoodResult> {
    const ids = this.promptIds(prompt);
    const cont = typeof continuation === 'string' ? this.m.tokenizer.encode(continuation) : [...continuation];
    if (cont.length === 0) throw new EngineRequestError('empty continuation: nothing to score', 'give at least one continuation token');
    this.checkIds(cont, 'continuation');
    // KV holds the prompt plus every continuation token but the last.
    this.checkContext(ids.length, cont.length - 1);
    const stats = emptyStats();
    await this.m.forwarder.reset();
    let logits = await this.timed(stats, 'prefill', ids.length, () => this.m.forwarder.forward(ids, true));
    const tokens: TokenLogprob[] = [];
    let sum = 0;
    let isGreedy = true;
    for (let i = 0; i < cont.length; i++) {
      const lp = logSoftmax(logits);
      const id = cont[i];
      tokens.push({ id, token: this.m.tokenizer.idToToken(id), logprob: lp[id] });
      sum += lp[id];
      if (argmax(logits) !== id) isGreedy = false;
      if (i + 1 < cont.length) logits = await this.timed(stats, 'decode', 1, () => this.m.forwarder.forward([id], false));
    }
    this.account(stats);
    return { logprob: sum, tokens, isGreedy, stats };
  }
}
