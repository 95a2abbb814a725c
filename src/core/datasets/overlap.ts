/**
 * Demonstrations that are also test items. Several of the paper's few-shot files share items
 * with the first 250 test items, so an ICL prompt can contain the very item it asks about,
 * answer included.
 *
 * Definitions: two items "share" an input field when its text is exactly equal and not blank.
 * They are *identical* when they share every input field of the task (the prompt would show
 * the item itself); a *partial* overlap shares some but not all (e.g. TweetQA demo 0 and test
 * item 111: same passage, different answer and question). `outputMatches` says whether the
 * references are equal too.
 */
import type { TaskDefinition } from '../tasks/types.ts';
import type { TaskItem } from './types.ts';

export interface DemoOverlap {
  demoIndex: number;
  testIndex: number;
  /** Every input field is equal. */
  identical: boolean;
  /** The input fields that are equal (all of them when identical). */
  sameFields: string[];
  outputMatches: boolean;
}

/** Input fields two items share (exactly equal, not blank). */
export function sharedFields(task: TaskDefinition, a: TaskItem, b: TaskItem): string[] {
  return task.inputFields.filter((f) => {
    const x = a.fields[f];
    return x !== undefined && x === b.fields[f] && x.trim() !== '';
  });
}

/** Whether two items would show the model the same question (every input field equal). */
export function sameContent(task: TaskDefinition, a: TaskItem, b: TaskItem): boolean {
  return sharedFields(task, a, b).length === task.inputFields.length;
}

export interface OverlapOptions {
  /** Only the first `limit` test items (the paper evaluates 250). Default: all. */
  limit?: number;
  /** Report partial overlaps too. Default true. */
  includePartial?: boolean;
}

/** Every (demo, test item) pair that shares input text, in demo then test order. */
export function findDemoOverlaps(
  task: TaskDefinition,
  demos: readonly TaskItem[],
  tests: readonly TaskItem[],
  opts: OverlapOptions = {},
): DemoOverlap[] {
  const includePartial = opts.includePartial ?? true;
  const scope = opts.limit === undefined ? tests : tests.slice(0, opts.limit);
  // Index the test items by each field's text, so the check is linear in the data size.
  const byField = new Map<string, Map<string, number[]>>();
  for (const f of task.inputFields) {
    const m = new Map<string, number[]>();
    scope.forEach((t, i) => {
      const v = t.fields[f];
      if (v === undefined || v.trim() === '') return;
      const list = m.get(v);
      if (list) list.push(i);
      else m.set(v, [i]);
    });
    byField.set(f, m);
  }
  const out: DemoOverlap[] = [];
  demos.forEach((d, demoIndex) => {
    const hits = new Set<number>();
    for (const f of task.inputFields) for (const i of byField.get(f)?.get(d.fields[f]) ?? []) hits.add(i);
    for (const i of [...hits].sort((a, b) => a - b)) {
      const t = scope[i];
      const sameFields = sharedFields(task, d, t);
      const identical = sameFields.length === task.inputFields.length;
      if (!identical && !includePartial) continue;
      out.push({ demoIndex, testIndex: t.index, identical, sameFields, outputMatches: d.output === t.output });
    }
  });
  return out;
}
