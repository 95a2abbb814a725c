/** Evaluation runs: plans, the runner, records and their store, cell aggregates. */
export { runPlan, paperPrompts, defaultPlanName, type CellPromptBuilder, type RunOptions, type RunProgress, type RunResult, type CellResult } from './runner.ts';
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
export { describeRecordProblem, describeRunProblem, isSampleRecord, isRunMeta } from './validate.ts';
export { cellLabel, modeLabel, formatRate, formatDuration } from './describe.ts';
export { RECORD_SCHEMA_VERSION, STORED_PLAN_SCHEMA_VERSION, migrateRecord, RecordSchemaError } from './schema.ts';
export { migrateStoredPlan, expectedRecords, type StoredPlan, type StoredCell } from './stored-plan.ts';
export { studyPreset, freePlan, presetModels, presetTestSets, PRESET_KINDS, PAPER_MODES, type PresetKind, type PresetModel, type PlanDraft } from './presets.ts';
export { estimatePlan, ratesFromStats, type WorkEstimate, type CellEstimate, type OverContext, type Rates, type EstimateOptions } from './estimate.ts';
export { BatchSession, type SessionSnapshot, type SessionStatus, type SessionDeps, type Meter, type LiveCell } from './session.ts';
export { libraryEntry, libraryEntries, type LibraryEntry } from './library.ts';
