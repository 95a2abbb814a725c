/**
 * Seeded demonstration sampling: the same seed gives the same demos on every platform
 * (mulberry32 uses only 32-bit integer arithmetic: Math.imul and unsigned shifts).
 */
import type { TaskDefinition } from '../tasks/types.ts';
import { DemoPoolError } from './errors.ts';
import { sameContent } from './overlap.ts';
import type { TaskItem } from './types.ts';

import { mulberry32 } from '../random.ts';

export { mulberry32, type Random } from '../random.ts';

/** A 32-bit seed from any number or string (FNV-1a over the UTF-16 units), mixed with more parts. */
export function seedFrom(...parts: (number | string)[]): number {
  let h = 0x811c9dc5;
  for (const part of parts) {
    const s = typeof part === 'number' ? `n${part}` : `s${part}`;
    for (let i = 0; i < s.length; i++) {
      h ^= s.charCodeAt(i);
      h = Math.imul(h, 0x01000193) >>> 0;
    }
    h ^= 0xff; // part separator
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

export interface SampleDemosOptions {
  /** The item being asked: never chosen (same source and index), nor anything with identical input fields. */
  exclude?: TaskItem;
  /** Needed with `exclude` to compare content. */
  task?: TaskDefinition;
}

/**
 * k distinct demos from `pool`, in sampled order, deterministic in `seed`. Throws DemoPoolError
 * when fewer than k candidates remain after exclusion.
 */
export function sampleDemos(pool: readonly TaskItem[], k: number, seed: number | string, opts: SampleDemosOptions = {}): TaskItem[] {
  if (!Number.isInteger(k) || k < 0) throw new DemoPoolError(`cannot sample ${k} demos`, 'ask for a whole number of demos, 0 or more');
  const { exclude, task } = opts;
  const candidates = pool.filter((d) => {
    if (!exclude) return true;
    if (d.source === exclude.source && d.index === exclude.index) return false;
    return !(task && sameContent(task, d, exclude));
  });
  if (candidates.length < k) {
    throw new DemoPoolError(
      `the demo pool has ${candidates.length} usable items${exclude ? ` (after leaving out item ${exclude.index} and copies of it)` : ''}, ${k} asked`,
      'use fewer shots or a larger pool',
    );
  }
  const rand = mulberry32(typeof seed === 'number' ? seedFrom(seed) : seedFrom(seed));
  // Partial Fisher-Yates: the first k positions end up a uniform sample without repeats.
  const a = [...candidates];
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(rand() * (a.length - i));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a.slice(0, k);
}
