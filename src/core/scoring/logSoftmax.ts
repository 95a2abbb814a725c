/**
 * Numerically stable log-softmax over a full vocabulary of next-token logits.
 *
 * Logits arrive as float32 (or float16 widened to float32) from a backend; the sum over a
 * 32,000-entry vocabulary is accumulated in float64 after subtracting the maximum, so neither
 * exp() overflows nor small terms vanish against large ones.
 */

/** log(sum(exp(x))) over all entries, stable and float64-accumulated. -Infinity if x is empty. */
export function logSumExp(x: ArrayLike<number>): number {
  let max = -Infinity;
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    if (Number.isNaN(v)) return NaN;
    if (v > max) max = v;
  }
  if (max === -Infinity) return -Infinity;
  if (max === Infinity) return Infinity;
  let sum = 0;
  for (let i = 0; i < x.length; i++) sum += Math.exp(x[i] - max);
  return max + Math.log(sum);
}

/** The full log-softmax: out[i] = x[i] - logSumExp(x), in float64. */
export function logSoftmax(logits: ArrayLike<number>): Float64Array {
  const lse = logSumExp(logits);
  const out = new Float64Array(logits.length);
  for (let i = 0; i < logits.length; i++) out[i] = logits[i] - lse;
  return out;
}

/**
 * Log-softmax at a few ids only (the normalizer still runs over the whole vocabulary): what
 * label scoring needs, without materializing the full distribution.
 */
export function logSoftmaxAt(logits: ArrayLike<number>, ids: readonly number[]): number[] {
  const lse = logSumExp(logits);
  return ids.map((id) => {
    if (!Number.isInteger(id) || id < 0 || id >= logits.length) {
      throw new RangeError(`token id ${id} is outside the vocabulary (size ${logits.length})`);
    }
    return logits[id] - lse;
  });
}
