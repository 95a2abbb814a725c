/** The Evaluate panel's pure helpers: file names → task, the plan form, formatting, the run meter. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { firstProblems, guessFromFileName, roleMismatch, testSetNameOf } from '../../src/views/eval/data-files.ts';
import { defaultPlanForm, paperShotsText, parseShots, planFromForm, planSummaryText, summarizePlan, type PlanForm } from '../../src/views/eval/plan-form.ts';
import { PlanFormError } from '../../src/views/eval/errors.ts';
import {
  accuracyText,
  cellLabel,
  exportFileName,
  filterSamples,
  formatDuration,
  formatRate,
  metricText,
  promptPieces,
  recordsToJsonl,
  rougeLText,
  sampleScoreText,
  shortText,
} from '../../src/views/eval/format.ts';
import { RunMeter, rateText } from '../../src/views/eval/run-meter.ts';
import { PlanError, cellKey, type CellSpec, type ClassificationRecord, type ErrorRecord, type GenerationRecord, type SampleRecord, type TestSet } from '../../src/core/run/index.ts';
import { SENTIMENT, SUMMARY } from '../../src/core/tasks/index.ts';
import type { TaskItem } from '../../src/core/datasets/index.ts';
import type { DatasetProblem } from '../../src/core/datasets/index.ts';

describe('file names', () => {
  it('recognise the paper\'s files by their exact stem: dataset, task and role', () => {
    expect(guessFromFileName('sst2_test_500.json')).toEqual({ dataset: 'sst2', task: 'sentiment', role: 'test', catalogueId: 'sst2_test_500' });
    expect(guessFromFileName('/data/summary/few_shot/xsum_few_shot.json')).toEqual({ dataset: 'xsum', task: 'summary', role: 'few-shot', catalogueId: 'xsum_few_shot' });
    expect(guessFromFileName('C:\\data\\inference\\multinli_train_6000.json')).toMatchObject({ dataset: 'multinli', task: 'inference', role: 'train' });
    expect(guessFromFileName('cnn_test_500.json')).toMatchObject({ dataset: 'cnn', task: 'summary' });
  });

  it('leave the task alone for other names, and name the test set after the file', () => {
    expect(guessFromFileName('my_reviews.csv')).toEqual({ dataset: 'my_reviews' });
    expect(guessFromFileName('sst2_test_500 (1).json')).toEqual({ dataset: 'sst2_test_500 (1)' });
    expect(guessFromFileName('reviews_test.jsonl')).toEqual({ dataset: 'reviews' });
    expect(testSetNameOf('yelp_test_123.jsonl')).toBe('yelp');
    expect(testSetNameOf('.json')).toBe('.json');
    expect(testSetNameOf('_test.json')).toBe('_test');
  });

  it('notice a paper file put in the wrong slot', () => {
    expect(roleMismatch(guessFromFileName('sst2_few_shot.json'), 'test')).toBe('sst2_few_shot is a few-shot file of the paper, not a test set');
    expect(roleMismatch(guessFromFileName('sst2_test_500.json'), 'test')).toBeNull();
    expect(roleMismatch(guessFromFileName('mine.json'), 'few-shot')).toBeNull();
  });

  it('list the first problems and count the rest', () => {
    const problems: DatasetProblem[] = Array.from({ length: 7 }, (_, i) => ({ index: i, message: 'm', text: `f.json: item ${i}: m` }));
    expect(firstProblems(problems, 12, 3)).toEqual({ lines: ['f.json: item 0: m', 'f.json: item 1: m', 'f.json: item 2: m'], more: 9 });
    expect(firstProblems(problems.slice(0, 1), 1)).toEqual({ lines: ['f.json: item 0: m'], more: 0 });
  });
});

const item = (index: number, output = 'positive'): TaskItem => ({ source: 't.json', index, fields: { input: `text ${index}` }, output });
const MODEL = { id: 'tiny', url: 'http://x/tiny/' };

function sentimentSet(items = 10, demos = 8): TestSet {
  return { name: 'sst2', task: SENTIMENT, items: Array.from({ length: items }, (_, i) => item(i)), demos: Array.from({ length: demos }, (_, i) => item(100 + i)) };
}

describe('the plan form', () => {
  it('defaults to the paper\'s protocol for the task', () => {
    expect(defaultPlanForm('sentiment')).toEqual({
      modes: { 'zero-shot': true, icl: true, fticl: false },
      shots: '2, 4, 6',
      templates: { 0: true, 1: true },
      limit: 250,
      labelScoring: 'paper',
      tokenization: 'protocol',
      maxNewTokens: 60,
      seed: 0,
    });
    expect(paperShotsText('summary')).toBe('4, 2, 1');
    expect(paperShotsText('inference')).toBe('3, 5, 7');
    expect(paperShotsText('my-task')).toBe('');
  });

  it('parses shot lists and names a bad entry', () => {
    expect(parseShots(' 2, 4,6  2 ')).toEqual([2, 4, 6]);
    expect(parseShots('')).toEqual([]);
    expect(() => parseShots('2, x')).toThrow(PlanFormError);
    expect(() => parseShots('2, x')).toThrow('shots: "x" is not a whole number from 0 to 64');
    expect(() => parseShots('-1')).toThrow(PlanFormError);
    expect(() => parseShots('65')).toThrow(PlanFormError);
  });

  it('counts cells and samples before running: modes × shots × maps, the first N items each', () => {
    const form = defaultPlanForm('sentiment');
    // zero-shot × 2 maps + icl × 3 shots × 2 maps = 8 cells; min(250, 10 items) each.
    expect(summarizePlan(planFromForm(form, MODEL, sentimentSet()))).toEqual({ cells: 8, samples: 80, itemsPerCell: 10 });
    const small: PlanForm = { ...form, shots: '2', templates: { 0: true, 1: false }, limit: 3 };
    const s = summarizePlan(planFromForm(small, MODEL, sentimentSet()));
    expect(s).toEqual({ cells: 2, samples: 6, itemsPerCell: 3 });
    expect(planSummaryText(s)).toBe('2 cells × 3 items = 6 samples');
    expect(planSummaryText({ cells: 1, samples: 1, itemsPerCell: 1 })).toBe('1 cell × 1 item = 1 sample');
  });

  it('builds the plan the runner takes', () => {
    const plan = planFromForm({ ...defaultPlanForm('sentiment'), modes: { 'zero-shot': true, icl: false, fticl: false }, templates: { 0: false, 1: true }, limit: 5, labelScoring: 'full-label' }, MODEL, sentimentSet());
    expect(plan).toMatchObject({ models: [MODEL], modes: ['zero-shot'], shots: [], templates: [1], limit: 5, labelScoring: 'full-label', maxNewTokens: 60, tokenization: 'protocol' });
  });

  it('refuses what cannot run, with the planner\'s own message', () => {
    const form = defaultPlanForm('sentiment');
    expect(() => planFromForm(form, MODEL, { ...sentimentSet(), demos: undefined })).toThrow(PlanError);
    expect(() => planFromForm(form, MODEL, { ...sentimentSet(), demos: undefined })).toThrow(/icl with 2 shots on "sst2" needs 2 demonstrations; the few-shot pool has 0/);
    expect(() => planFromForm({ ...form, shots: '' }, MODEL, sentimentSet())).toThrow(/icl and fticl need at least one shot count/);
    expect(() => planFromForm({ ...form, limit: 0 }, MODEL, sentimentSet())).toThrow('first N items must be a whole number of at least 1, not 0');
    expect(() => planFromForm({ ...form, maxNewTokens: null as unknown as number }, MODEL, sentimentSet())).toThrow('max new tokens must be a whole number of at least 1, not empty');
    expect(() => planFromForm({ ...form, seed: -1 }, MODEL, sentimentSet())).toThrow(PlanFormError);
    expect(() => planFromForm({ ...form, modes: { 'zero-shot': false, icl: false, fticl: false } }, MODEL, sentimentSet())).toThrow('the plan has no modes');
    expect(() => planFromForm({ ...form, templates: { 0: false, 1: false } }, MODEL, sentimentSet())).toThrow('the plan has no templates');
    expect(() => planFromForm({ ...form, modes: { 'zero-shot': false, icl: false, fticl: true } }, MODEL, sentimentSet())).toThrow(/fticl with 2 shots on "sst2" needs 2 demonstrations; the FTICL pool has 0/);
  });
});

const SPEC: CellSpec = { modelId: 'tiny', dataset: 'sst2', task: 'sentiment', mode: 'icl', shots: 2, template: 0, scoring: 'paper' };
const TIMINGS = { startedAt: '2024-01-01T00:00:00.000Z', totalMs: 12, prefillMs: 10, decodeMs: 0, promptTokens: 30, newTokens: 0 };

function cls(i: number, prediction: string, reference: string): ClassificationRecord {
  return {
    ...SPEC,
    cellKey: cellKey(SPEC),
    item: i,
    promptHash: `h${i}`,
    prompt: `### Input:\nreview ${i}\n### Sentiment:`,
    bos: false,
    reference,
    runId: 'r',
    timings: TIMINGS,
    kind: 'classification',
    labels: ['positive', 'negative'],
    labelTokenIds: [1066, 22198],
    labelLogprobs: [-1, -2],
    labelProbs: [0.73, 0.27],
    predictionIndex: prediction === 'positive' ? 0 : 1,
    prediction,
    metric: prediction === reference ? 1 : 0,
  };
}
const err: ErrorRecord = { ...cls(3, 'positive', 'negative'), kind: 'error', error: { code: 'context-window-exceeded', message: 'too long' } } as unknown as ErrorRecord;
const GEN_SPEC: CellSpec = { ...SPEC, dataset: 'xsum', task: 'summary', mode: 'zero-shot', shots: 0, scoring: 'generate' };
const gen: GenerationRecord = {
  ...GEN_SPEC,
  cellKey: cellKey(GEN_SPEC),
  item: 0,
  promptHash: 'g',
  prompt: 'p',
  bos: true,
  reference: 'The cat sat.',
  runId: 'r',
  timings: TIMINGS,
  kind: 'generation',
  output: ' A cat\n\nmore',
  finishReason: 'length',
  prediction: 'A cat',
  rougeL: { precision: 1, recall: 0.5, fmeasure: 0.6667 },
  metric: 0.6667,
};

describe('formatting', () => {
  it('writes cells and metrics', () => {
    expect(cellLabel(SPEC)).toBe('sst2 icl 2-shot map 0');
    expect(cellLabel({ ...SPEC, mode: 'zero-shot', shots: 0, template: 1, scoring: 'full-label', tokenization: 'paper-code' })).toBe('sst2 zero-shot map 1 full-label paper-code ids');
    expect(cellLabel({ ...SPEC, dataset: 'xsum', mode: 'zero-shot', shots: 0, scoring: 'generate', maxNewTokens: 8 })).toBe('xsum zero-shot map 0 max 8 tokens');
    expect(accuracyText({ correct: 2, value: 2 / 3, low: 0.2077, high: 0.9387 }, 3)).toBe('66.7% [20.8%, 93.9%] (2/3)');
    expect(rougeLText({ mean: 0.124, low: 0.1, mid: 0.1234, high: 0.15, seed: 0, nSamples: 1000 })).toBe('0.1234 [0.1000, 0.1500] (bootstrap mid, seed 0; mean 0.1240)');
    expect(metricText({ expected: 3, n: 0, errors: 3, missing: 0 })).toBe('–');
    expect(metricText({ expected: 3, n: 3, errors: 0, missing: 0, accuracy: { correct: 3, value: 1, low: 0.4385, high: 1 } })).toBe('accuracy 100.0% [43.9%, 100.0%] (3/3)');
  });

  it('writes rates and durations', () => {
    expect(formatRate(65.4)).toBe('65');
    expect(formatRate(4.56)).toBe('4.6');
    expect(formatRate(0.123)).toBe('0.12');
    expect(formatRate(0)).toBe('–');
    expect(formatDuration(75)).toBe('1:15');
    expect(formatDuration(3725)).toBe('1:02:05');
    expect(formatDuration(Infinity)).toBe('?');
  });

  it('cuts a prompt into pieces that give it back exactly, line breaks and trailing spaces apart', () => {
    expect(promptPieces('a\n\nb: ')).toEqual([
      { kind: 'text', text: 'a' },
      { kind: 'newline', text: '\n' },
      { kind: 'newline', text: '\n' },
      { kind: 'text', text: 'b:' },
      { kind: 'trailing-space', text: ' ' },
    ]);
    expect(promptPieces('')).toEqual([]);
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('a', ' ', '\t', '\n', 'é', '😀') }), (s) => {
        const pieces = promptPieces(s);
        expect(pieces.map((p) => p.text).join('')).toBe(s);
        // A trailing-space piece ends a line or the prompt.
        pieces.forEach((p, i) => {
          if (p.kind === 'trailing-space') expect(pieces[i + 1] === undefined || pieces[i + 1].kind === 'newline').toBe(true);
        });
      }),
    );
  });

  it('filters samples by outcome and text', () => {
    const records: SampleRecord[] = [cls(0, 'positive', 'positive'), cls(1, 'positive', 'negative'), cls(2, 'negative', 'negative'), err];
    const items = (f: Parameters<typeof filterSamples>[1]) => filterSamples(records, f).map((r) => r.item);
    expect(items({ text: '', outcome: 'all' })).toEqual([0, 1, 2, 3]);
    expect(items({ text: '', outcome: 'correct' })).toEqual([0, 2]);
    expect(items({ text: '', outcome: 'wrong' })).toEqual([1]);
    expect(items({ text: '', outcome: 'error' })).toEqual([3]);
    expect(items({ text: 'REVIEW 1', outcome: 'all' })).toEqual([1]);
    expect(items({ text: 'too long', outcome: 'all' })).toEqual([3]);
    expect(filterSamples([gen], { text: 'more', outcome: 'all' })).toHaveLength(1);
  });

  it('writes sample scores, short texts, export names and JSON lines', () => {
    expect(sampleScoreText(cls(0, 'positive', 'positive'))).toBe('correct');
    expect(sampleScoreText(cls(1, 'positive', 'negative'))).toBe('wrong');
    expect(sampleScoreText(err)).toBe('error: context-window-exceeded');
    expect(sampleScoreText(gen)).toBe('0.6667');
    expect(shortText('a\nb', 80)).toBe('a ⏎ b');
    expect(shortText('x'.repeat(100), 10)).toBe(`${'x'.repeat(9)}…`);
    expect(exportFileName(['Llama-2 7b/chat', 'sst2', 'icl', '2shot'])).toBe('ftlab_Llama-2-7b-chat_sst2_icl_2shot.jsonl');
    expect(exportFileName([])).toBe('ftlab_records.jsonl');
    const jsonl = recordsToJsonl([gen, cls(0, 'positive', 'positive')]);
    expect(jsonl.endsWith('\n')).toBe(true);
    expect(jsonl.trimEnd().split('\n').map((l) => JSON.parse(l))).toEqual([gen, cls(0, 'positive', 'positive')]);
    expect(recordsToJsonl([])).toBe('');
  });
});

describe('the run meter', () => {
  it('counts done / to run, skips the first sample in the rate, and estimates the time left', () => {
    let t = 0;
    const meter = new RunMeter(() => t);
    meter.update({ done: 0, total: 10, skipped: 6, errors: 0 });
    expect(meter.view()).toEqual({ done: 0, total: 10, skipped: 6, errors: 0, fraction: 0 });
    const at = (done: number, ms: number, item: number) => {
      t = ms;
      meter.update({ done, total: 10, skipped: 6, errors: 0, cell: SPEC, cellIndex: 1, cellCount: 2, item, cellDone: done, cellTotal: 10 });
    };
    at(1, 5000, 0); // the first sample paid for warming up
    expect(meter.view().rate).toBeUndefined();
    at(2, 5500, 1);
    at(3, 6000, 2);
    const v = meter.view();
    expect(v.rate).toBeCloseTo(2, 10); // 2 samples in 1 s after the first
    expect(v.etaSeconds).toBeCloseTo(3.5, 10);
    expect(v.fraction).toBeCloseTo(0.3, 10);
    expect(v.cellText).toBe('cell 2 of 2: sst2 icl 2-shot map 0 (item 2, 3 of 10)');
    expect(rateText(v)).toBe('2.0 samples/s · 0:04 left');
  });

  it('is complete when there is nothing to run', () => {
    const meter = new RunMeter(() => 0);
    meter.update({ done: 0, total: 0, skipped: 6, errors: 0 });
    expect(meter.view().fraction).toBe(1);
    expect(rateText(meter.view())).toBe('');
  });
});

describe('a summary set', () => {
  it('plans generation cells with the max new tokens', () => {
    const set: TestSet = { name: 'xsum', task: SUMMARY, items: [item(0, 'ref'), item(1, 'ref')] };
    const plan = planFromForm({ ...defaultPlanForm('summary'), modes: { 'zero-shot': true, icl: false, fticl: false }, templates: { 0: true, 1: false }, limit: 2, maxNewTokens: 8 }, MODEL, set);
    expect(plan.maxNewTokens).toBe(8);
    expect(summarizePlan(plan)).toEqual({ cells: 1, samples: 2, itemsPerCell: 2 });
  });
});
