/**
 * The Evaluate panel's data: the test file, its few-shot file (ICL demonstrations) and an FTICL
 * pool file, each read once and parsed for its task (again when the task changes). The parser
 * (papaparse for CSV) is loaded on the first pick, not with the page.
 */
import { findDemoOverlaps } from '../../core/datasets/overlap.ts';
import { DatasetValidationError } from '../../core/datasets/errors.ts';
import type { DatasetProblem, TaskItem } from '../../core/datasets/types.ts';
import type { TestSet } from '../../core/run/plan.ts';
import { getTask, PAPER_TASKS } from '../../core/tasks/index.ts';
import { describeError } from '../../engine-client/errors.ts';
import { firstProblems, guessFromFileName, roleMismatch, type FileGuess } from './data-files.ts';

/** Why a file cannot be used, as the panel shows it. */
export interface FileProblem {
  code: string;
  message: string;
  hint?: string;
  /** The first few problems (file, item or line, field). */
  lines: string[];
  /** Problems past those. */
  more: number;
}

/** A picked file: its text (kept to re-parse on a task change), and what parsing it gave. */
export interface DataFile {
  name: string;
  text: string;
  guess: FileGuess;
  /** A paper file picked into the wrong slot ("sst2_few_shot is a few-shot file, not a test set"). */
  roleNote: string | null;
  items: readonly TaskItem[] | null;
  warnings: readonly DatasetProblem[];
  problem: FileProblem | null;
  /** The browser could not read the file (nothing to re-parse). */
  unreadable?: boolean;
}

export type DataSlot = 'test' | 'fewShot' | 'fticl';

const ROLE = { test: 'test', fewShot: 'few-shot', fticl: 'few-shot' } as const;

function problemOf(e: unknown): FileProblem {
  if (e instanceof DatasetValidationError) {
    const { lines, more } = firstProblems(e.problems, e.problemCount);
    const head = e.problemCount === 1 ? e.problems[0].text : `${e.source}: ${e.problemCount} problems`;
    return { code: e.code, message: head, ...(e.hint ? { hint: e.hint } : {}), lines: e.problemCount === 1 ? [] : lines, more: e.problemCount === 1 ? 0 : more };
  }
  const d = describeError(e);
  return { code: d.code ?? d.name, message: d.message, ...(d.hint ? { hint: d.hint } : {}), lines: [], more: 0 };
}

export class EvalData {
  test = $state.raw<DataFile | null>(null);
  fewShot = $state.raw<DataFile | null>(null);
  fticl = $state.raw<DataFile | null>(null);
  /** The test set's task (the few-shot file is parsed for it too). */
  testTaskId = $state('sentiment');
  /** The FTICL pool's task (another task's pool makes a cross-task FTICL evaluation). */
  fticlTaskId = $state('sentiment');
  /** The test set's name in cell keys: "sst2" for sst2_test_500.json; editable. */
  datasetName = $state('');
  /** Parses in flight (the panel waits for them before planning). */
  pending = $state(0);

  readonly tasks = PAPER_TASKS;
  /** Picks per slot: a parse that finishes after a newer pick is dropped. */
  #picks: Record<DataSlot, number> = { test: 0, fewShot: 0, fticl: 0 };

  get testTask() {
    return getTask(this.testTaskId);
  }

  /** The plan's test set, when the test file (and any picked pools) parsed cleanly. */
  get testSet(): TestSet | null {
    const items = this.test?.items;
    if (!items || !this.datasetName.trim()) return null;
    const task = this.testTask;
    const set: TestSet = { name: this.datasetName.trim(), task, items };
    if (this.fewShot?.items) set.demos = this.fewShot.items;
    if (this.fticl?.items) set.fticl = { task: getTask(this.fticlTaskId), demos: this.fticl.items };
    return set;
  }

  /** Picks (or, with null, clears) a slot's file; a test or FTICL file's name sets its task when it is a paper file. */
  async pick(slot: DataSlot, file: File | null): Promise<void> {
    const pick = ++this.#picks[slot];
    if (!file) {
      this[slot] = null;
      return;
    }
    this.pending++;
    try {
      const guess = guessFromFileName(file.name);
      let text: string;
      try {
        text = await file.text();
      } catch (e) {
        if (pick === this.#picks[slot]) this[slot] = { name: file.name, text: '', guess, roleNote: null, items: null, warnings: [], problem: problemOf(e), unreadable: true };
        return;
      }
      if (pick !== this.#picks[slot]) return;
      if (slot === 'test') {
        if (guess.task) this.followTestTask(guess.task);
        this.datasetName = guess.dataset;
      } else if (slot === 'fticl' && guess.task) this.fticlTaskId = guess.task;
      const base: DataFile = { name: file.name, text, guess, roleNote: roleMismatch(guess, ROLE[slot]), items: null, warnings: [], problem: null };
      this[slot] = base;
      await this.reparse(slot, slot === 'fticl' ? this.fticlTaskId : this.testTaskId);
      // The test file's task may have changed: the few-shot file is read for it.
      if (slot === 'test') await this.reparse('fewShot', this.testTaskId);
    } finally {
      this.pending--;
    }
  }

  /** Re-parses the files of a task change. */
  async setTask(which: 'test' | 'fticl', taskId: string): Promise<void> {
    this.pending++;
    try {
      if (which === 'test') {
        this.followTestTask(taskId);
        await this.reparse('test', taskId);
        await this.reparse('fewShot', taskId);
      } else {
        this.fticlTaskId = taskId;
        await this.reparse('fticl', taskId);
      }
    } finally {
      this.pending--;
    }
  }

  /** Sets the test task; the FTICL pool's task follows it until a pool file is picked (same-task FTICL, the common case). */
  private followTestTask(taskId: string): void {
    this.testTaskId = taskId;
    if (!this.fticl) this.fticlTaskId = taskId;
  }

  /** Parses a slot's file for a task; dropped if the slot got another file meanwhile. */
  private async reparse(slot: DataSlot, taskId: string): Promise<void> {
    const f = this[slot];
    if (!f || f.unreadable) return;
    const next = await this.parsed(f, taskId);
    if (this[slot] === f) this[slot] = next;
  }

  private async parsed(f: DataFile, taskId: string): Promise<DataFile> {
    try {
      // Loaded on first use: the parser brings papaparse.
      const { parseDataset } = await import('../../core/datasets/parse.ts');
      const parsed = parseDataset(f.text, { task: getTask(taskId), source: f.name });
      return { ...f, items: parsed.items, warnings: parsed.warnings, problem: null };
    } catch (e) {
      return { ...f, items: null, warnings: [], problem: problemOf(e) };
    }
  }

  /**
   * Few-shot demonstrations that are also among the first `limit` test items (several of the
   * paper's few-shot files have some): an ICL prompt then shows the model the item it asks about.
   */
  overlaps(limit: number): { demo: number; test: number; identical: boolean }[] {
    const demos = this.fewShot?.items;
    const tests = this.test?.items;
    if (!demos || !tests) return [];
    return findDemoOverlaps(this.testTask, demos, tests, { limit, includePartial: false }).map((o) => ({ demo: o.demoIndex, test: o.testIndex, identical: o.identical }));
  }
}
