import type { DemoOverlap } from '../datasets/overlap.ts';

/**
 * - zero-shot: template(x); the model gets BOS first (the paper writes it as the text "<s> ").
 * - icl: context + template(x), context built from k demos; no BOS (add_special_tokens=False).
 * - fticl: the FTICL *training* source: context from the training task's few-shot pool +
 *   template(x); BOS first, because train.py tokenizes with the tokenizer's defaults.
 */
export const PROMPT_MODES = ['zero-shot', 'icl', 'fticl'] as const;
export type PromptMode = (typeof PROMPT_MODES)[number];

/**
 * How a prompt becomes token ids: 'protocol' (tokenize the prompt text, BOS as an id: what the
 * paper describes) or 'paper-code' (the paper's evaluate_cross.py path, literally; see
 * src/core/prompts/paper-tokens.ts). Only meaningful for models with the Llama-2 vocabulary.
 */
export const PROMPT_TOKENIZATIONS = ['protocol', 'paper-code'] as const;
export type PromptTokenization = (typeof PROMPT_TOKENIZATIONS)[number];

/** How demos are taken from a pool. */
export type DemoSelection =
  /** The first k, in file order (the paper's way). */
  | { kind: 'first' }
  /** k sampled without repeats, deterministic in the seed (per item: the item's index is mixed in); never the item itself. */
  | { kind: 'sampled'; seed: number | string };

export type PromptWarningCode = 'demo-is-item' | 'demo-shares-input' | 'exceeds-context-window' | 'exceeds-train-max-length';

export interface PromptWarning {
  code: PromptWarningCode;
  message: string;
}

/** Context-length facts for one prompt. */
export interface PromptFit {
  /** Llama-2's window (4096 by default). */
  contextWindow: number;
  /** New tokens the evaluation allows (60 for the paper's generation tasks). */
  maxNewTokens: number;
  /** Whether tokens + maxNewTokens <= contextWindow. */
  fits: boolean;
  /** train.py's model_max_length (1024): longer training sequences were truncated. */
  trainMaxLength: number;
  /** Whether the prompt alone is longer than trainMaxLength. */
  exceedsTrainMaxLength: boolean;
}

/** The demo overlap of one prompt: a demo sharing input text with the item being asked. */
export interface PromptOverlap extends Omit<DemoOverlap, 'testIndex'> {
  /** Position of the demo in the pool. */
  demoIndex: number;
  /** Where the demo came from (its file). */
  demoSource: string;
}

export interface BuiltPrompt {
  /** The item's 0-based position in its file. */
  index: number;
  /** The item's own id, when it has one. */
  idx?: number;
  mode: PromptMode;
  shots: number;
  /** Template index, or "custom" for a template string. */
  template: number | 'custom';
  /** What the model reads, as text (BOS not written into it). */
  text: string;
  /** Whether BOS (id 1) comes before the text. */
  bos: boolean;
  /**
   * The paper's literal string: "<s> " + text for zero-shot (evaluate_cross.py writes BOS as
   * text), the text itself otherwise. For display and export only; never tokenize it as text.
   */
  paperText: string;
  /** Llama-2 tokens (BOS included when bos); undefined when counting was turned off. */
  tokens?: number;
  /** Counting stopped once the prompt was known not to fit: `tokens` is a lower bound. */
  tokensAtLeast?: true;
  /** The item's reference output (or gold label). */
  reference: string;
  /** The demos used, in prompt order. */
  demos: { source: string; index: number }[];
  /** Demos that are (or partly are) the item being asked. */
  overlap: PromptOverlap[];
  /** Present when tokens were counted. */
  fit?: PromptFit;
  warnings: PromptWarning[];
}
