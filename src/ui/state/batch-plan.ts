/**
 * The Batch view's plan, framework-free: the form people edit (a preset of the paper's study for
 * a training set, or a free plan), the PlanDraft it names (models and test-set names, as a stored
 * plan keeps it), and the runnable EvalPlan a draft becomes once its test sets are loaded from
 * the catalogue (the DatasetLibrary fetches and keeps them).
 */
import { checkWholeNumber } from '../../core/input/values.ts';
import type { ModelSpec } from '../../core/engine.ts';
import { catalogueEntries, fewShotSetOf } from '../../core/datasets/catalogue.ts';
import { DEFAULT_STUDY_SETTINGS, PAPER_PROTOCOL } from '../../core/datasets/protocol.ts';
import type { TaskItem } from '../../core/datasets/types.ts';
import { PlanError } from '../../core/run/errors.ts';
import type { EvalPlan, TestSet } from '../../core/run/plan.ts';
import { freePlan, studyPreset, type PlanDraft, type PresetKind, type PresetModel } from '../../core/run/presets.ts';
import type { EvalMode } from '../../core/run/records.ts';
import { getTask, isPaperTaskId } from '../../core/tasks/paper-tasks.ts';
import { TRAINING_METHODS, type TrainingMethod } from '../../core/manifest.ts';
import { isOneOf } from '../../core/vocabulary.ts';
import { specOf, type ModelSource } from './model-sources.ts';

/** The paper's five training sets (the study-settings table's keys). */
export const TRAINING_SETS = ['xsum', 'socialqa', 'amazon', 'paws', 'multinli'] as const;
export type TrainingSet = (typeof TRAINING_SETS)[number];

export const PLAN_SOURCES = ['preset', 'free'] as const;
export type PlanSource = (typeof PLAN_SOURCES)[number];

export const BATCH_MODES: readonly EvalMode[] = ['zero-shot', 'icl', 'fticl'];

export interface BatchForm {
  source: PlanSource;
  trainingSet: TrainingSet;
  kind: PresetKind;
  /** Model ids, in the order ticked. */
  models: string[];
  /** Free plan: catalogue test-set names ("sst2"). A preset takes its setting's. */
  testSets: string[];
  /** Free plan's modes (a preset runs the paper's: zero-shot and ICL). */
  modes: EvalMode[];
  /** Shot counts as typed ("2, 4"); empty: the paper's shots per task. */
  shots: string;
  templates: number[];
  /** First N items. */
  limit: number;
  /** New tokens for generation cells. */
  maxNewTokens: number;
}

export function defaultBatchForm(): BatchForm {
  return {
    source: 'preset',
    trainingSet: 'amazon',
    kind: 'in-domain',
    models: [],
    testSets: [],
    modes: ['zero-shot', 'icl'],
    shots: '',
    templates: [...PAPER_PROTOCOL.templates],
    limit: PAPER_PROTOCOL.evaluatedItems,
    maxNewTokens: PAPER_PROTOCOL.maxNewTokens,
  };
}

/**
 * A saved form read back (localStorage: it outlives a reload): each field that is missing or of
 * the wrong shape keeps its default, so an old or hand-edited value never breaks the view.
 */
export function readBatchForm(raw: unknown): BatchForm {
  const d = defaultBatchForm();
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return d;
  const r = raw as Record<string, unknown>;
  const strings = (v: unknown): string[] | undefined => (Array.isArray(v) && v.every((x) => typeof x === 'string') ? [...(v as string[])] : undefined);
  const ints = (v: unknown): number[] | undefined => (Array.isArray(v) && v.every((x) => Number.isInteger(x) && (x as number) >= 0) ? [...(v as number[])] : undefined);
  const positive = (v: unknown): number | undefined => (Number.isInteger(v) && (v as number) >= 1 ? (v as number) : undefined);
  const kinds: readonly string[] = ['in-domain', 'out-of-domain', 'cross-task'];
  return {
    source: isOneOf(PLAN_SOURCES, r.source) ? r.source : d.source,
    trainingSet: isOneOf(TRAINING_SETS, r.trainingSet) ? r.trainingSet : d.trainingSet,
    kind: typeof r.kind === 'string' && kinds.includes(r.kind) ? (r.kind as PresetKind) : d.kind,
    models: strings(r.models) ?? d.models,
    testSets: strings(r.testSets) ?? d.testSets,
    modes: (strings(r.modes) ?? d.modes).filter((m): m is EvalMode => isOneOf(BATCH_MODES, m)),
    shots: typeof r.shots === 'string' ? r.shots : d.shots,
    templates: ints(r.templates) ?? d.templates,
    limit: positive(r.limit) ?? d.limit,
    maxNewTokens: positive(r.maxNewTokens) ?? d.maxNewTokens,
  };
}

