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

/** numpy's block size for pairwise summation (PW_BLOCKSIZE in loops_utils.h.src). */
const PAIRWISE_BLOCK = 128;

/**
 * numpy's `pairwise_sum_DOUBLE`, the summation `np.sum`/`np.mean` use on a contiguous 1-D
 * array: plain below 8 values, 8 interleaved accumulators up to 128, halves (rounded to a
 * multiple of 8) above. Reproduced so the plain mean is the very double `np.mean` returns.
 */
export function pairwiseSum(values: Float64Array, start = 0, count = values.length - start): number {
  if (count < 8) {
    let sum = 0;
    for (let i = start; i < start + count; i++) sum += values[i];
    return sum;
  }
  if (count <= PAIRWISE_BLOCK) {
    let r0 = values[start];
    let r1 = values[start + 1];
    let r2 = values[start + 2];
    let r3 = values[start + 3];
    let r4 = values[start + 4];
    let r5 = values[start + 5];
    let r6 = values[start + 6];
    let r7 = values[start + 7];
    const unrolledEnd = start + count - (count % 8);
    let i = start + 8;
    for (; i < unrolledEnd; i += 8) {
      r0 += values[i];
      r1 += values[i + 1];
      r2 += values[i + 2];
      r3 += values[i + 3];
      r4 += values[i + 4];
      r5 += values[i + 5];
      r6 += values[i + 6];
      r7 += values[i + 7];
    }
    let sum = r0 + r1 + (r2 + r3) + (r4 + r5 + (r6 + r7));
    for (; i < start + count; i++) sum += values[i];
    return sum;
  }
  let half = Math.floor(count / 2);
  half -= half % 8;
  return pairwiseSum(values, start, half) + pairwiseSum(values, start + half, count - half);
}

/** `np.mean(values)` of a 1-D float64 array: 0 + pairwise sum, divided by the count. */
export function numpyMean(values: Float64Array): number {
  return (0 + pairwiseSum(values)) / values.length;
}

/** The plain per-field mean of per-item scores, as `np.mean` computes it (NaN for no items). */
export function meanScore(scores: readonly Score[]): Score {
  return {
    precision: numpyMean(Float64Array.from(scores, (s) => s.precision)),
    recall: numpyMean(Float64Array.from(scores, (s) => s.recall)),
    fmeasure: numpyMean(Float64Array.from(scores, (s) => s.fmeasure)),
  };
}
