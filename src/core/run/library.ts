/**
 * The run library as people read it: one entry per stored plan with its models, date, n/total
 * and status, and what can be done with it (a run that stopped, or was running when the page
 * went away, can be resumed when it kept its draft).
 */
import type { StoredPlan } from './stored-plan.ts';

export interface LibraryEntry {
  id: string;
  name: string;
  models: string[];
  createdAt: string;
  updatedAt: string;
  status: StoredPlan['status'];
  done: number;
  total: number;
  cells: number;
  /** Whether Resume can run it again (unfinished, with the draft that names its test sets). */
  resumable: boolean;
  /** "Resume (7 of 20 done)", or undefined when not resumable. */
  resumeLabel?: string;
  /** "done", "stopped at 7 of 20", "interrupted at 7 of 20 (the page closed)", "failed: …". */
  statusText: string;
}

export function libraryEntry(p: StoredPlan): LibraryEntry {
  const unfinished = p.done < p.total && p.status !== 'done';
  const resumable = unfinished && p.draft !== undefined;
  const statusText =
    p.status === 'done'
      ? 'done'
      : p.status === 'failed'
        ? `failed at ${p.done} of ${p.total}${p.error ? `: ${p.error}` : ''}`
        : p.status === 'running'
          ? `interrupted at ${p.done} of ${p.total} (the page closed while it ran)`
          : `stopped at ${p.done} of ${p.total}`;
  return {
    id: p.id,
    name: p.name,
    models: [...p.models],
    createdAt: p.createdAt,
    updatedAt: p.updatedAt,
    status: p.status,
    done: p.done,
    total: p.total,
    cells: p.cells.length,
    resumable,
    ...(resumable ? { resumeLabel: `Resume (${p.done} of ${p.total} done)` } : {}),
    statusText,
  };
}

/** Newest first. */
export function libraryEntries(plans: readonly StoredPlan[]): LibraryEntry[] {
  return plans.map(libraryEntry).sort((a, b) => (a.updatedAt < b.updatedAt ? 1 : a.updatedAt > b.updatedAt ? -1 : 0));
}
