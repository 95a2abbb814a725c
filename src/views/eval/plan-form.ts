/**
 * The Evaluate panel's plan form: its values, their defaults (the paper's), and the EvalPlan
 * they make with the loaded model and the picked files. Counting cells and samples runs
 * expandPlan, which is light (plan.ts only, not the runner and its Llama-2 vocabulary).
 */
import type { ModelSpec } from '../../core/engine.ts';
import { PAPER_PROTOCOL } from '../../core/datasets/protocol.ts';
import { DEFAULT_LIMIT, DEFAULT_MAX_NEW_TOKENS, expandPlan, type EvalPlan, type TestSet } from '../../core/run/plan.ts';
import type { EvalMode, LabelScoring, PromptTokenization } from '../../core/run/records.ts';
import { PlanFormError } from './errors.ts';
import { PROMPT_MODES } from '../../core/prompts/index.ts';

export interface PlanForm {
  modes: Record<EvalMode, boolean>;
  /** Shot counts for icl/fticl as typed: "2, 4, 6". */
  shots: string;
  templates: Record<0 | 1, boolean>;
  /** First N items. */
  limit: number;
  labelScoring: LabelScoring;
  tokenization: PromptTokenization;
  maxNewTokens: number;
  /** ROUGE-L bootstrap seed (the paper fixed none; ftlab records 0). */
  seed: number;
}

export const EVAL_MODES: readonly EvalMode[] = PROMPT_MODES;

/** The paper's non-zero shot counts of a task ("2, 4, 6" for sentiment), "" for a task it did not run. */
export function paperShotsText(taskId: string): string {
  const table = PAPER_PROTOCOL.shots as Readonly<Record<string, readonly number[]>>;
  return (table[taskId] ?? []).filter((k) => k > 0).join(', ');
}

/** The paper's protocol: zero-shot and ICL, its shots, both maps, 250 items, 60 new tokens, seed 0. */
export function defaultPlanForm(taskId: string): PlanForm {
  return {
    modes: { 'zero-shot': true, icl: true, fticl: false },
    shots: paperShotsText(taskId),
    templates: { 0: true, 1: true },
    limit: DEFAULT_LIMIT,
    labelScoring: 'paper',
    tokenization: 'protocol',
    maxNewTokens: DEFAULT_MAX_NEW_TOKENS,
    seed: 0,
  };
}

/** "2, 4,6" → [2, 4, 6]; throws PlanFormError naming the bad entry. Duplicates are dropped. */
export function parseShots(text: string): number[] {
  const parts = text.split(/[\s,]+/).filter((p) => p.length > 0);
  const out: number[] = [];
  for (const p of parts) {
    if (!/^\d+$/.test(p) || Number(p) > 64) throw new PlanFormError(`shots: "${p}" is not a whole number from 0 to 64`, 'type shot counts separated by commas, e.g. 2, 4, 6');
    if (!out.includes(Number(p))) out.push(Number(p));
  }
  return out;
}

function positiveInt(value: number, name: string, min: number): number {
  if (!Number.isInteger(value) || value < min) throw new PlanFormError(`${name} must be a whole number of at least ${min}, not ${value == null || Number.isNaN(value) ? 'empty' : value}`, `set ${name} to ${min} or more`);
  return value;
}

/**
 * The plan of the form for one model and one test set. Throws PlanFormError (a form value) or
 * PlanError (from expandPlan: too few demonstrations, no mode, ...) naming the first problem.
 */
export function planFromForm(form: PlanForm, model: ModelSpec, testSet: TestSet): EvalPlan {
  const modes = EVAL_MODES.filter((m) => form.modes[m]);
  const templates = ([0, 1] as const).filter((t) => form.templates[t]);
  const needsShots = modes.some((m) => m !== 'zero-shot');
  const shots = needsShots ? parseShots(form.shots) : [];
  if (needsShots && shots.length === 0) throw new PlanFormError('icl and fticl need at least one shot count', `type shot counts, e.g. the paper's ${paperShotsText(testSet.task.id) || '2, 4'}`);
  const plan: EvalPlan = {
    models: [model],
    testSets: [testSet],
    modes,
    shots,
    templates,
    limit: positiveInt(form.limit, 'first N items', 1),
    labelScoring: form.labelScoring,
    maxNewTokens: positiveInt(form.maxNewTokens, 'max new tokens', 1),
    tokenization: form.tokenization,
  };
  if (!Number.isInteger(form.seed) || form.seed < 0 || form.seed > 2 ** 32 - 1) throw new PlanFormError(`the bootstrap seed must be a whole number from 0 to 2^32-1, not ${form.seed ?? 'empty'}`, 'use 0 (ftlab\'s default)');
  expandPlan(plan); // validates: throws the planner's own PlanError
  return plan;
}

export interface PlanSummary {
  cells: number;
  /** Samples over all cells (cells × the first N items). */
  samples: number;
  /** Items per cell (the first N, or fewer when the file is shorter). */
  itemsPerCell: number;
}

/** What running the plan means: its cells and samples. */
export function summarizePlan(plan: EvalPlan): PlanSummary {
  const cells = expandPlan(plan);
  return { cells: cells.length, samples: cells.reduce((s, c) => s + c.itemCount, 0), itemsPerCell: cells[0]?.itemCount ?? 0 };
}

/** "2 cells × 3 items = 6 samples". */
export function planSummaryText(s: PlanSummary): string {
  const plural = (n: number, w: string): string => `${n} ${w}${n === 1 ? '' : 's'}`;
  return `${plural(s.cells, 'cell')} × ${plural(s.itemsPerCell, 'item')} = ${plural(s.samples, 'sample')}`;
}
