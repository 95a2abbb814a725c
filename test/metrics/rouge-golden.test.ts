/**
 * Every golden row computed by the real rouge-score must come out bit-identical (`toBe`), for
 * rougeL and (where present) rougeLsum, stemmed and unstemmed, plus the multi-reference rows.
 */
import { describe, expect, it } from 'vitest';
import { rougeL, rougeLsum, scoreMultiWithChoice, scoreRouge } from '../../src/core/metrics/rouge.ts';
import { tokenizeRouge } from '../../src/core/metrics/tokenize.ts';
import { readGoldenCorpus, readGoldenRows } from './golden.ts';

const rows = readGoldenRows();
const { multi_reference: multiReference } = readGoldenCorpus();

describe('golden rows (rouge-score 0.1.2)', () => {
  it('has the expected number of rows', () => {
    expect(rows.length).toBe(1070);
    expect(rows.filter((r) => r.rougeLsum).length).toBeGreaterThan(200);
  });

  it.each(rows.map((r) => [r.id, r] as const))('%s', (_id, row) => {
    const options = { stem: row.stem };
    const l = rougeL(row.reference, row.prediction, options);
    expect(l.precision).toBe(row.rougeL.precision);
    expect(l.recall).toBe(row.rougeL.recall);
    expect(l.fmeasure).toBe(row.rougeL.fmeasure);
    expect(tokenizeRouge(row.prediction, options).length).toBe(row.debug.prediction_tokens);
    expect(tokenizeRouge(row.reference, options).length).toBe(row.debug.reference_tokens);
    if (row.rougeLsum) {
      const lsum = rougeLsum(row.reference, row.prediction, options);
      expect(lsum.precision).toBe(row.rougeLsum.precision);
      expect(lsum.recall).toBe(row.rougeLsum.recall);
      expect(lsum.fmeasure).toBe(row.rougeLsum.fmeasure);
      // scoreRouge shares one tokenization between the types; it must agree with both.
      const both = scoreRouge(row.reference, row.prediction, { ...options, types: ['rougeL', 'rougeLsum'] });
      expect(both).toEqual({ rougeL: l, rougeLsum: lsum });
    }
  });
});

describe('golden multi-reference rows (score_multi)', () => {
  it.each(multiReference.map((r) => [r.id, r] as const))('%s', (_id, row) => {
    const { scores, chosenReference } = scoreMultiWithChoice(row.references, row.prediction, {
      stem: row.stem,
      types: ['rougeL', 'rougeLsum'],
    });
    for (const type of ['rougeL', 'rougeLsum'] as const) {
      expect(scores[type].precision).toBe(row[type].precision);
      expect(scores[type].recall).toBe(row[type].recall);
      expect(scores[type].fmeasure).toBe(row[type].fmeasure);
      expect(chosenReference[type]).toBe(row.chosen_reference[type]);
    }
  });
});
