/**
 * The study's figures as data: a figure spec (a training set, which column groups) and cell
 * aggregates → matrices like the paper's, one panel per mode × shots × template. Rows are the
 * models grouped base / FT on X / FTICL on X, columns the test sets grouped in-domain /
 * out-of-domain / cross-task for that training set (src/core/datasets/protocol.ts' study
 * settings, configurable). Each cell has its metric, its 95 % interval, its difference from the
 * base model, and its state: a cell with too few samples, errors or none at all says so.
 *
 * No DOM: the Results view draws it and `ftlab report` prints it.
 */
import { DATASET_TITLES } from '../datasets/catalogue.ts';
import { DEFAULT_STUDY_SETTINGS, studySettingFor, type StudySettings } from '../datasets/protocol.ts';
import type { CellAggregate } from '../run/aggregate.ts';
import type { CellSpec, EvalMode } from '../run/records.ts';
import { FigureSpecError } from './errors.ts';
import { modelGroupLabel, modelInfoFromId, type ModelInfo } from './models.ts';
import { paperCellValue, paperModelValues, type PaperCellValue, type PaperModelValue } from './paper-values.ts';

export const FIGURE_KINDS = ['in-domain', 'out-of-domain', 'cross-task'] as const;
export type FigureKind = (typeof FIGURE_KINDS)[number];

export const FIGURE_KIND_TITLES: Readonly<Record<FigureKind, string>> = { 'in-domain': 'in-domain', 'out-of-domain': 'out-of-domain', 'cross-task': 'cross-task' };

/** A cell's numbers as a figure takes them (a run's results, a stored plan's cells, an import). */
export interface FigureInputCell {
  key: string;
  spec: CellSpec;
  aggregate: CellAggregate;
}

export interface FigureSpec {
  /** The training set the figure is about ("paws"). */
  trainingSet: string;
  /** Column groups, in order (default: all three). */
  kinds?: readonly FigureKind[];
  settings?: StudySettings;
  /** A cell with fewer scored samples is flagged 'too-few' (default 10). */
  minSamples?: number;
  /** The model differences are taken from (default: the first base model). */
  baseModel?: string;
  /** Keep test-set columns no cell has (default false: a figure shows what was run or planned). */
  keepEmptyColumns?: boolean;
}

export interface FigureRow {
  modelId: string;
  info: ModelInfo;
  /** "base", "FT on paws", "FTICL on paws". */
  group: string;
  /** The paper's printed model values (mean |Δw|), if any. */
  paper: PaperModelValue[];
}

export interface FigureColumn {
  dataset: string;
  /** The dataset's title as the paper writes it ("PAWS"). */
  title: string;
  task: string;
  kind: FigureKind;
}

export type FigureCellState = 'ok' | 'too-few' | 'errors' | 'missing' | 'absent';

export interface FigureCell {
  /**
   * ok; too-few (fewer than minSamples scored); errors (some samples failed; the value is over
   * the rest); missing (planned, no sample scored yet); absent (no such cell in the data).
   */
  state: FigureCellState;
  metric: 'rougeL' | 'accuracy';
  /** ROUGE-L bootstrap mid or accuracy, as a fraction; absent when nothing was scored. */
  value?: number;
  low?: number;
  high?: number;
  n: number;
  expected: number;
  errors: number;
  missing: number;
  /** value − the base model's value in this column and panel. */
  delta?: number;
  cellKey?: string;
  paper?: PaperCellValue;
}

export interface FigurePanel {
  /** Stable id for URLs: "icl-2-map0" (+ "-full-label", "-paper-code", "-max30"). */
  id: string;
  /** "icl 2-shot, map 0". */
  title: string;
  mode: EvalMode;
  shots: number;
  template: number;
  /** cells[row][column]. */
  cells: FigureCell[][];
}

export interface StudyFigure {
  trainingSet: string;
  task: string;
  kinds: FigureKind[];
  rows: FigureRow[];
  columns: FigureColumn[];
  panels: FigurePanel[];
  baseModel?: string;
  minSamples: number;
}

const MODE_ORDER: Readonly<Record<EvalMode, number>> = { 'zero-shot': 0, icl: 1, fticl: 2 };
const METHOD_ORDER = { base: 0, ft: 1, fticl: 2 } as const;

