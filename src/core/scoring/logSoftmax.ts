/**
 * Numerically stable log-softmax over a full vocabulary of next-token logits. The one
 * implementation lives in src/core/decoding/logits.ts (the backends use it too); scoring code
 * imports it from here.
 */
export { logSumExp, logSoftmax, logSoftmaxAt } from '../decoding/logits.ts';
