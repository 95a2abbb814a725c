/**
 * An evaluation plan: models × test sets × modes × shots × templates × the first N items.
 * `expandPlan` turns it into cells in a fixed order (model, test set, mode, shots, template),
 * the order a run visits them.
 */
import type { ModelSpec } from '../engine.ts';
import type { TaskDefinition } from '../tasks/index.ts';
import { isClassification } from '../tasks/index.ts';
import type { TaskItem } from '../datasets/types.ts';
import { PAPER_PROTOCOL } from '../datasets/protocol.ts';
import { cellKey, type CellSpec, type EvalMode, type LabelScoring, type PromptTokenization } from './records.ts';
import { PlanError } from './errors.ts';

export interface TestSet {
  /** Dataset name, e.g. "xsum" (part of the cell key). */
  name: string;
  task: TaskDefinition;
  items: readonly TaskItem[];
  /** The test set's own few-shot pool: ICL demonstrations are its first k items. */
  demos?: readonly TaskItem[];
  /**
   * The FTICL pool (the training task's few-shot file, e.g. xsum's for a summary model): what an
   * FTICL model saw before each training example. Needed for mode 'fticl'. Its task may differ
   * from the test set's (cross-task evaluation).
   */
  fticl?: { task: TaskDefinition; demos: readonly TaskItem[] };
}

export interface EvalPlan {
  models: readonly ModelSpec[];
  testSets: readonly TestSet[];
  modes: readonly EvalMode[];
  /**
   * Shot counts for 'icl' and 'fticl' (zero-shot is always 0 shots). Default: the paper's
   * non-zero shots of each test set's task (summary 4,2,1; sentiment 2,4,6; inference 3,5,7).
   */
  shots?: readonly number[];
  /** Template indexes (the paper: 0 and 1). */
  templates: readonly number[];
  /** First N items of each test set (the paper: 250). */
  limit?: number;
  /** Classification scoring (default 'paper': the fixed first-token ids). */
  labelScoring?: LabelScoring;
  /** New tokens for generation (the paper: 60). */
  maxNewTokens?: number;
  /** What the model is fed (default 'protocol'; 'paper-code': the authors' exact ids). */
  tokenization?: PromptTokenization;
}

export interface PlannedCell {
  spec: CellSpec;
  key: string;
  testSet: TestSet;
  model: ModelSpec;
  /** The demonstrations of this cell (empty for zero-shot). */
  demos: readonly TaskItem[];
  /** The task the demonstrations belong to (the test set's, or the FTICL pool's). */
  demoTask: TaskDefinition;
  /** Item positions evaluated: 0 .. min(limit, items) - 1. */
  itemCount: number;
}

export const DEFAULT_LIMIT = PAPER_PROTOCOL.evaluatedItems;
export const DEFAULT_MAX_NEW_TOKENS = PAPER_PROTOCOL.maxNewTokens;

function paperShots(taskId: string): number[] {
  const table = PAPER_PROTOCOL.shots as Readonly<Record<string, readonly number[]>>;
  return (table[taskId] ?? []).filter((k) => k > 0);
}

