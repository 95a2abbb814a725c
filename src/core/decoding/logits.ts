/**
 * The arithmetic every backend and the scoring code do on a row of next-token logits: the
 * log-softmax normalizer, the greedy choice, the top-k. One implementation, so the cpu and the
 * webgpu backends (and label scoring) cannot drift apart on ties, NaN or -Infinity.
 *
 * Rows are `ArrayLike<number>`: a backend passes its float32 logits, or a `subarray` view of one
 * row of a [positions, vocab] buffer, without copying. Sums run in float64 after subtracting the
 * maximum, so exp() neither overflows nor loses small terms over a 32,000-entry vocabulary.
 * Nothing here allocates per vocabulary entry except `logSoftmax`, which returns the whole row.
 */
import { EngineRequestError } from '../engine-errors.ts';

/** log(Σ exp(x)), stable and float64-accumulated. -Infinity if x is empty or all -Infinity; NaN if any is NaN. */
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

/** Index of the largest value, the first one on ties (as torch.argmax); NaN never wins. -1 if there is none. */
export function argmaxFirst(values: ArrayLike<number>): number {
  let best = -1;
  let bestValue = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (Number.isNaN(v)) continue;
    if (best === -1 || v > bestValue) {
      best = i;
      bestValue = v;
    }
  }
  return best;
}

/**
 * The greedy next token: argmaxFirst of the logits. A row with no usable value (all NaN or
 * -Infinity) means broken weights or a broken kernel, and is an error rather than token 0.
 */
export function argmax(logits: ArrayLike<number>): number {
  const best = argmaxFirst(logits);
  if (best < 0 || logits[best] === -Infinity) {
    throw new EngineRequestError('the model returned no finite logits (all NaN or -Infinity)', 'reload the model; if it persists the weights are broken');
  }
  return best;
}

/**
 * Ids of the k largest values, largest first; ties: lower id first; NaN never listed. k is
 * clamped to [0, length] (and floored). Insertion into a k-long list: O(V·k) worst case, O(V)
 * in practice for the small k the UI and the CLI ask for.
 */
export function topKIds(values: ArrayLike<number>, k: number): number[] {
  const n = Math.min(values.length, Math.max(0, Math.floor(k)));
  const best: number[] = [];
  if (n === 0) return best;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (best.length === n && !(v > values[best[n - 1]])) continue;
    if (Number.isNaN(v)) continue;
    let pos = best.length < n ? best.length : n - 1;
    while (pos > 0 && v > values[best[pos - 1]]) {
      best[pos] = best[pos - 1];
      pos--;
    }
    best[pos] = i;
  }
  return best;
}

/** The k largest log-probs with their ids, largest first (ties: lower id first). */
export function topK(logprobs: ArrayLike<number>, k: number): { id: number; logprob: number }[] {
  return topKIds(logprobs, k).map((id) => ({ id, logprob: logprobs[id] }));
}
