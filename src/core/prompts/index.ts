export { PROMPT_MODES, PROMPT_TOKENIZATIONS } from './types.ts';
export type {
  PromptMode,
  PromptTokenization,
  DemoSelection,
  BuiltPrompt,
  PromptFit,
  PromptOverlap,
  PromptWarning,
  PromptWarningCode,
} from './types.ts';
export {
  buildPrompt,
  buildPrompts,
  buildContext,
  createPromptBuilder,
  assertPromptFits,
  PAPER_BOS_TEXT,
  type BuildPromptOptions,
  type BuildPromptsOptions,
} from './build.ts';
export { trainingExamples, trainingExample, type TrainingExample, type TrainingExportOptions } from './training.ts';
export { PromptOptionsError } from './errors.ts';
export { paperEvaluationTokenIds, paperTokenizationPath, SPACE_PIECE_ID, type PaperTokenizationPath } from './paper-tokens.ts';
