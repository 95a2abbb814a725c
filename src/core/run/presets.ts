/**
 * Batch presets: the paper's three settings for a training set, from the study-settings table
 * (src/core/datasets/protocol.ts, configurable as it is), and a free plan. A preset is a plan
 * DRAFT, names only (models, test-set names, modes, shots, maps, N): the page and `ftlab eval`
 * each load the named test sets their own way and turn the draft into an EvalPlan.
 */
import type { ModelSpec } from '../engine.ts';
import type { TrainingMethod } from '../manifest.ts';
import { PAPER_PROTOCOL, DEFAULT_STUDY_SETTINGS, studySettingFor, type StudySettings } from '../datasets/protocol.ts';
import type { PaperTaskId } from '../tasks/types.ts';
import type { EvalMode, LabelScoring, PromptTokenization } from './records.ts';
import { PlanError } from './errors.ts';

export const PRESET_KINDS = ['in-domain', 'out-of-domain', 'cross-task'] as const;
export type PresetKind = (typeof PRESET_KINDS)[number];

/** The paper's evaluation modes (evaluate_cross.py: zero-shot and in-context prompts). */
export const PAPER_MODES: readonly EvalMode[] = ['zero-shot', 'icl'];

/** A model as a preset picks it: its spec and, from its manifest, how it was trained. */
export interface PresetModel {
  spec: ModelSpec;
  method: TrainingMethod;
  /** Short training-set name ("paws") for FT/FTICL models. */
  trainingSet?: string;
}

/** A plan by names; `toPlan` in each front end loads the test sets. */
export interface PlanDraft {
  name: string;
  /** The preset it came from, if any. */
  preset?: { trainingSet: string; kind: PresetKind };
  models: ModelSpec[];
  testSets: { dataset: string; task: PaperTaskId | string }[];
  modes: EvalMode[];
  /** Absent: the paper's shots per task. */
  shots?: number[];
  templates: number[];
  limit: number;
  labelScoring?: LabelScoring;
  tokenization?: PromptTokenization;
  maxNewTokens?: number;
  /** FTICL pool dataset (mode 'fticl'): default the training task's (PAPER_PROTOCOL.fticlPools). */
  fticlPool?: string;
}

/** The models a preset for `trainingSet` picks by default: every base model, and FT/FTICL trained on it. */
export function presetModels(models: readonly PresetModel[], trainingSet: string): PresetModel[] {
  return models.filter((m) => m.method === 'base' || m.trainingSet === trainingSet);
}

/** The test sets of one setting for a training set. */
export function presetTestSets(trainingSet: string, kind: PresetKind, settings: StudySettings = DEFAULT_STUDY_SETTINGS): { dataset: string; task: string }[] {
  const s = studySettingFor(trainingSet, settings);
  if (kind === 'in-domain') return s.inDomain.map((dataset) => ({ dataset, task: s.task }));
  if (kind === 'out-of-domain') return s.outOfDomain.map((dataset) => ({ dataset, task: s.task }));
  return Object.entries(s.crossTask).flatMap(([task, sets]) => sets.map((dataset) => ({ dataset, task })));
}

/**
 * The paper's setting `kind` for `trainingSet`: the given models × its test sets × zero-shot and
 * ICL with the paper's shot lists × both maps × the first 250 items (or `limit`).
 */
export function studyPreset(opts: { trainingSet: string; kind: PresetKind; models: readonly PresetModel[]; limit?: number; settings?: StudySettings }): PlanDraft {
  if (opts.models.length === 0) throw new PlanError(`the ${opts.kind} preset for ${opts.trainingSet} has no models`, 'pick at least one model (a base model, or one fine-tuned on this training set)');
  const limit = opts.limit ?? PAPER_PROTOCOL.evaluatedItems;
  return {
    name: `${opts.trainingSet} ${opts.kind}`,
    preset: { trainingSet: opts.trainingSet, kind: opts.kind },
    models: opts.models.map((m) => m.spec),
    testSets: presetTestSets(opts.trainingSet, opts.kind, opts.settings),
    modes: [...PAPER_MODES],
    templates: [...PAPER_PROTOCOL.templates],
    limit,
  };
}

/** A free plan: any models × test sets × modes × shots × maps × N. */
export function freePlan(opts: Omit<PlanDraft, 'preset' | 'name'> & { name?: string }): PlanDraft {
  if (opts.models.length === 0) throw new PlanError('the plan has no models');
  if (opts.testSets.length === 0) throw new PlanError('the plan has no test sets');
  return { ...opts, name: opts.name ?? `${opts.models.map((m) => m.id).join(', ')} on ${opts.testSets.map((t) => t.dataset).join(', ')}` };
}