/** "amazon_train_2000" → "amazon"; a short name stays as it is. */
export function trainingSetName(raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  return raw.replace(/_train(_\d+)?$/, '');
}

/** A model's training method from its provenance ("FT", "fticl", …); undefined for chat, random or unknown. */
export function methodOf(source: ModelSource): TrainingMethod | undefined {
  const m = source.provenance.method.toLowerCase();
  return isOneOf(TRAINING_METHODS, m) ? m : undefined;
}

/** A source as a preset sees it: its manifest's method and training set (unknown methods: none). */
export function presetModelOf(source: ModelSource, baseHref: string): PresetModel | undefined {
  const method = methodOf(source);
  if (!method) return undefined;
  const trainingSet = trainingSetName(source.provenance.trainingSet);
  return { spec: specOf(source, baseHref), method, ...(trainingSet ? { trainingSet } : {}) };
}

/** The models a preset ticks by itself: every base model and those fine-tuned (FT/FTICL) on the training set. */
export function presetModelIds(sources: readonly ModelSource[], trainingSet: string): string[] {
  return sources.filter((s) => {
    const m = methodOf(s);
    return m === 'base' || ((m === 'ft' || m === 'fticl') && trainingSetName(s.provenance.trainingSet) === trainingSet);
  }).map((s) => s.id);
}

/** "2, 4,6" → [2, 4, 6] (duplicates dropped); empty → undefined (the paper's shots). */
export function parseShotList(text: string): number[] | undefined {
  const parts = text.split(/[\s,]+/).filter((p) => p.length > 0);
  if (parts.length === 0) return undefined;
  const out: number[] = [];
  for (const p of parts) {
    // The command line's own check (`--shots`), same range and words.
    const n = checkWholeNumber(p, 'Shots', { min: 0, max: 64 });
    if (!n.ok) throw new PlanError(n.message, 'type shot counts separated by commas (e.g. 2, 4), or leave it empty for the paper\'s');
    if (!out.includes(n.value)) out.push(n.value);
  }
  return out;
}

/** The catalogue's test sets the paper evaluates, by name and task (the free plan's choices). */
export function catalogueTestSets(): { dataset: string; task: string }[] {
  return catalogueEntries({ role: 'test', usedByPaper: true }).map((e) => ({ dataset: e.dataset, task: e.task }));
}

/**
 * The draft the form names. Throws PlanError naming the first problem (no models, bad shots, …).
 * A preset with models of any method (the tiny random ones) is allowed: the user picked them.
 */
