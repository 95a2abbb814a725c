/**
 * The Engine's evaluation loops (greedy generation, next-token scoring, teacher-forced
 * log-likelihood), written once against a minimal "append these ids to the KV cache, give me the
 * logits after the last one" interface. Both backends run them: the webgpu backend over web-llm's
 * forwardTokensAndSample, the cpu backend over its TypeScript Llama (workers/backends/*), so the
 * two differ only in how logits are computed, never in how they are used.
 *
 * Decisions that make results match the paper's Hugging Face code rather than a runtime's defaults:
 * - the model sees exactly the prompt's ids (BOS only when the prompt says so);
 * - the next token is the argmax of the raw logits, computed here (a runtime's own sampled token,
 *   after its penalties and temperature, is ignored);
 * - log-probs are the float32 logits minus their float64 log-sum-exp over the full vocabulary;
 * - the context window is checked before anything runs (web-llm's forwardTokensAndSample checks
 *   none and would overrun its KV cache). A continuation counts like generated tokens: prompt +
 *   continuation must fit, as prompt + maxTokens must for generate.
 */
import type {
  CallStats,
  FinishReason,
  GenerateRequest,
  GenerateStep,
  GenerateResult,
  LoglikelihoodResult,
  PromptInput,
  ScoreNextResult,
  TokenLogprob,
} from '../engine.ts';
import { ContextWindowExceededError, EngineRequestError, NonFiniteOutputError } from '../engine-errors.ts';
import { argmax, logSumExp, topKIds } from './logits.ts';
import { cutAtStop } from './stop.ts';

/** What one forward call did. */
export interface ForwardResult {
  /** Full-vocabulary logits after the last id given. */
  logits: Float32Array;
  /** Positions actually run through the model (fewer than given when a cached prefix was reused). */
  computed: number;
}

/** What the loops need from a loaded model. */
export interface LogitsForwarder {
  /** Starts a new, independent sequence (empties the KV cache, or forgets it may be reused). */
  reset(): Promise<void>;
  /** Appends `ids` to the sequence; `isPrefill` is true for a prompt, false for one decode step. */
  forward(ids: number[], isPrefill: boolean): Promise<ForwardResult>;
  /**
   * Called between decode steps, before the interrupt flag is read: a forwarder that computes
   * synchronously yields to the event loop here so that interrupt() can get through.
   */
  betweenSteps?(): Promise<void>;
}

export interface TokenizerLike {
  /** Ids of text, never with special tokens. */
  encode(text: string): number[];
  decode(ids: number[]): string;
  /** The vocabulary piece of an id ("▁yes"). */
  idToToken(id: number): string;
  /**
   * The most characters one token can cover (the longest piece): text longer than this many
   * characters per token of room cannot fit, so it is refused without tokenizing it.
   */
  maxPieceChars?: number;
}

export interface SequenceModel {
  forwarder: LogitsForwarder;
  tokenizer: TokenizerLike;
  vocabSize: number;
  contextWindow: number;
  bosId: number;
  eosIds: readonly number[];
  /** Named in errors about the model's numbers. */
  modelId?: string;
}

