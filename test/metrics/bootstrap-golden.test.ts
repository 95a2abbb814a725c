/**
 * Corpus aggregates against rouge-score's BootstrapAggregator run by the real numpy: every
 * corpus, every seed, every list of types (the shared random stream makes rougeL depend on the
 * types drawn before it). The README's tolerance for these is 1e-12.
 */
import { describe, expect, it } from 'vitest';
import { bootstrapAggregate } from '../../src/core/metrics/bootstrap.ts';
import { rougeCorpus, scoreCorpus } from '../../src/core/metrics/corpus.ts';
import { meanScore } from '../../src/core/metrics/score.ts';
import { readGoldenCorpus } from './golden.ts';

const TOLERANCE = 1e-12;
const { corpora } = readGoldenCorpus();

function expectClose(actual: number, expected: number): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(TOLERANCE);
}

describe.each(corpora.map((c) => [c.id, c] as const))('corpus %s', (_id, corpus) => {
  const perItem = scoreCorpus(corpus.predictions, corpus.references, {
    types: ['rougeL', 'rougeLsum'],
    stem: corpus.stem,
  });

  it('per-item F-measures are identical and the plain means match', () => {
    for (const type of ['rougeL', 'rougeLsum']) {
      expect(perItem[type].map((s) => s.fmeasure)).toEqual(corpus.per_item_fmeasure[type]);
      expectClose(meanScore(perItem[type]).fmeasure, corpus.mean_fmeasure[type]);
    }
  });

  it.each(corpus.bootstrap.map((b) => [`seed ${b.seed} [${b.rouge_types.join(',')}]`, b] as const))(
    'bootstrap %s',
    (_name, expected) => {
      // Only rougeL/rougeLsum are scored; the other listed types still consume their draws.
      const scored = Object.fromEntries(
        Object.keys(expected.result).map((type) => [type, perItem[type]] as const),
      );
      const aggregate = bootstrapAggregate(scored, { seed: expected.seed, drawOrder: expected.rouge_types });
      expect(Object.keys(aggregate)).toEqual(Object.keys(expected.result));
      for (const [type, bounds] of Object.entries(expected.result)) {
        for (const bound of ['low', 'mid', 'high'] as const) {
          for (const field of ['precision', 'recall', 'fmeasure'] as const) {
            expectClose(aggregate[type][bound][field], bounds[bound][field]);
          }
        }
      }
      // The full HF pipeline (rouge1/rouge2 scored too) gives evaluate's outputs: mid F per type.
      const full = rougeCorpus(corpus.predictions, corpus.references, {
        types: expected.rouge_types,
        stem: corpus.stem,
        seed: expected.seed,
      });
      for (const [type, value] of Object.entries(expected.evaluate_compute_output)) {
        expectClose(full.aggregate[type].mid.fmeasure, value);
      }
    },
  );
});