export function draftOf(form: BatchForm, sources: readonly ModelSource[], baseHref: string): PlanDraft {
  const picked: ModelSource[] = [];
  for (const id of form.models) {
    const s = sources.find((x) => x.id === id);
    if (!s) throw new PlanError(`model "${id}" is not in this browser`, 'add it in Models, or untick it');
    picked.push(s);
  }
  if (picked.length === 0) throw new PlanError('the plan has no models', 'tick at least one model');
  if (!Number.isInteger(form.limit) || form.limit < 1) throw new PlanError(`first N items must be a whole number of at least 1, not ${form.limit}`, 'set N to 1 or more (the paper: 250)');
  if (!Number.isInteger(form.maxNewTokens) || form.maxNewTokens < 1) throw new PlanError(`max new tokens must be a whole number of at least 1, not ${form.maxNewTokens}`, 'set it to 1 or more (the paper: 60)');
  if (form.templates.length === 0) throw new PlanError('the plan has no templates', 'tick map 0, map 1 or both');
  const shots = parseShotList(form.shots);
  const templates = [...form.templates].sort((a, b) => a - b);
  const extra = {
    templates,
    limit: form.limit,
    ...(shots ? { shots } : {}),
    ...(form.maxNewTokens !== PAPER_PROTOCOL.maxNewTokens ? { maxNewTokens: form.maxNewTokens } : {}),
  };
  if (form.source === 'preset') {
    const models: PresetModel[] = picked.map((s) => presetModelOf(s, baseHref) ?? { spec: specOf(s, baseHref), method: 'base' });
    const d = studyPreset({ trainingSet: form.trainingSet, kind: form.kind, models, limit: form.limit, settings: DEFAULT_STUDY_SETTINGS });
    return { ...d, ...extra, name: `${d.name}, ${picked.length} model${picked.length === 1 ? '' : 's'}` };
  }
  if (form.modes.length === 0) throw new PlanError('the plan has no modes', 'tick zero-shot, icl or fticl');
  const known = catalogueTestSets();
  const testSets = form.testSets.map((name) => {
    const t = known.find((k) => k.dataset === name);
    if (!t) throw new PlanError(`"${name}" is not one of the paper's test sets`, 'pick test sets from the list');
    return t;
  });
  const models: ModelSpec[] = picked.map((s) => specOf(s, baseHref));
  return freePlan({ models, testSets, modes: BATCH_MODES.filter((m) => form.modes.includes(m)), ...extra });
}

/** Where a draft's test sets come from: the catalogue's files by id (the DatasetLibrary). */
export interface CatalogueSource {
  loadCatalogue(id: string): Promise<{ items: readonly TaskItem[] }>;
}

/** The FTICL pool's dataset for a draft: its own, the preset's training set, or the task's (PAPER_PROTOCOL.fticlPools). */
function fticlPoolOf(draft: PlanDraft, task: string): string {
  if (draft.fticlPool) return draft.fticlPool;
  if (draft.preset) return draft.preset.trainingSet;
  const pools = PAPER_PROTOCOL.fticlPools as Readonly<Record<string, string>>;
  return pools[task] ?? task;
}

/** The runnable plan of a draft: its test sets (and few-shot pools) loaded from the catalogue. */
export async function planOf(draft: PlanDraft, data: CatalogueSource): Promise<EvalPlan> {
  const icl = draft.modes.includes('icl');
  const fticl = draft.modes.includes('fticl');
  const testSets: TestSet[] = [];
  for (const t of draft.testSets) {
    if (!isPaperTaskId(t.task)) throw new PlanError(`test set "${t.dataset}" has task "${t.task}", which is not one of the paper's`);
    const entry = catalogueEntries({ dataset: t.dataset, role: 'test' })[0];
    if (!entry) throw new PlanError(`"${t.dataset}" is not one of the paper's test sets`, 'pick test sets from the catalogue');
    const task = getTask(t.task);
    const items = (await data.loadCatalogue(entry.id)).items;
    const set: TestSet = { name: t.dataset, task, items };
    if (icl) set.demos = (await data.loadCatalogue(fewShotSetOf(t.dataset).id)).items;
    if (fticl) {
      const pool = fewShotSetOf(fticlPoolOf(draft, t.task));
      set.fticl = { task: getTask(pool.task), demos: (await data.loadCatalogue(pool.id)).items };
    }
    testSets.push(set);
  }
  return {
    models: draft.models,
    testSets,
    modes: draft.modes,
    ...(draft.shots ? { shots: draft.shots } : {}),
    templates: draft.templates,
    limit: draft.limit,
    ...(draft.labelScoring ? { labelScoring: draft.labelScoring } : {}),
    ...(draft.tokenization ? { tokenization: draft.tokenization } : {}),
    ...(draft.maxNewTokens ? { maxNewTokens: draft.maxNewTokens } : {}),
  };
}