/** Index of the first NaN or ±Infinity, or -1 (one tight pass: x * 0 is 0 only for finite x). */
function firstNonFinite(a: Float32Array): number {
  let acc = 0;
  for (let i = 0; i < a.length; i++) acc += a[i] * 0;
  if (acc === 0) return -1;
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) return i;
  return -1;
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

  /**
   * The ids the model sees for a prompt (checked against the vocabulary, never empty). A text
   * that cannot fit with `newTokens` more (judged from its length alone) is refused before it
   * is tokenized: tokenizing a huge text costs time and memory for nothing.
   */
  promptIds(prompt: PromptInput, newTokens = 0): number[] {
    let ids: number[];
    if ('ids' in prompt) ids = [...prompt.ids];
    else {
      const perToken = this.m.tokenizer.maxPieceChars;
      if (perToken && perToken > 0) {
        const atLeast = Math.floor(prompt.text.length / perToken) + (prompt.bos ? 1 : 0);
        if (atLeast + newTokens > this.m.contextWindow) throw new ContextWindowExceededError(atLeast, newTokens, this.m.contextWindow, { atLeast: true });
      }
      ids = this.m.tokenizer.encode(prompt.text);
      if (prompt.bos) ids.unshift(this.m.bosId);
    }
    if (ids.length === 0) throw new EngineRequestError('empty prompt: the prompt has no tokens', 'pass a non-empty prompt, or set bos: true');
    this.checkIds(ids, 'prompt');
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

  /** One forward call, timed and counted as prefill or decode work. */
  private async step(stats: CallStats, ids: number[], isPrefill: boolean): Promise<Float32Array> {
    const t0 = this.now();
    const { logits, computed } = await this.m.forwarder.forward(ids, isPrefill);
    const ms = this.now() - t0;
    // Every number this runner reports comes from these logits: refuse non-finite ones here.
    const bad = firstNonFinite(logits);
    if (bad !== -1) throw new NonFiniteOutputError(this.m.modelId ?? 'the loaded model', logits[bad], bad);
    if (isPrefill) {
      stats.prefillTokens += computed;
      stats.prefillMs += ms;
    } else {
      stats.decodeTokens += computed;
      stats.decodeMs += ms;
    }
    return logits;
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
    const prompt = this.promptIds(req.prompt, req.maxTokens);
    this.checkContext(prompt.length, req.maxTokens);
    const stats = emptyStats();
    const stops = req.stop ?? [];
    const stopAtEos = req.stopAtEos ?? true;
    const tokenIds: number[] = [];
    const topK = req.logprobs ? Math.max(0, Math.floor(req.logprobs.top)) : 0;
    const steps: GenerateStep[] | undefined = req.logprobs ? [] : undefined;
    let text = '';
    let finishReason: FinishReason = 'length';
    const result = (): GenerateResult => ({ text, tokenIds, finishReason, promptTokens: prompt.length, stats, ...(steps ? { steps } : {}) });
    if (req.maxTokens === 0) {
      this.account(stats);
      return result();
    }
    await this.m.forwarder.reset();
    let logits = await this.step(stats, prompt, true);
    for (;;) {
      const next = argmax(logits);
      if (stopAtEos && this.m.eosIds.includes(next)) {
        finishReason = 'eos';
        break;
      }
      tokenIds.push(next);
      const step = steps ? this.stepLogprobs(logits, next, topK) : undefined;
      if (step) steps?.push(step);
      const cut = cutAtStop(this.m.tokenizer.decode(tokenIds), stops);
      text = cut.text;
      req.onToken?.({ index: tokenIds.length - 1, id: next, text, ...(step ? { step } : {}) });
      if (cut.stopped) {
        finishReason = 'stop';
        break;
      }
      if (tokenIds.length >= req.maxTokens) {
        finishReason = 'length';
        break;
      }
      await this.m.forwarder.betweenSteps?.();
      // Checked between steps: interrupt() arrives while forward() awaits the GPU (or a yield).
      if (this.interrupted) {
        finishReason = 'interrupted';
        break;
      }
      logits = await this.step(stats, [next], false);
    }
    this.account(stats);
    return result();
  }

  /** The chosen token's log-prob and the top-k alternatives at one decode step. */
  private stepLogprobs(logits: Float32Array, id: number, topK: number): GenerateStep {
    const lse = logSumExp(logits);
    const piece = (i: number) => ({ id: i, token: this.m.tokenizer.idToToken(i), logprob: logits[i] - lse });
    return { ...piece(id), top: topKIds(logits, topK).map(piece) };
  }

  async scoreNext(prompt: PromptInput, candidateIds: number[], opts: { topK?: number } = {}): Promise<ScoreNextResult> {
    const ids = this.promptIds(prompt);
    this.checkIds(candidateIds, 'candidate');
    this.checkContext(ids.length, 0);
    const stats = emptyStats();
    await this.m.forwarder.reset();
    const logits = await this.step(stats, ids, true);
    const lse = logSumExp(logits);
    const result: ScoreNextResult = { logprobs: candidateIds.map((id) => logits[id] - lse), promptTokens: ids.length, stats };
    const top = topKIds(logits, opts.topK ?? 0);
    if (top.length > 0) result.top = top.map((id) => ({ id, token: this.m.tokenizer.idToToken(id), logprob: logits[id] - lse }));
    this.account(stats);
    return result;
  }

  async loglikelihood(prompt: PromptInput, continuation: string | number[]): Promise<LoglikelihoodResult> {
    const ids = this.promptIds(prompt);
    const cont = typeof continuation === 'string' ? this.m.tokenizer.encode(continuation) : [...continuation];
    if (cont.length === 0) throw new EngineRequestError('empty continuation: the continuation has no tokens', 'pass a non-empty continuation');
    this.checkIds(cont, 'continuation');
    this.checkContext(ids.length, cont.length);
    const stats = emptyStats();
    await this.m.forwarder.reset();
    // One prefill, then one step per continuation token but the last (its logits are not needed).
    let logits = await this.step(stats, ids, true);
    const tokens: TokenLogprob[] = [];
    let sum = 0;
    let isGreedy = true;
    for (let i = 0; i < cont.length; i++) {
      const id = cont[i];
      const logprob = logits[id] - logSumExp(logits);
      tokens.push({ id, token: this.m.tokenizer.idToToken(id), logprob });
      sum += logprob;
      if (argmax(logits) !== id) isGreedy = false;
      if (i + 1 < cont.length) logits = await this.step(stats, [id], false);
    }
    this.account(stats);
    return { logprob: sum, tokens, isGreedy, stats };
  }
}
