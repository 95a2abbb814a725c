/**
 * The test sets of an `ftlab eval` plan, from dataset files (--data/--task/--demos) or from the
 * paper's catalogue under a data folder (--paper-data DIR --test-set NAME). Few-shot pools are
 * read only when a mode needs them.
 */
import path from 'node:path';
import { catalogueEntries, fewShotSetOf, testSetOf, UnknownDatasetError } from '../../core/datasets/index.ts';
import type { TaskItem } from '../../core/datasets/types.ts';
import type { EvalMode, TestSet } from '../../core/run/index.ts';
import { getTask, type TaskDefinition } from '../../core/tasks/index.ts';
import { CliOptionError } from './errors.ts';
import { readDataset } from './input.ts';

/**
 * A test set's name from its file: the stem without a `_test` / `_test_500` suffix, so
 * `sst2_test_500.json` is "sst2" as in the catalogue (the name is part of each cell's key).
 */
export function testSetNameOf(file: string): string {
  const stem = path.basename(file).replace(/\.[^.]*$/, '');
  return stem.replace(/_test(_\d+)?$/, '') || stem;
}

export interface FileTestSetOptions {
  data: readonly string[];
  /** One task for all files, or one per file. */
  tasks: readonly string[];
  /** None, or one few-shot file per --data. */
  demos: readonly string[];
  /** FTICL pool file; its task is fticlTask, else each test set's own. */
  fticlPool?: string;
  fticlTask?: string;
  modes: readonly EvalMode[];
}

const fail = (msg: string, hint?: string): CliOptionError => new CliOptionError('eval', msg, hint);

/** Reads a file once even when several test sets share it (a pool for one task). */
function cachedReader(): (file: string, task: TaskDefinition) => Promise<TaskItem[]> {
  const cache = new Map<string, Promise<TaskItem[]>>();
  return (file, task) => {
    const key = `${task.id}\u0000${file}`;
    let p = cache.get(key);
    if (!p) cache.set(key, (p = readDataset(file, task)));
    return p;
  };
}

export async function testSetsFromFiles(o: FileTestSetOptions): Promise<TestSet[]> {
  if (o.tasks.length === 0) throw fail('--data needs --task TASK (one for all files, or one per --data)');
  if (o.tasks.length !== 1 && o.tasks.length !== o.data.length) throw fail(`give one --task, or one per --data (${o.data.length}), not ${o.tasks.length}`);
  if (o.demos.length !== 0 && o.demos.length !== o.data.length) throw fail(`give one --demos per --data (${o.data.length}), not ${o.demos.length}`);
  if (o.modes.includes('icl') && o.demos.length === 0) throw fail('--mode icl needs --demos FILE (the few-shot file of each --data)');
  if (o.modes.includes('fticl') && !o.fticlPool) throw fail('--mode fticl needs --fticl-pool FILE (the few-shot file of the FTICL model\'s training task)');
  if (o.fticlPool && !o.modes.includes('fticl')) throw fail('--fticl-pool is only used with --mode fticl');
  const read = cachedReader();
  const fticlTask = o.fticlTask ? getTask(o.fticlTask) : undefined;
  const sets: TestSet[] = [];
  for (const [i, file] of o.data.entries()) {
    const task = getTask(o.tasks.length === 1 ? o.tasks[0] : o.tasks[i]);
    const set: TestSet = { name: testSetNameOf(file), task, items: await read(file, task) };
    if (o.demos.length > 0 && o.modes.includes('icl')) set.demos = await read(o.demos[i], task);
    if (o.fticlPool) {
      const poolTask = fticlTask ?? task;
      set.fticl = { task: poolTask, demos: await read(o.fticlPool, poolTask) };
    }
    sets.push(set);
  }
  return sets;
}

export interface PaperTestSetOptions {
  dir: string;
  names: readonly string[];
  /** A dataset name whose few-shot file is the FTICL pool ("amazon" for a sentiment FTICL model). */
  fticlPool?: string;
  modes: readonly EvalMode[];
}

export async function testSetsFromCatalogue(o: PaperTestSetOptions): Promise<TestSet[]> {
  if (o.names.length === 0) throw fail('--paper-data needs --test-set NAME[,NAME...]', `the paper's test sets: ${catalogueEntries({ role: 'test' }).map((e) => e.dataset).join(', ')}`);
  if (o.modes.includes('fticl') && !o.fticlPool) {
    throw fail('--mode fticl needs --fticl-pool NAME: the dataset whose few-shot file the FTICL model was trained with', 'the paper\'s pools: summary xsum, question socialqa, sentiment amazon, detection paws, inference multinli');
  }
  if (o.fticlPool && !o.modes.includes('fticl')) throw fail('--fticl-pool is only used with --mode fticl');
  const read = cachedReader();
  let fticl: TestSet['fticl'];
  if (o.fticlPool) {
    const entry = fewShotOf(o.fticlPool, '--fticl-pool');
    const task = getTask(entry.task);
    fticl = { task, demos: await read(path.join(o.dir, entry.path), task) };
  }
  const sets: TestSet[] = [];
  for (const name of o.names) {
    const entry = testSetOf(name);
    const task = getTask(entry.task);
    const set: TestSet = { name: entry.dataset, task, items: await read(path.join(o.dir, entry.path), task) };
    if (o.modes.includes('icl')) set.demos = await read(path.join(o.dir, fewShotOf(name, '--test-set').path), task);
    if (fticl) set.fticl = fticl;
    sets.push(set);
  }
  return sets;
}

function fewShotOf(name: string, option: string) {
  try {
    return fewShotSetOf(name);
  } catch (e) {
    if (!(e instanceof UnknownDatasetError)) throw e;
    const known = catalogueEntries({ role: 'few-shot' }).map((x) => x.dataset);
    throw fail(`${option} ${name}: the paper's data has no few-shot file for "${name}"`, `few-shot files exist for: ${known.join(', ')}`);
  }
}
