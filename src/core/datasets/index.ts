export type { TaskItem, DatasetFormat, DatasetProblem, ParsedDataset } from './types.ts';
export { parseDataset, detectFormat, type ParseDatasetOptions } from './parse.ts';
export {
  PAPER_CATALOGUE,
  DATASET_TITLES,
  catalogueEntries,
  catalogueEntry,
  testSetOf,
  fewShotSetOf,
  resolveDatasetUrl,
  type CatalogueEntry,
  type DatasetRole,
} from './catalogue.ts';
export {
  PAPER_PROTOCOL,
  DEFAULT_STUDY_SETTINGS,
  studySettingFor,
  type StudySetting,
  type StudySettings,
  type ResolvedStudySetting,
} from './protocol.ts';
export { findDemoOverlaps, sharedFields, sameContent, type DemoOverlap, type OverlapOptions } from './overlap.ts';
export { sampleDemos, mulberry32, seedFrom, type Random, type SampleDemosOptions } from './sample.ts';
export { DatasetValidationError, UnknownDatasetError, DemoPoolError, PROBLEM_LIMIT, PROBLEMS_IN_MESSAGE } from './errors.ts';