/** Every cell of a plan, validated (throws PlanError naming the first problem). */
export function expandPlan(plan: EvalPlan): PlannedCell[] {
  if (plan.models.length === 0) throw new PlanError('the plan has no models');
  if (plan.testSets.length === 0) throw new PlanError('the plan has no test sets');
  if (plan.modes.length === 0) throw new PlanError('the plan has no modes');
  if (plan.templates.length === 0) throw new PlanError('the plan has no templates');
  const limit = plan.limit ?? DEFAULT_LIMIT;
  if (!Number.isInteger(limit) || limit < 1) throw new PlanError(`limit must be a positive integer, not ${limit}`);
  const ids = new Set<string>();
  for (const m of plan.models) {
    if (ids.has(m.id)) throw new PlanError(`model "${m.id}" is listed twice`);
    ids.add(m.id);
  }
  const names = new Set<string>();
  for (const t of plan.testSets) {
    if (names.has(t.name)) throw new PlanError(`test set "${t.name}" is listed twice`);
    names.add(t.name);
  }
  const cells: PlannedCell[] = [];
  for (const model of plan.models) {
    for (const testSet of plan.testSets) {
      const { task } = testSet;
      for (const template of plan.templates) {
        if (task.templates[template] === undefined) {
          throw new PlanError(`task "${task.id}" has no template ${template} (it has ${task.templates.length})`);
        }
      }
      for (const mode of plan.modes) {
        const shotList = mode === 'zero-shot' ? [0] : [...(plan.shots ?? paperShots(task.id))];
        if (shotList.length === 0) throw new PlanError(`mode "${mode}" needs shot counts for task "${task.id}"`, 'give the plan\'s shots');
        for (const shots of shotList) {
          if (!Number.isInteger(shots) || shots < 0) throw new PlanError(`shots must be non-negative integers, not ${shots}`);
          // k = 0 of icl/fticl IS the zero-shot prompt (as in the paper's shot lists [4, 2, 1, 0]).
          const cellMode: EvalMode = shots === 0 ? 'zero-shot' : mode;
          const pool = cellMode === 'icl' ? testSet.demos : cellMode === 'fticl' ? testSet.fticl?.demos : [];
          const demoTask = cellMode === 'fticl' && testSet.fticl ? testSet.fticl.task : task;
          const demos = (pool ?? []).slice(0, shots);
          if (demos.length < shots) {
            throw new PlanError(
              `${mode} with ${shots} shots on "${testSet.name}" needs ${shots} demonstrations; the ${mode === 'icl' ? 'few-shot' : 'FTICL'} pool has ${pool?.length ?? 0}`,
              mode === 'icl' ? 'load the test set\'s few-shot file' : 'load the training task\'s few-shot file as the FTICL pool',
            );
          }
          const scoring = isClassification(task) ? (plan.labelScoring ?? 'paper') : 'generate';
          const paperCode = plan.tokenization === 'paper-code';
          if (paperCode && cellMode === 'fticl') {
            throw new PlanError('tokenization "paper-code" has no FTICL evaluation path: the authors\' code evaluates zero-shot and ICL prompts only', 'use tokenization "protocol" for fticl cells');
          }
          if (paperCode && scoring !== 'paper' && scoring !== 'generate') {
            throw new PlanError(`tokenization "paper-code" scores labels the paper's way only, not "${scoring}"`, 'use labelScoring "paper", or tokenization "protocol"');
          }
          for (const template of plan.templates) {
            const budget = scoring === 'generate' ? (plan.maxNewTokens ?? DEFAULT_MAX_NEW_TOKENS) : DEFAULT_MAX_NEW_TOKENS;
            const spec: CellSpec = {
              modelId: model.id,
              dataset: testSet.name,
              task: task.id,
              mode: cellMode,
              shots,
              template,
              scoring,
              ...(paperCode ? { tokenization: 'paper-code' as const } : {}),
              ...(budget !== DEFAULT_MAX_NEW_TOKENS ? { maxNewTokens: budget } : {}),
            };
            if (cells.some((c) => c.key === cellKey(spec))) continue;
            cells.push({ spec, key: cellKey(spec), testSet, model, demos, demoTask, itemCount: Math.min(limit, testSet.items.length) });
          }
        }
      }
    }
  }
  return cells;
}

/** The plan without its items: what a run's metadata keeps. */
export function describePlan(plan: EvalPlan): unknown {
  return {
    models: plan.models.map((m) => m.id),
    testSets: plan.testSets.map((t) => ({ name: t.name, task: t.task.id, items: t.items.length, demos: t.demos?.length ?? 0, fticl: t.fticl ? { task: t.fticl.task.id, demos: t.fticl.demos.length } : null })),
    modes: [...plan.modes],
    shots: plan.shots ? [...plan.shots] : 'paper',
    templates: [...plan.templates],
    limit: plan.limit ?? DEFAULT_LIMIT,
    labelScoring: plan.labelScoring ?? 'paper',
    maxNewTokens: plan.maxNewTokens ?? DEFAULT_MAX_NEW_TOKENS,
    tokenization: plan.tokenization ?? 'protocol',
  };
}
