/**
 * A deterministic test double of the Engine contract (tests only). Its "model" is a pure
 * function of the prompt: next-token logits come from a seeded hash of the prompt text, so
 * every expected value can be recomputed independently in a test, and it counts its calls.
 */
import type {
  CallStats,
  Engine,
  EngineStats,
  GenerateRequest,
  GenerateResult,
  LoadedModelInfo,
  LoglikelihoodResult,
  ModelSpec,
  PromptInput,
  ScoreNextResult,
} from '../../src/core/engine.ts';
import { ContextWindowExceededError } from '../../src/core/engine-errors.ts';
import { logSoftmax } from '../../src/core/scoring/index.ts';

export const FAKE_VOCAB = 32000;

/** FNV-1a over a string: the fake model's only "weights". */
export function fnv(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** The fake model's next-token logits for a prompt (any number of vocab entries). */
export function fakeLogits(prompt: PromptInput, vocab = FAKE_VOCAB): Float32Array {
  const key = 'ids' in prompt ? `ids:${prompt.ids.join(',')}` : `${prompt.bos ? 1 : 0}:${prompt.text}`;
  const out = new Float32Array(vocab);
  let h = fnv(key);
  for (let i = 0; i < vocab; i++) {
    h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d) >>> 0;
    out[i] = ((h % 2000) - 1000) / 100; // -10 .. 10
  }
  return out;
}

const ZERO: CallStats = { prefillTokens: 0, decodeTokens: 0, prefillMs: 0, decodeMs: 0 };

export interface FakeEngineOptions {
  /** The generated text for a prompt (default: a fixed phrase plus "\n\n" and junk, to test post-processing). */
  generateText?: (prompt: PromptInput) => string;
  /** Prompts longer than this (characters) fail like an over-long prompt. */
  maxPromptChars?: number;
  /** Milliseconds each call waits (cancellation tests). */
  delayMs?: number;
}

export class FakeEngine implements Engine {
  calls = { load: 0, generate: 0, scoreNext: 0, loglikelihood: 0, tokenize: 0, interrupt: 0 };
  loaded: string[] = [];
  lastLoglikelihood: { prompt: PromptInput; continuation: string | number[] }[] = [];
  private interrupted = false;

  constructor(private readonly opts: FakeEngineOptions = {}) {}

  async load(model: ModelSpec): Promise<LoadedModelInfo> {
    this.calls.load++;
    this.loaded.push(model.id);
    return { id: model.id, backend: 'fake', vocabSize: FAKE_VOCAB, contextWindow: 4096, bosId: 1, eosId: 2 };
  }
  async unload(): Promise<void> {}
  async tokenize(text: string, opts?: { bos?: boolean }): Promise<number[]> {
    this.calls.tokenize++;
    // One token per character (code % vocab), like a byte-level tokenizer.
    const ids = [...text].map((c) => 3 + (c.codePointAt(0)! % (FAKE_VOCAB - 3)));
    return opts?.bos ? [1, ...ids] : ids;
  }
  async detokenize(ids: number[]): Promise<string> {
    return ids.join(' ');
  }
  private async gate(prompt: PromptInput): Promise<void> {
    if (this.opts.delayMs) await new Promise((r) => setTimeout(r, this.opts.delayMs));
    const len = 'ids' in prompt ? prompt.ids.length : prompt.text.length;
    if (this.opts.maxPromptChars !== undefined && len > this.opts.maxPromptChars) {
      throw new ContextWindowExceededError(len, 60, this.opts.maxPromptChars);
    }
  }
  async generate(req: GenerateRequest): Promise<GenerateResult> {
    this.calls.generate++;
    this.interrupted = false;
    await this.gate(req.prompt);
    const text = this.opts.generateText?.(req.prompt) ?? defaultGeneration(req.prompt);
    return {
      text,
      tokenIds: [],
      finishReason: this.interrupted ? 'interrupted' : 'length',
      promptTokens: 'ids' in req.prompt ? req.prompt.ids.length : req.prompt.text.length,
      stats: { prefillTokens: 10, decodeTokens: 5, prefillMs: 1, decodeMs: 2 },
    };
  }
  async scoreNext(prompt: PromptInput, candidateIds: number[]): Promise<ScoreNextResult> {
    this.calls.scoreNext++;
    await this.gate(prompt);
    const ls = logSoftmax(fakeLogits(prompt));
    return {
      logprobs: candidateIds.map((id) => ls[id]),
      promptTokens: 'ids' in prompt ? prompt.ids.length : prompt.text.length,
      stats: { prefillTokens: 10, decodeTokens: 0, prefillMs: 1, decodeMs: 0 },
    };
  }
  async loglikelihood(prompt: PromptInput, continuation: string | number[]): Promise<LoglikelihoodResult> {
    this.calls.loglikelihood++;
    this.lastLoglikelihood.push({ prompt, continuation });
    await this.gate(prompt);
    const ids = typeof continuation === 'string' ? await this.tokenize(continuation) : continuation;
    return { logprob: fakeLoglikelihood(prompt, ids), tokens: [], isGreedy: false, stats: ZERO };
  }
  async interrupt(): Promise<void> {
    this.calls.interrupt++;
    this.interrupted = true;
  }
  async stats(): Promise<EngineStats> {
    return { ...ZERO, calls: 0 };
  }
}

/** Default generation: depends on the prompt, with a blank line and a tail the paper's rule cuts off. */
export function defaultGeneration(prompt: PromptInput): string {
  const key = 'ids' in prompt ? prompt.ids.join(',') : prompt.text;
  return `  summary ${fnv(key) % 7} of the text\n\nignored tail`;
}

/** The fake teacher-forced log-likelihood: sum over continuation tokens of the next-token log-softmax. */
export function fakeLoglikelihood(prompt: PromptInput, ids: readonly number[]): number {
  let total = 0;
  let ctx: PromptInput = prompt;
  for (const id of ids) {
    total += logSoftmax(fakeLogits(ctx))[id % FAKE_VOCAB];
    ctx = 'ids' in ctx ? { ids: [...ctx.ids, id] } : { text: `${ctx.text}#${id}`, bos: ctx.bos };
  }
  return total;
}
