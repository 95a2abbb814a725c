/**
 * From per-label scores to a prediction.
 *
 * The paper (evaluate_cross.py) takes torch.topk(k=1) over the raw next-token logits at the
 * label ids; log-softmax is a monotone shift, so the argmax over log-probs is the same label.
 * Ties: we pick the FIRST label in the task's label order (torch.topk leaves tie order
 * unspecified; bf16 logits make ties rare but possible there, float32 makes them rarer here).
 */

/** Index of the largest value, the first one on ties; NaN never wins. -1 for an empty list. */
export { argmaxFirst } from '../decoding/logits.ts';

/**
 * Probabilities renormalized over the labels only: softmax of the label log-probs. For display
 * ("62% positive"), never for the prediction (argmax does not need it).
 */
export function renormalize(logprobs: readonly number[]): number[] {
  if (logprobs.length === 0) return [];
  const max = Math.max(...logprobs.filter((v) => !Number.isNaN(v)));
  if (!Number.isFinite(max)) {
    // Every label impossible (-Infinity): no information, show a uniform split.
    return logprobs.map(() => 1 / logprobs.length);
  }
  const exps = logprobs.map((v) => (Number.isNaN(v) ? 0 : Math.exp(v - max)));
  const total = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / total);
}
