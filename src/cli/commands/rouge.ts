/**
 * `ftlab rouge`: ROUGE-L and ROUGE-Lsum exactly as rouge-score computes them, for
 * {prediction, reference} JSON lines on stdin (reference: a string, or a list of strings, the
 * best one per type counting). One {rougeL, rougeLsum} line out per line in, in order; with
 * --aggregate a final {aggregate: ...} line: plain means and the bootstrap low/mid/high that
 * Hugging Face's `rouge` metric reports (1,000 resamples; draws as with its default types
 * rouge1, rouge2, rougeL, rougeLsum, so rougeL.mid is the paper's number for that seed).
 */
import { bootstrapAggregate, DEFAULT_ROUGE_TYPES, meanScore, RougeInputTooLongError, scoreMulti, scoreRouge, type Score } from '../../core/metrics/index.ts';
import { defineCommand, opt } from '../define.ts';
import { CliOptionError, InputFormatError } from '../support/errors.ts';
import { readJsonLines } from '../support/input.ts';

const TYPES = ['rougeL', 'rougeLsum'] as const;

function stringOrStrings(v: unknown): v is string | string[] {
  return typeof v === 'string' || (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string'));
}

export const rougeCommand = defineCommand({
  name: 'rouge',
  summary: 'ROUGE-L/Lsum of {prediction, reference} JSON lines on stdin (rouge-score exact)',
  options: {
    stem: opt.flag('Porter stemming (rouge-score use_stemmer); the paper: off'),
    aggregate: opt.flag('add a final line: means and bootstrap low/mid/high'),
    seed: opt.int('bootstrap seed (numpy\'s np.random.seed); default 0', { min: 0, max: 2 ** 32 - 1, value: 'S' }),
  },
  async run(values, _positionals, io) {
    const fail = (msg: string): CliOptionError => new CliOptionError('rouge', msg);
    const stem = values.stem;
    const seed = values.seed ?? 0;
    if (values.seed !== undefined && !values.aggregate) throw fail('--seed only matters with --aggregate');
    const perItem: Record<(typeof TYPES)[number], Score[]> = { rougeL: [], rougeLsum: [] };
    for await (const { line, value } of readJsonLines(io.stdin)) {
      const { prediction, reference } = value;
      if (typeof prediction !== 'string') {
        throw new InputFormatError(`stdin line ${line}`, '"prediction" must be a string', 'give {"prediction": "...", "reference": "..."} per line');
      }
      if (!stringOrStrings(reference)) {
        throw new InputFormatError(`stdin line ${line}`, '"reference" must be a string or a non-empty list of strings', 'give {"prediction": "...", "reference": "..."} per line');
      }
      let scores;
      try {
        scores = typeof reference === 'string' ? scoreRouge(reference, prediction, { types: TYPES, stem }) : scoreMulti(reference, prediction, { types: TYPES, stem });
      } catch (e) {
        if (e instanceof RougeInputTooLongError) throw new InputFormatError(`stdin line ${line}`, e.message, e.hint ?? '');
        throw e;
      }
      perItem.rougeL.push(scores.rougeL);
      perItem.rougeLsum.push(scores.rougeLsum);
      io.out(JSON.stringify({ rougeL: scores.rougeL, rougeLsum: scores.rougeLsum }) + '\n');
    }
    const n = perItem.rougeL.length;
    if (n === 0) throw new InputFormatError('stdin', values.aggregate ? 'no input lines to aggregate' : 'no input lines', 'give at least one {"prediction", "reference"} line');
    if (values.aggregate) {
      const intervals = bootstrapAggregate(perItem, { seed, drawOrder: DEFAULT_ROUGE_TYPES });
      const out: Record<string, unknown> = { n, seed, nSamples: 1000, stem };
      for (const t of TYPES) out[t] = { mean: meanScore(perItem[t]), ...intervals[t] };
      io.out(JSON.stringify({ aggregate: out }) + '\n');
    }
    return 0;
  },
});