/** The panel a cell belongs to: its prompt setting without model and test set. */
export function panelIdOf(spec: CellSpec): string {
  const parts = [spec.mode, String(spec.shots), `map${spec.template}`];
  if (spec.scoring === 'in-context' || spec.scoring === 'full-label') parts.push(spec.scoring);
  if (spec.tokenization === 'paper-code') parts.push('paper-code');
  if (spec.maxNewTokens !== undefined) parts.push(`max${spec.maxNewTokens}`);
  return parts.join('-');
}

function panelTitle(spec: CellSpec): string {
  const mode = spec.mode === 'zero-shot' ? 'zero-shot' : `${spec.mode} ${spec.shots}-shot`;
  const extra = [
    spec.scoring === 'in-context' || spec.scoring === 'full-label' ? spec.scoring : '',
    spec.tokenization === 'paper-code' ? 'paper-code ids' : '',
    spec.maxNewTokens !== undefined ? `max ${spec.maxNewTokens} tokens` : '',
  ].filter(Boolean);
  return `${mode}, map ${spec.template}${extra.length ? ` (${extra.join(', ')})` : ''}`;
}

/** The test-set columns of a figure, grouped by kind. */
export function figureColumns(trainingSet: string, kinds: readonly FigureKind[] = FIGURE_KINDS, settings: StudySettings = DEFAULT_STUDY_SETTINGS): FigureColumn[] {
  const s = studySettingFor(trainingSet, settings);
  const cols: FigureColumn[] = [];
  const add = (dataset: string, task: string, kind: FigureKind): void => void cols.push({ dataset, title: DATASET_TITLES[dataset] ?? dataset, task, kind });
  for (const kind of kinds) {
    if (kind === 'in-domain') for (const d of s.inDomain) add(d, s.task, kind);
    else if (kind === 'out-of-domain') for (const d of s.outOfDomain) add(d, s.task, kind);
    else for (const [task, sets] of Object.entries(s.crossTask)) for (const d of sets) add(d, task, kind);
  }
  return cols;
}

/** Whether a model belongs in a figure about `trainingSet`: base models, and FT/FTICL on it (or on an unknown set). */
function belongs(info: ModelInfo, trainingSet: string): boolean {
  return info.method === 'base' || info.trainingSet === undefined || info.trainingSet === trainingSet;
}

function figureCell(spec: CellSpec | undefined, agg: CellAggregate | undefined, key: string | undefined, minSamples: number, isGeneration: boolean): FigureCell {
  const metric = isGeneration ? 'rougeL' : 'accuracy';
  if (!spec || !agg) return { state: 'absent', metric, n: 0, expected: 0, errors: 0, missing: 0 };
  const base = { metric, n: agg.n, expected: agg.expected, errors: agg.errors, missing: agg.missing, ...(key ? { cellKey: key } : {}) } as const;
  const v = agg.rougeL ? { value: agg.rougeL.mid, low: agg.rougeL.low, high: agg.rougeL.high } : agg.accuracy ? { value: agg.accuracy.value, low: agg.accuracy.low, high: agg.accuracy.high } : undefined;
  if (!v || agg.n === 0) return { ...base, state: 'missing' };
  const state: FigureCellState = agg.n < minSamples ? 'too-few' : agg.errors > 0 ? 'errors' : 'ok';
  return { ...base, ...v, state };
}

/**
 * Build the figure. `models` tells each model's method and training set (from manifests); a
 * model it does not know is read from its id (modelInfoFromId). Throws FigureSpecError for an
 * unknown training set.
 */
