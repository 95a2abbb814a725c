import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { format, HOME, parse, playgroundDefaults, VIEWS, type Route } from '../../src/ui/app/routes.ts';
import { PROMPT_MODES, PROMPT_TOKENIZATIONS } from '../../src/core/prompts/index.ts';
import { LABEL_SCORINGS } from '../../src/core/scoring/index.ts';
import { PAPER_TASK_IDS } from '../../src/core/tasks/index.ts';
import { RESULTS_FIGURES, RESULTS_LAYOUTS } from '../../src/ui/app/routes.ts';
import { SAMPLE_OUTCOMES, SAMPLE_SORTS } from '../../src/core/report/drill.ts';

const id = fc.string({ minLength: 0, maxLength: 24 });
const modelId = fc.stringMatching(/^[A-Za-z0-9._:/-]{1,30}$/);

const playground = fc.record({
  view: fc.constant('playground' as const),
  task: fc.constantFrom(...PAPER_TASK_IDS),
  data: id,
  item: fc.nat({ max: 100_000 }),
  mode: fc.constantFrom(...PROMPT_MODES),
  shots: fc.nat({ max: 64 }),
  pool: id,
  map: fc.nat({ max: 9 }),
  scoring: fc.constantFrom(...LABEL_SCORINGS),
  tokenization: fc.constantFrom(...PROMPT_TOKENIZATIONS),
  models: fc.array(modelId, { maxLength: 4 }),
  present: fc.boolean(),
  diff: fc.boolean(),
  typed: fc.dictionary(fc.stringMatching(/^[A-Za-z0-9_]{1,12}$/), fc.string({ maxLength: 40 }), { maxKeys: 3 }),
});
const datasets = fc.record({ view: fc.constant('datasets' as const), dataset: id, q: id, page: fc.nat({ max: 1000 }) });
const models = fc.record({ view: fc.constant('models' as const), model: id });
const batch = fc.constant({ view: 'batch' as const });
const results = fc.record({
  view: fc.constant('results' as const),
  plan: id,
  training: id,
  figure: fc.constantFrom(...RESULTS_FIGURES),
  layout: fc.constantFrom(...RESULTS_LAYOUTS),
  panel: id,
  cell: id,
  outcome: fc.constantFrom(...SAMPLE_OUTCOMES),
  gold: id,
  predicted: id,
  q: id,
  sort: fc.constantFrom(...SAMPLE_SORTS),
  sample: fc.integer({ min: -1, max: 100_000 }),
  compare: id,
  changed: fc.boolean(),
  present: fc.boolean(),
});
const route: fc.Arbitrary<Route> = fc.oneof(playground, datasets, models, batch, results);

describe('route codec', () => {
  it('parse(format(r)) equals r for every route', () => {
    fc.assert(fc.property(route, (r) => {
        expect(parse(format(r))).toEqual(r);
      }), { numRuns: 500 });
  });

  it('format is canonical: format(parse(format(r))) equals format(r)', () => {
    fc.assert(fc.property(route, (r) => {
        expect(format(parse(format(r)))).toBe(format(r));
      }), { numRuns: 200 });
  });

  it('never throws on arbitrary hashes, and always names a known view', () => {
    fc.assert(
      fc.property(fc.string(), (h) => {
        expect(VIEWS).toContain(parse(h).view);
        expect(VIEWS).toContain(parse(`#/playground?${h}`).view);
      }),
    );
  });

  it('an empty or unknown hash opens the Playground on the built-in sentiment examples', () => {
    expect(parse('')).toEqual(HOME);
    expect(parse('#/nowhere?x=1')).toEqual(HOME);
    expect(HOME).toMatchObject({ view: 'playground', task: 'sentiment', data: 'ftlab-sentiment', mode: 'zero-shot', models: ['tiny-random-llama-f32'] });
  });

  it('writes only what differs from the defaults, with readable names', () => {
    expect(format(playgroundDefaults())).toBe('#/playground');
    const r: Route = { ...playgroundDefaults('summary'), item: 2, mode: 'icl', shots: 2, models: ['a', 'b'], present: true };
    expect(format(r)).toBe('#/playground?task=summary&item=2&mode=icl&shots=2&models=a%2Cb&present=1');
    expect(parse('#/playground?task=summary&item=2&mode=icl&shots=2&models=a,b&present=1')).toEqual(r);
  });

  it('a typed-in item travels in the URL, field by field', () => {
    const r: Route = { ...playgroundDefaults('inference'), data: 'typed', typed: { input_1: 'A dog runs & jumps.', input_2: 'An animal moves?', output: 'entailment' } };
    expect(format(r)).toBe('#/playground?task=inference&data=typed&t.input_1=A+dog+runs+%26+jumps.&t.input_2=An+animal+moves%3F&t.output=entailment');
    expect(parse(format(r))).toEqual(r);
  });

  it('the Batch view\'s link #/results?plan=<id> opens that run', () => {
    expect(parse('#/results?plan=run-1')).toMatchObject({ view: 'results', plan: 'run-1', figure: 'all', sample: -1 });
    expect(parse('#/results?plan=p&figure=sideways&sample=x')).toMatchObject({ plan: 'p', figure: 'all', sample: -1 });
  });

  it('bad values fall back to their defaults, one by one', () => {
    const r = parse('#/playground?task=summary&mode=magic&shots=-3&map=x&score=nope&item=2');
    expect(r).toEqual({ ...playgroundDefaults('summary'), item: 2 });
  });
});
