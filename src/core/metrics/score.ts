/** The score triple every ROUGE type yields (rouge-score's `Score` namedtuple). */
export interface Score {
  readonly precision: number;
  readonly recall: number;
  readonly fmeasure: number;
}

export const ZERO_SCORE: Score = Object.freeze({ precision: 0, recall: 0, fmeasure: 0 });

/**
 * rouge-score's `scoring.fmeasure`: `2 * precision * recall / (precision + recall)`, 0 when
 * P + R is 0. The expression is written in the same order, so the double is bit-identical.
 */
export function fmeasure(precision: number, recall: number): number {
  return precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
}

/** A Score from P and R, with F computed as rouge-score does. */
export function scoreFrom(precision: number, recall: number): Score {
  return { precision, recall, fmeasure: fmeasure(precision, recall) };
}

/**
 * The plain per-field mean, summed left to right then divided by the count (what
 * `sum(xs) / len(xs)` gives; numpy's 1-D `np.mean` sums pairwise and may differ in the last
 * bits, around 1e-17 on a few hundred items).
 */
export function meanScore(scores: readonly Score[]): Score {
  let p = 0;
  let r = 0;
  let f = 0;
  for (const s of scores) {
    p += s.precision;
    r += s.recall;
    f += s.fmeasure;
  }
  const n = scores.length;
  return { precision: p / n, recall: r / n, fmeasure: f / n };
}
