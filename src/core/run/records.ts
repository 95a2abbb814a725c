/**
 * What a run stores: one record per (cell, item, prompt), enough to re-aggregate a cell, show
 * a sample, and resume without recomputing anything.
 */
import type { FinishReason, ServedBy } from '../engine.ts';
import type { PromptMode, PromptTokenization } from '../prompts/types.ts';
import type { LabelScoring } from '../scoring/kinds.ts';
import type { RECORD_SCHEMA_VERSION } from './schema.ts';

/** An evaluation cell's mode: a prompt mode (src/core/prompts, PROMPT_MODES). */
export type EvalMode = PromptMode;

/**
 * What the model is fed for a prompt (PROMPT_TOKENIZATIONS in src/core/prompts).
 * - 'protocol' (default): the prompt text tokenized by the engine, BOS as the protocol states
 *   (zero-shot yes, k-shot no).
 * - 'paper-code': the exact Llama-2 ids the authors' evaluate_cross.py produced (HF's extra "▁"
 *   after the literal "<s> ", vLLM's BOS on every generation prompt; see
 *   src/core/prompts/paper-tokens.ts). Only meaningful for models with the Llama-2 vocabulary.
 */
export type { PromptTokenization };

/** How classification labels are scored (LABEL_SCORINGS in src/core/scoring; generation tasks ignore it). */
export type { LabelScoring };

/** One cell of an evaluation plan: a model on one test set, one prompt setting. */
export interface CellSpec {
  modelId: string;
  dataset: string;
  task: string;
  mode: EvalMode;
  shots: number;
  template: number;
  /** 'generate' for generation tasks, the label scoring for classification tasks. */
  scoring: 'generate' | LabelScoring;
  /** Absent means 'protocol'. */
  tokenization?: PromptTokenization;
  /**
   * Generation cells only: the new-token budget when it is not the paper's 60 (absent means 60).
   * It is part of the key because the same prompt under another budget is another sample.
   */
  maxNewTokens?: number;
}

/**
 * The cell's stable key. Human-readable and order-fixed so that the same cell in another run
 * (or after a reload) finds its records: `model=…|data=…|mode=…|shots=…|map=…|score=…`.
 */
export function cellKey(c: CellSpec): string {
  const tok = c.tokenization === 'paper-code' ? '|tok=paper-code' : '';
  const max = c.maxNewTokens !== undefined ? `|max=${c.maxNewTokens}` : '';
  return `model=${c.modelId}|data=${c.dataset}|task=${c.task}|mode=${c.mode}|shots=${c.shots}|map=${c.template}|score=${c.scoring}${tok}${max}`;
}

export interface SampleTimings {
  /** ISO time the sample started. */
  startedAt: string;
  /** Wall time of the whole sample (prompt build excluded), ms. */
  totalMs: number;
  prefillMs: number;
  decodeMs: number;
  promptTokens: number;
  /**
   * Prompt positions the engine actually ran through the model: fewer than promptTokens when it
   * kept the part this prompt shares with the previous one (an ICL cell's demo context) in its KV
   * cache. Absent in records from before it was counted.
   */
  prefilledTokens?: number;
  newTokens: number;
}

interface RecordBase extends CellSpec {
  /**
   * The record shape's version (src/core/run/schema.ts). The runner writes the current one;
   * records from before versions existed have none and are migrated when read.
   */
  schemaVersion?: typeof RECORD_SCHEMA_VERSION;
  cellKey: string;
  /** The item's position in the test set (0-based, as in the file). */
  item: number;
  /** SHA-256 hex of the prompt's canonical encoding (src/core/hash.ts). */
  promptHash: string;
  prompt: string;
  bos: boolean;
  /** The token ids fed, when the cell feeds ids rather than text (tokenization 'paper-code'). */
  promptIds?: number[];
  reference: string;
  /** Id of the run that produced the record. */
  runId: string;
  timings: SampleTimings;
  /** Remote backends: the server(s), the served model name and the API features used. */
  servedBy?: ServedBy;
}

export interface GenerationRecord extends RecordBase {
  kind: 'generation';
  /** Raw generated text as the engine returned it. */
  output: string;
  finishReason: FinishReason;
  /** The text scored: output post-processed by the paper's rule (strip, cut at "\n\n"). */
  prediction: string;
  /** ROUGE-L of prediction against reference (rouge-score, no stemming, as the paper). */
  rougeL: { precision: number; recall: number; fmeasure: number };
  /** ROUGE-L F-measure (= rougeL.fmeasure). */
  metric: number;
}

export interface ClassificationRecord extends RecordBase {
  kind: 'classification';
  labels: string[];
  /** Token id per label that was scored (its first token). */
  labelTokenIds: number[];
  /** Full-vocabulary log-prob per label (first token, or summed over the label for full-label). */
  labelLogprobs: number[];
  /** Softmax over the labels only, for display. */
  labelProbs: number[];
  predictionIndex: number;
  prediction: string;
  /** 1 when prediction === reference, else 0. */
  metric: number;
  /** Label-id warnings for this prompt (e.g. the prompt ends in whitespace). */
  warnings?: string[];
}

export interface ErrorRecord extends RecordBase {
  kind: 'error';
  error: { code: string; message: string; hint?: string };
}

export type SampleRecord = GenerationRecord | ClassificationRecord | ErrorRecord;

/** The identity of a stored record. */
export interface RecordKey {
  cellKey: string;
  item: number;
  promptHash: string;
}

export function recordKeyOf(r: RecordKey): RecordKey {
  return { cellKey: r.cellKey, item: r.item, promptHash: r.promptHash };
}

/** A run's metadata: the plan it ran, and how far it got. */
export interface RunMeta {
  id: string;
  createdAt: string;
  updatedAt: string;
  status: 'running' | 'done' | 'cancelled' | 'failed';
  /** The plan's description (JSON-safe, without the datasets' items). */
  plan: unknown;
  done: number;
  total: number;
  error?: string;
}
