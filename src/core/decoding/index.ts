/** Decoding, shared by every backend: logits arithmetic, stop strings, and the evaluation loops. */
export { argmax, argmaxFirst, logSoftmax, logSoftmaxAt, logSumExp, topK, topKIds } from './logits.ts';
export { cutAtStop, findStop } from './stop.ts';
export { SequenceRunner, type ForwardResult, type LogitsForwarder, type SequenceModel, type TokenizerLike } from './sequence-runner.ts';
export { prefillTokensWithReuse, reusedPrefixLength, sharedPrefixLength } from './prefix.ts';
