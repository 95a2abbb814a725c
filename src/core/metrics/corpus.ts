/**
 * Corpus-level ROUGE as Hugging Face's `rouge` metric computes it (`evaluate.load("rouge",
 * seed=seed).compute(predictions, references, rouge_types, use_stemmer)`, and the older
 * `datasets.load_metric('rouge')` the paper calls): score every item with rouge-score (the best
 * reference per type when an item has several), then bootstrap with one seeded numpy stream.
 * The paper's number is `aggregate.rougeL.mid.fmeasure`.
 */
import { bootstrapAggregate, type AggregateScore } from './bootstrap.ts';
import { MetricInputError } from './errors.ts';
import { DEFAULT_ROUGE_TYPES, assertRougeTypes, scoreMulti, scoreRouge } from './rouge.ts';
import { meanScore, type Score } from './score.ts';

export interface RougeCorpusOptions {
  /** Types to compute, in HF's order (it decides the bootstrap draws). Default rouge1, rouge2, rougeL, rougeLsum. */
  readonly types?: readonly string[];
  /** `use_stemmer`. Default false (the paper's setting). */
  readonly stem?: boolean;
  /** `np.random.seed` for the bootstrap. Default 0 (the paper did not fix one). */
  readonly seed?: number;
  readonly nSamples?: number;
  readonly confidenceInterval?: number;
}

export interface RougeCorpusResult {
  /** Per type, each item's score, in item order. */
  readonly perItem: Record<string, Score[]>;
  /** Per type, the plain mean of the per-item scores. */
  readonly mean: Record<string, Score>;
  /** Per type, the bootstrap interval (use `.mid.fmeasure` for the paper's number). */
  readonly aggregate: Record<string, AggregateScore>;
}

/** Per-item scores of predictions[k] against references[k] (a string, or several references). */
export function scoreCorpus(
  predictions: readonly string[],
  references: readonly (string | readonly string[])[],
  options: { types?: readonly string[]; stem?: boolean } = {},
): Record<string, Score[]> {
  if (predictions.length !== references.length) {
    throw new MetricInputError(
      `${predictions.length} predictions but ${references.length} references.`,
      'Pass one reference (or one list of references) per prediction, in the same order.',
    );
  }
  const types = options.types ?? DEFAULT_ROUGE_TYPES;
  assertRougeTypes(types);
  const perItem: Record<string, Score[]> = Object.fromEntries(types.map((type) => [type, [] as Score[]]));
  predictions.forEach((prediction, k) => {
    const reference = references[k];
    const scores =
      typeof reference === 'string'
        ? scoreRouge(reference, prediction, { types, stem: options.stem })
        : scoreMulti(reference, prediction, { types, stem: options.stem });
    for (const type of types) perItem[type].push(scores[type]);
  });
  return perItem;
}

/** HF `rouge` with `use_aggregator=True`, plus the per-item scores and plain means. */
export function rougeCorpus(
  predictions: readonly string[],
  references: readonly (string | readonly string[])[],
  options: RougeCorpusOptions = {},
): RougeCorpusResult {
  const types = options.types ?? DEFAULT_ROUGE_TYPES;
  if (predictions.length === 0) {
    throw new MetricInputError('No predictions to score.', 'Score at least one prediction.');
  }
  const perItem = scoreCorpus(predictions, references, { types, stem: options.stem });
  const mean = Object.fromEntries(types.map((type) => [type, meanScore(perItem[type])]));
  const aggregate = bootstrapAggregate(perItem, {
    seed: options.seed,
    drawOrder: types,
    nSamples: options.nSamples,
    confidenceInterval: options.confidenceInterval,
  });
  return { perItem, mean, aggregate };
}
