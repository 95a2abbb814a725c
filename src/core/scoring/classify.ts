/**
 * The one classification pipeline: label token ids for this prompt, then label scores through an
 * Engine. The CLI (`ftlab classify`), the runner (src/core/run) and the app call this, so a
 * choice of scoring means the same thing everywhere.
 */
import type { Engine, PromptInput } from '../engine.ts';
import { LabelTokenError } from './errors.ts';
import { resolveLabelIds, type LabelIdResolution, type LabelTask, type LabelTokenizer } from './labelIds.ts';
import { scoreFirstToken, scoreFullLabel, type LabelScores } from './scoreLabels.ts';

import type { LabelScoring } from './kinds.ts';

export { LABEL_SCORINGS, type LabelScoring } from './kinds.ts';

export interface ClassifyRequest {
  task: LabelTask;
  /** The prompt as text + BOS; `ids` too when the exact ids are fixed (tokenization 'paper-code'). */
  prompt: { text: string; bos: boolean; ids?: number[] };
  scoring: LabelScoring;
  /**
   * Tokenizer for the in-context label ids and the warnings. Default: the engine's own (what the
   * model sees). null: none ('paper' scoring only: no in-context ids, no warnings computed).
   */
  tokenizer?: LabelTokenizer | null;
}

export interface Classification {
  resolution: LabelIdResolution;
  scores: LabelScores;
}

/** The engine's tokenizer as a LabelTokenizer. */
export function engineLabelTokenizer(engine: Pick<Engine, 'tokenize'>): LabelTokenizer {
  return { encode: (text, o) => engine.tokenize(text, { bos: o.bos }) };
}

export async function classifyPrompt(engine: Engine, req: ClassifyRequest): Promise<Classification> {
  const { task, prompt, scoring } = req;
  const tokenizer = req.tokenizer === undefined ? engineLabelTokenizer(engine) : req.tokenizer;
  if (tokenizer === null && scoring !== 'paper') {
    throw new LabelTokenError(`"${scoring}" label scoring needs a tokenizer`, 'pass the model\'s tokenizer, or use "paper" scoring');
  }
  const resolution = await resolveLabelIds({ task, prompt: prompt.text, bos: prompt.bos, mode: scoring === 'paper' ? 'paper' : 'in-context', tokenizer });
  if (scoring === 'full-label') {
    const { inContext, promptIds } = resolution;
    if (!inContext || !promptIds) throw new LabelTokenError('full-label scoring found no in-context label tokens', 'check that the tokenizer matches the model');
    return { resolution, scores: await scoreFullLabel(engine, prompt, inContext, promptIds) };
  }
  const input: PromptInput = prompt.ids ? { ids: prompt.ids } : { text: prompt.text, bos: prompt.bos };
  return { resolution, scores: await scoreFirstToken(engine, input, resolution.labels, resolution.ids) };
}
