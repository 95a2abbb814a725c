/**
 * The paper's metrics, framework-free: ROUGE identical to rouge-score 0.1.2 (as used through
 * Hugging Face's `rouge` metric), its bootstrap aggregate identical to numpy's for a given
 * seed, accuracy with a Wilson interval, and the paper's generation post-processing.
 */
export { accuracy, accuracyFromCounts, normalQuantile, wilsonInterval, type AccuracyResult } from './accuracy.ts';
export { bootstrapAggregate, type AggregateScore, type BootstrapOptions } from './bootstrap.ts';
export { rougeCorpus, scoreCorpus, type RougeCorpusOptions, type RougeCorpusResult } from './corpus.ts';
export { MetricInputError, RougeInputTooLongError, UnknownRougeTypeError } from './errors.ts';
export { lcsIndices, lcsLength } from './lcs.ts';
export { MT19937 } from './mt19937.ts';
export { percentileOfSorted, percentiles } from './percentile.ts';
export { PorterStemmer, porterStem } from './porter.ts';
export { PYTHON_WHITESPACE, postprocessGeneration, pythonStrip } from './postprocess.ts';
export {
  DEFAULT_ROUGE_TYPES,
  assertRougeTypes,
  rougeL,
  rougeLsum,
  rougeN,
  scoreMulti,
  scoreMultiWithChoice,
  scoreRouge,
  type MultiReferenceScores,
  type RougeOptions,
  type RougeScores,
  type RougeType,
  type ScoreRougeOptions,
} from './rouge.ts';
export { ZERO_SCORE, fmeasure, meanScore, numpyMean, pairwiseSum, scoreFrom, type Score } from './score.ts';
export { forEachRougeToken, tokenizeRouge } from './tokenize.ts';
