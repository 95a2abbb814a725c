/**
 * How labels are scored (the vocabulary alone, with no imports, so the app's URL codec can use
 * it without pulling in a tokenizer):
 * - 'paper': one forward pass, next-token log-probs at the paper's fixed first-token ids;
 * - 'in-context': the same, at the labels' first tokens as the tokenizer places them after THIS
 *   prompt (equal to the paper's ids for map 0, different where the prompt ends in a space);
 * - 'full-label': teacher-forced log-likelihood of each label's whole token sequence.
 */
export const LABEL_SCORINGS = ['paper', 'in-context', 'full-label'] as const;
export type LabelScoring = (typeof LABEL_SCORINGS)[number];
