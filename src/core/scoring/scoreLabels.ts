/**
 * Label scoring through an Engine: first-token (the paper's method) or full-label
 * log-likelihood (teacher-forced sum over the label's tokens).
 */
import type { CallStats, Engine, PromptInput, ServedBy } from '../engine.ts';
import { argmaxFirst, renormalize } from './predict.ts';
import type { InContextLabelTokens } from './labelIds.ts';
import { LabelTokenError } from './errors.ts';

export type LabelScoringMethod = 'first-token' | 'full-label';

export interface LabelScores {
  method: LabelScoringMethod;
  labels: string[];
  /** First token id per label (first-token method) or the first of its tokens (full-label). */
  tokenIds: number[];
  /** Full-vocabulary log-prob per label (first token, or the sum over the label's tokens). */
  logprobs: number[];
  /** Softmax of `logprobs` over the labels only, for display. */
  probs: number[];
  /** argmax of logprobs, first label on ties. */
  predictionIndex: number;
  prediction: string;
  promptTokens?: number;
  stats: CallStats;
  /** Remote backends: which server answered, and how (merged over the calls). */
  servedBy?: ServedBy;
}

/** The calls' servedBy merged (URLs and features united), or undefined for local engines. */
function mergeServed(list: readonly (ServedBy | undefined)[]): ServedBy | undefined {
  const given = list.filter((s): s is ServedBy => s !== undefined);
  if (given.length === 0) return undefined;
  const urls = [...new Set(given.flatMap((s) => s.urls))].sort();
  const features = [...new Set(given.flatMap((s) => s.features))].sort();
  return { backend: given[0].backend, urls, model: given[0].model, features };
}

function addStats(a: CallStats, b: CallStats): CallStats {
  return {
    prefillTokens: a.prefillTokens + b.prefillTokens,
    decodeTokens: a.decodeTokens + b.decodeTokens,
    prefillMs: a.prefillMs + b.prefillMs,
    decodeMs: a.decodeMs + b.decodeMs,
  };
}

const ZERO_STATS: CallStats = { prefillTokens: 0, decodeTokens: 0, prefillMs: 0, decodeMs: 0 };

function finish(method: LabelScoringMethod, labels: readonly string[], tokenIds: number[], logprobs: number[], stats: CallStats, promptTokens?: number): LabelScores {
  const predictionIndex = argmaxFirst(logprobs);
  if (predictionIndex < 0) throw new LabelTokenError(`no usable label score (log-probs: ${logprobs.join(', ')})`, 'the engine returned NaN for every label');
  return {
    method,
    labels: [...labels],
    tokenIds,
    logprobs,
    probs: renormalize(logprobs),
    predictionIndex,
    prediction: labels[predictionIndex],
    promptTokens,
    stats,
  };
}

/** One forward pass: the next-token log-probs at each label's first-token id. */
export async function scoreFirstToken(engine: Engine, prompt: PromptInput, labels: readonly string[], labelIds: readonly number[]): Promise<LabelScores> {
  if (labels.length !== labelIds.length) throw new LabelTokenError(`${labels.length} labels but ${labelIds.length} label ids`);
  const res = await engine.scoreNext(prompt, [...labelIds]);
  return withServed(finish('first-token', labels, [...labelIds], res.logprobs, res.stats, res.promptTokens), [res.servedBy]);
}

/**
 * One teacher-forced pass per label: log P(label tokens | prompt), summed over the label's
 * tokens as they fall in context. Where a label absorbed the prompt's last tokens (a prompt
 * ending in a space), the prompt is passed as the token ids of the common prefix so that the
 * scored sequence is exactly tokenize(prompt + label).
 */
export async function scoreFullLabel(engine: Engine, prompt: { text: string; bos: boolean }, tokens: readonly InContextLabelTokens[], promptIds: readonly number[]): Promise<LabelScores> {
  const logprobs: number[] = [];
  const served: (ServedBy | undefined)[] = [];
  let stats = ZERO_STATS;
  for (const t of tokens) {
    const input: PromptInput = t.absorbedPromptTokens === 0 ? prompt : { ids: promptIds.slice(0, t.prefixLength) };
    const res = await engine.loglikelihood(input, t.ids);
    logprobs.push(res.logprob);
    served.push(res.servedBy);
    stats = addStats(stats, res.stats);
  }
  return withServed(finish('full-label', tokens.map((t) => t.label), tokens.map((t) => t.ids[0]), logprobs, stats, promptIds.length), served);
}

function withServed(scores: LabelScores, served: readonly (ServedBy | undefined)[]): LabelScores {
  const merged = mergeServed(served);
  return merged ? { ...scores, servedBy: merged } : scores;
}
