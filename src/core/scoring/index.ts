/** Label scoring: log-softmax, label token ids (paper / in-context), prediction, engine scoring. */
export { logSumExp, logSoftmax, logSoftmaxAt } from './logSoftmax.ts';
export { argmaxFirst, renormalize } from './predict.ts';
export {
  paperLabelTokenIds,
  llamaLabelTokenizer,
  inContextLabelTokens,
  resolveLabelIds,
  type LabelTokenizer,
  type LabelTask,
  type LabelIdMode,
  type LabelIdResolution,
  type LabelIdWarning,
  type LabelIdWarningCode,
  type InContextLabelTokens,
  type ResolveLabelIdsInput,
} from './labelIds.ts';
export { scoreFirstToken, scoreFullLabel, type LabelScores, type LabelScoringMethod } from './scoreLabels.ts';
export { LabelTokenError, NoPaperLabelIdsError } from './errors.ts';
export { LABEL_SCORINGS, classifyPrompt, engineLabelTokenizer, type LabelScoring, type ClassifyRequest, type Classification } from './classify.ts';
