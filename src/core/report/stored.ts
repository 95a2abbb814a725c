/**
 * A stored run's cells for a figure: the stored plan's aggregates as they are (no record read),
 * and, only for a cell whose aggregate is missing (a run that stopped before the cell ended),
 * its records aggregated now from the expected prompts.
 */
import { aggregateCell } from '../run/aggregate.ts';
import type { RecordStore } from '../run/recordStore.ts';
import { expectedRecords, type StoredPlan } from '../run/stored-plan.ts';
import type { FigureInputCell } from './figure.ts';

export async function cellsOfStoredPlan(plan: StoredPlan, store: Pick<RecordStore, 'getByCell'>, opts: { seed?: number; recompute?: boolean } = {}): Promise<FigureInputCell[]> {
  const out: FigureInputCell[] = [];
  for (const c of plan.cells) {
    const aggregate = c.aggregate && !opts.recompute ? c.aggregate : aggregateCell(c.spec, expectedRecords(c, await store.getByCell(c.key)), { expected: c.expected, seed: opts.seed });
    out.push({ key: c.key, spec: c.spec, aggregate });
  }
  return out;
}