export function buildFigure(spec: FigureSpec, cells: readonly FigureInputCell[], models: readonly ModelInfo[] = []): StudyFigure {
  const settings = spec.settings ?? DEFAULT_STUDY_SETTINGS;
  if (!settings[spec.trainingSet]) {
    throw new FigureSpecError(`no study setting for training set "${spec.trainingSet}"`, `use one of ${Object.keys(settings).join(', ')}`);
  }
  const kinds = [...(spec.kinds ?? FIGURE_KINDS)];
  const minSamples = spec.minSamples ?? 10;
  const known = new Map(models.map((m) => [m.id, m]));
  const infoOf = (id: string): ModelInfo => known.get(id) ?? modelInfoFromId(id);
  const allColumns = figureColumns(spec.trainingSet, kinds, settings);
  const allDatasets = new Set(allColumns.map((c) => c.dataset));
  // Rows: every model with a cell in one of the columns, that belongs to this training set.
  const inFigure = cells.filter((c) => allDatasets.has(c.spec.dataset) && belongs(infoOf(c.spec.modelId), spec.trainingSet));
  const used = new Set(inFigure.map((c) => c.spec.dataset));
  const columns = spec.keepEmptyColumns ? allColumns : allColumns.filter((c) => used.has(c.dataset));
  const colIndex = new Map(columns.map((c, i) => [c.dataset, i]));
  const modelIds = [...new Set(inFigure.map((c) => c.spec.modelId))];
  const rows: FigureRow[] = modelIds
    .map((id) => infoOf(id))
    .sort((a, b) => METHOD_ORDER[a.method] - METHOD_ORDER[b.method] || (a.trainSize ?? 0) - (b.trainSize ?? 0) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .map((info) => ({ modelId: info.id, info, group: modelGroupLabel(info), paper: paperModelValues(info) }));
  const rowIndex = new Map(rows.map((r, i) => [r.modelId, i]));
  const baseModel = spec.baseModel ?? rows.find((r) => r.info.method === 'base')?.modelId;
  if (spec.baseModel !== undefined && !rowIndex.has(spec.baseModel)) {
    throw new FigureSpecError(`base model "${spec.baseModel}" has no cell in this figure`, `pick one of ${rows.map((r) => r.modelId).join(', ') || '(no model)'}`);
  }

  // Panels: one per prompt setting present, in mode, shots, template order.
  const panelSpecs = new Map<string, CellSpec>();
  for (const c of inFigure) if (!panelSpecs.has(panelIdOf(c.spec))) panelSpecs.set(panelIdOf(c.spec), c.spec);
  const ordered = [...panelSpecs.entries()].sort(([ia, a], [ib, b]) => MODE_ORDER[a.mode] - MODE_ORDER[b.mode] || a.shots - b.shots || a.template - b.template || (ia < ib ? -1 : 1));
  const panels: FigurePanel[] = ordered.map(([id, ps]) => {
    const grid: (FigureInputCell | undefined)[][] = rows.map(() => columns.map(() => undefined));
    for (const c of inFigure) if (panelIdOf(c.spec) === id) grid[rowIndex.get(c.spec.modelId)!][colIndex.get(c.spec.dataset)!] = c;
    const fcells = grid.map((row, r) =>
      row.map((c, j) => {
        const cell = figureCell(c?.spec, c?.aggregate, c?.key, minSamples, columns[j].task === 'summary' || columns[j].task === 'question');
        const paper = paperCellValue(rows[r].info, columns[j].dataset);
        return paper && paper.metric === cell.metric ? { ...cell, paper } : cell;
      }),
    );
    if (baseModel !== undefined) {
      const b = rowIndex.get(baseModel)!;
      for (let r = 0; r < rows.length; r++) {
        for (let j = 0; j < columns.length; j++) {
          const v = fcells[r][j].value;
          const bv = fcells[b][j].value;
          if (r !== b && v !== undefined && bv !== undefined) fcells[r][j].delta = v - bv;
        }
      }
    }
    return { id, title: panelTitle(ps), mode: ps.mode, shots: ps.shots, template: ps.template, cells: fcells };
  });
  return { trainingSet: spec.trainingSet, task: settings[spec.trainingSet].task, kinds, rows, columns, panels, ...(baseModel ? { baseModel } : {}), minSamples };
}

/** The training sets whose figures the cells can fill (a test set of the set's in-domain or out-of-domain columns). */
export function trainingSetsOf(cells: readonly FigureInputCell[], settings: StudySettings = DEFAULT_STUDY_SETTINGS): string[] {
  const datasets = new Set(cells.map((c) => c.spec.dataset));
  const fromModels = new Set(cells.map((c) => modelInfoFromId(c.spec.modelId).trainingSet).filter((s): s is string => s !== undefined));
  return Object.entries(settings)
    .filter(([name, s]) => fromModels.has(name) || [...s.inDomain, ...s.outOfDomain].some((d) => datasets.has(d)))
    .map(([name]) => name);
}
