/**
 * The paper's printed mean |Δw| between Llama-2-7b and its fine-tuned variants (full fine-tuning,
 * as issue #9 quotes them), for showing beside a measured delta. Not measured by ftlab.
 */
export const PAPER_MEAN_ABS_DELTA = [
  { trainingSet: 'socialqa', ft: 8.54e-5, fticl: 7.95e-5 },
  { trainingSet: 'xsum', ft: 1.0e-4, fticl: 8.03e-5 },
] as const;
