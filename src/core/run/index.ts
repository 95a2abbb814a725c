/** Evaluation runs: plans, the runner, records and their store, cell aggregates. */
export { runPlan, paperPrompts, type CellPromptBuilder, type RunOptions, type RunProgress, type RunResult, type CellResult } from './runner.ts';
export { expandPlan, describePlan, DEFAULT_LIMIT, DEFAULT_MAX_NEW_TOKENS, type EvalPlan, type TestSet, type PlannedCell } from './plan.ts';
export { aggregateCell, type CellAggregate, type RougeLAggregate, type AccuracyAggregate } from './aggregate.ts';
export { generationMetric } from './generationMetric.ts';
export { MemoryRecordStore, type RecordStore } from './recordStore.ts';
export {
  cellKey,
  recordKeyOf,
  type PromptTokenization,
  type CellSpec,
  type EvalMode,
  type LabelScoring,
  type SampleRecord,
  type GenerationRecord,
  type ClassificationRecord,
  type ErrorRecord,
  type RecordKey,
  type RunMeta,
  type SampleTimings,
} from './records.ts';
export { PlanError, RunFailedError } from './errors.ts';
export { cellLabel, modeLabel, formatRate, formatDuration } from './describe.ts';
