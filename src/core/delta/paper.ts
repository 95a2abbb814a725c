/**
 * The paper's printed mean |Δw| between Llama-2-7b and its fine-tuned variants (full
 * fine-tuning), for showing beside a measured delta. Not measured by ftlab. Derived from the one
 * list of the paper's printed values (src/core/report/paper-values.ts), so the two never disagree.
 */
import { paperModelValues } from '../report/paper-values.ts';

const value = (method: 'ft' | 'fticl', trainingSet: string): number => {
  const v = paperModelValues({ method, trainingSet }).find((p) => p.quantity === 'mean |Δw|');
  if (!v) throw new Error(`no printed mean |Δw| for ${method} on ${trainingSet}`);
  return v.value;
};

export const PAPER_MEAN_ABS_DELTA = (['socialqa', 'xsum'] as const).map((trainingSet) => ({ trainingSet, ft: value('ft', trainingSet), fticl: value('fticl', trainingSet) }));
