/**
 * One-line explanations of the paper's terms, where each is chosen. Typed as Records over the
 * vocabularies, so a new mode or scoring cannot be added without its explanation.
 */
import type { PromptMode, PromptTokenization } from '../../../core/prompts/types.ts';
import type { LabelScoring } from '../../../core/scoring/kinds.ts';

export const PAPER_URL = 'https://arxiv.org/abs/2403.09162';

export const MODE_TEXT: Record<PromptMode, { name: string; explain: string }> = {
  'zero-shot': { name: 'Zero-shot', explain: 'The item alone, after BOS (the beginning-of-sequence token): how the paper asks FT models.' },
  icl: { name: 'ICL', explain: 'In-context learning: k solved demos from the test set\'s own few-shot pool, then the item; no BOS, as in the paper.' },
  fticl: {
    name: 'FTICL format',
    explain: 'The format FTICL models were fine-tuned on: k demos from the training task\'s pool, then the item, after BOS.',
  },
};

export const SCORING_TEXT: Record<LabelScoring, { name: string; explain: string }> = {
  paper: { name: 'Paper (fixed ids)', explain: 'The next-token log-prob at the fixed Llama-2 ids of each label\'s first token, as evaluate_cross.py does.' },
  'in-context': { name: 'In-context ids', explain: 'The labels\' first tokens as the tokenizer places them after this prompt (differs from the fixed ids where the prompt ends in a space).' },
  'full-label': { name: 'Full label', explain: 'The log-likelihood of each label\'s whole token sequence (teacher-forced), not just its first token.' },
};

export const TOKENIZATION_TEXT: Record<PromptTokenization, { name: string; explain: string }> = {
  protocol: { name: 'Protocol', explain: 'The prompt text tokenized by the model, BOS as an id: what the paper describes.' },
  'paper-code': { name: 'Paper code', explain: 'The exact ids the authors\' code produced (the literal "<s> " text and its extra "▁"): Llama-2 vocabulary only.' },
};

export const MAP_EXPLAIN = 'A "map" is one of the paper\'s two prompt templates per task: map 0 starts with "### Input:", map 1 is natural language.';
