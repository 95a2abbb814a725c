/**
 * What the Evaluate panel infers from a picked data file's name, and how it shows a file's
 * problems. Pure and light (the catalogue is a table): the parsing itself (papaparse) is loaded
 * on first use, see evaluation.ts.
 */
import { PAPER_CATALOGUE, type DatasetRole } from '../../core/datasets/catalogue.ts';
import type { DatasetProblem } from '../../core/datasets/types.ts';
import type { PaperTaskId } from '../../core/tasks/types.ts';

export interface FileGuess {
  /** The dataset name a test file's records are keyed by: "sst2" for sst2_test_500.json. */
  dataset: string;
  /** The task, when the name is one of the paper's files. */
  task?: PaperTaskId;
  /** What the paper's file is (test set, few-shot pool, training set), when it is one. */
  role?: DatasetRole;
  /** The catalogue id ("sst2_test_500"), when the name matches one. */
  catalogueId?: string;
}

/** The file name without folders and without its last extension: "a/b/sst2_test_500.json" → "sst2_test_500". */
export function fileStem(fileName: string): string {
  const base = fileName.split(/[\\/]/).pop() ?? fileName;
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(0, dot) : base;
}

/**
 * A test set's name from its file: the stem without a `_test` / `_test_500` suffix, so
 * `sst2_test_500.json` is "sst2" as in the catalogue and the CLI (the name is part of each
 * cell's key, so the browser and `ftlab eval` key the same file's records alike).
 */
export function testSetNameOf(fileName: string): string {
  const stem = fileStem(fileName);
  return stem.replace(/_test(_\d+)?$/, '') || stem;
}

/**
 * Task, role and dataset name from a file name. A paper file is recognised by its exact stem
 * (a copy renamed "sst2_test_500 (1).json" is not: guessing a task from a loose match could
 * silently score a file against the wrong labels).
 */
export function guessFromFileName(fileName: string): FileGuess {
  const stem = fileStem(fileName);
  const entry = PAPER_CATALOGUE.find((e) => e.id === stem);
  if (!entry) return { dataset: testSetNameOf(fileName) };
  return { dataset: entry.dataset, task: entry.task, role: entry.role, catalogueId: entry.id };
}

/** A note when a picked file is a paper file of another role than the slot it was put in. */
export function roleMismatch(guess: FileGuess, expected: DatasetRole): string | null {
  if (!guess.role || guess.role === expected) return null;
  const what: Record<DatasetRole, string> = { test: 'a test set', 'few-shot': 'a few-shot file', train: 'a training set' };
  return `${guess.catalogueId} is ${what[guess.role]} of the paper, not ${what[expected]}`;
}

/** The first `max` problems' sentences, and how many more there are. */
export function firstProblems(problems: readonly DatasetProblem[], total: number, max = 5): { lines: string[]; more: number } {
  const lines = problems.slice(0, max).map((p) => p.text);
  return { lines, more: Math.max(0, total - lines.length) };
}
