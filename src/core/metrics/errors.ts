/**
 * The errors the metrics raise on purpose. Each has a stable `code` (matched by tests and the
 * UI) and a hint that says how to call the metric correctly.
 */
import { FtlabError } from '../errors.ts';

/** A rouge type name that rouge-score would also reject ("Invalid rouge type"). */
export class UnknownRougeTypeError extends FtlabError {
  constructor(type: string) {
    super(
      'METRICS_UNKNOWN_ROUGE_TYPE',
      `Unknown ROUGE type "${type}".`,
      'Use rougeL, rougeLsum or rouge1 … rouge9 (as in rouge-score).',
    );
  }
}

/** Inputs whose shapes do not fit together (lengths, empty lists, bad options). */
export class MetricInputError extends FtlabError {
  constructor(message: string, hint: string) {
    super('METRICS_BAD_INPUT', message, hint);
  }
}

/** A pair too long for the quadratic LCS (ROUGE_LCS_CELL_LIMIT); says both lengths. */
export class RougeInputTooLongError extends FtlabError {
  constructor(referenceTokens: number, predictionTokens: number, limit: number) {
    super(
      'METRICS_INPUT_TOO_LONG',
      `ROUGE-L of a ${referenceTokens}-token reference and a ${predictionTokens}-token prediction needs ${(referenceTokens * predictionTokens).toExponential(1)} LCS steps, over the limit of ${limit.toExponential(0)}`,
      'ROUGE-L compares summaries: cut the texts (e.g. to the first 10,000 tokens), or split them into pairs of sentences',
    );
  }
}
