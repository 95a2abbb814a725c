export type { PaperTaskId, Metric, TemplateIndex, TaskDefinition } from './types.ts';
export { isClassification } from './types.ts';
export { PAPER_PROMPT_MAPS } from './paper-templates.ts';
export {
  SUMMARY,
  QUESTION,
  SENTIMENT,
  DETECTION,
  INFERENCE,
  PAPER_TASKS,
  PAPER_TASK_IDS,
  isPaperTaskId,
  getTask,
  templateOf,
} from './paper-tasks.ts';
export { defineTask, type TaskDefinitionInput } from './define.ts';
export { formatMap, compileTemplate, templateFields, type CompiledTemplate, type TemplatePart, type FormatValue } from './format-map.ts';
export {
  TemplateSyntaxError,
  TemplateFieldMissingError,
  TemplateValueTypeError,
  TemplateFieldsError,
  TaskDefinitionError,
  UnknownTaskError,
  UnknownTemplateError,
} from './errors.ts';
