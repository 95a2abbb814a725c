/**
 * The runner against a deterministic test-double Engine: records, aggregates, resume,
 * cancellation, error records, label scoring modes.
 */
import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { PAPER_DATA } from '../helpers/paths.ts';
import { FakeEngine, defaultGeneration, fakeLogits, fakeLoglikelihood } from './fake-engine.ts';
import { MemoryRecordStore, runPlan, expandPlan, type EvalPlan, type RunProgress, type TestSet, type SampleRecord, type ClassificationRecord, type GenerationRecord } from '../../src/core/run/index.ts';
import { INFERENCE, SENTIMENT, SUMMARY, type TaskDefinition } from '../../src/core/tasks/index.ts';
import { parseDataset } from '../../src/core/datasets/parse.ts';
import type { TaskItem } from '../../src/core/datasets/types.ts';
import { buildPrompt } from '../../src/core/prompts/index.ts';
import { promptHash } from '../../src/core/hash.ts';
import { postprocessGeneration, rougeCorpus, rougeL, accuracyFromCounts } from '../../src/core/metrics/index.ts';
import { logSoftmax, resolveLabelIds } from '../../src/core/scoring/index.ts';
import { encode } from '../../src/core/tokenizer/index.ts';

const MODEL = { id: 'fake-a', url: '/nowhere' };
const MODEL_B = { id: 'fake-b', url: '/nowhere' };

function load(task: TaskDefinition, rel: string): TaskItem[] {
  return [...parseDataset(fs.readFileSync(path.join(PAPER_DATA, rel), 'utf8'), { task, source: path.basename(rel) }).items];
}

function synthetic(task: TaskDefinition, n: number, label = (i: number) => task.labels[i % Math.max(1, task.labels.length)] ?? `reference text number ${i}`): TaskItem[] {
  return Array.from({ length: n }, (_, i) => ({
    source: 'synthetic.json',
    index: i,
    fields: Object.fromEntries(task.inputFields.map((f) => [f, `${f} of item ${i} ${'x'.repeat(i)}`])),
    output: label(i),
  }));
}

function plan(testSets: TestSet[], over: Partial<EvalPlan> = {}): EvalPlan {
  return { models: [MODEL], testSets, modes: ['zero-shot'], templates: [0], limit: 250, ...over };
}

describe('runPlan: generation', () => {
  it('writes one correct record per item and aggregates ROUGE-L like the paper (mean and bootstrap mid)', async () => {
    const items = load(SUMMARY, 'summary/xsum_test_500.json').slice(0, 4);
    const demos = load(SUMMARY, 'summary/few_shot/xsum_few_shot.json');
    const engine = new FakeEngine();
    const store = new MemoryRecordStore();
    const res = await runPlan(plan([{ name: 'xsum', task: SUMMARY, items, demos }], { modes: ['zero-shot', 'icl'], shots: [1], templates: [0, 1] }), { engine, store, runId: 'r' });
    expect(res.status).toBe('done');
    expect(res.cells.map((c) => `${c.spec.mode}/${c.spec.shots}/${c.spec.template}`)).toEqual(['zero-shot/0/0', 'zero-shot/0/1', 'icl/1/0', 'icl/1/1']);
    expect(res.done).toBe(16);
    expect(engine.calls.generate).toBe(16);
    expect(engine.loaded).toEqual(['fake-a']);

    for (const cell of res.cells) {
      const records = (await store.getByCell(cell.key)) as GenerationRecord[];
      expect(records.map((r) => r.item)).toEqual([0, 1, 2, 3]);
      for (const r of records) {
        const p = buildPrompt(SUMMARY, items[r.item], { mode: cell.spec.mode, shots: cell.spec.shots, demos, template: cell.spec.template, countTokens: false });
        expect(r.prompt).toBe(p.text);
        expect(r.bos).toBe(cell.spec.mode === 'zero-shot');
        expect(r.promptHash).toBe(await promptHash({ text: p.text, bos: p.bos }));
        expect(r.promptHash).toMatch(/^[0-9a-f]{64}$/);
        expect(r.output).toBe(defaultGeneration({ text: p.text, bos: p.bos }));
        expect(r.prediction).toBe(postprocessGeneration(r.output));
        expect(r.prediction).not.toContain('ignored tail');
        expect(r.reference).toBe(items[r.item].output);
        expect(r.metric).toBe(rougeL(r.reference, r.prediction).fmeasure);
        expect(r).toMatchObject({ modelId: 'fake-a', dataset: 'xsum', task: 'summary', runId: 'r', kind: 'generation' });
        expect(r.timings.totalMs).toBeGreaterThanOrEqual(0);
      }
      const corpus = rougeCorpus(records.map((r) => r.prediction), records.map((r) => r.reference), { seed: 0 });
      expect(cell.aggregate.rougeL!.mid).toBe(corpus.aggregate.rougeL.mid.fmeasure);
      expect(cell.aggregate.rougeL!.mean).toBe(corpus.mean.rougeL.fmeasure);
      expect(cell.aggregate).toMatchObject({ expected: 4, n: 4, errors: 0, missing: 0 });
    }
    expect((await store.getRun('r'))?.status).toBe('done');
  });
});

describe('runPlan: classification', () => {
  const items = synthetic(SENTIMENT, 6);

  it('paper scoring compares the fixed ids 1066/22198 with full-vocabulary log-probs', async () => {
    const engine = new FakeEngine();
    const store = new MemoryRecordStore();
    const res = await runPlan(plan([{ name: 'synth', task: SENTIMENT, items }]), { engine, store });
    const records = (await store.getByCell(res.cells[0].key)) as ClassificationRecord[];
    expect(records).toHaveLength(6);
    let correct = 0;
    for (const r of records) {
      expect(r.labelTokenIds).toEqual([1066, 22198]);
      const ls = logSoftmax(fakeLogits({ text: r.prompt, bos: true }));
      expect(r.labelLogprobs).toEqual([ls[1066], ls[22198]]);
      const expectedIdx = ls[1066] >= ls[22198] ? 0 : 1;
      expect(r.predictionIndex).toBe(expectedIdx);
      expect(r.prediction).toBe(SENTIMENT.labels[expectedIdx]);
      expect(r.labelProbs[0] + r.labelProbs[1]).toBeCloseTo(1, 12);
      expect(r.metric).toBe(r.prediction === r.reference ? 1 : 0);
      correct += r.metric;
    }
    expect(engine.calls.scoreNext).toBe(6);
    expect(engine.calls.generate).toBe(0);
    const acc = accuracyFromCounts(correct, 6);
    expect(res.cells[0].aggregate.accuracy).toEqual({ correct, value: acc.accuracy, low: acc.low, high: acc.high });
  });

  it('in-context scoring on map 1 inference uses the label\'s natural first token and records the warnings', async () => {
    const nli = synthetic(INFERENCE, 3);
    const engine = new FakeEngine();
    const store = new MemoryRecordStore();
    const res = await runPlan(plan([{ name: 'nli', task: INFERENCE, items: nli }], { templates: [0, 1], labelScoring: 'in-context' }), { engine, store, labelTokenizer: { encode } });
    const [map0, map1] = await Promise.all(res.cells.map((c) => store.getByCell(c.key))) as ClassificationRecord[][];
    expect(map0.every((r) => r.labelTokenIds.join() === '296,17821,9996' && r.warnings === undefined)).toBe(true);
    for (const r of map1) {
      const expected = await resolveLabelIds({ task: INFERENCE, prompt: r.prompt, bos: true, mode: 'in-context', tokenizer: { encode } });
      expect(r.labelTokenIds).toEqual(expected.ids);
      expect(r.labelTokenIds).not.toEqual([296, 17821, 9996]);
      expect(r.warnings).toEqual(['prompt-ends-in-whitespace', 'label-absorbs-prompt-tokens', 'differs-from-paper']);
    }
    expect(res.cells[0].key).toContain('score=in-context');
  });

  it('full-label scoring sums teacher-forced log-probs over every label token (engine tokenizer by default)', async () => {
    const engine = new FakeEngine();
    const store = new MemoryRecordStore();
    const res = await runPlan(plan([{ name: 'synth', task: SENTIMENT, items: items.slice(0, 2) }], { labelScoring: 'full-label' }), { engine, store });
    const records = (await store.getByCell(res.cells[0].key)) as ClassificationRecord[];
    expect(engine.calls.loglikelihood).toBe(4);
    expect(engine.calls.tokenize).toBeGreaterThan(0);
    for (const r of records) {
      const promptInput = { text: r.prompt, bos: true };
      const promptIds = await engine.tokenize(r.prompt, { bos: true });
      const expected = [];
      for (const label of SENTIMENT.labels) {
        const joined = await engine.tokenize(r.prompt + label, { bos: true });
        expected.push(fakeLoglikelihood(promptInput, joined.slice(promptIds.length)));
      }
      expect(r.labelLogprobs).toEqual(expected);
    }
  });
});

describe('runPlan: resume', () => {
  const items = synthetic(SUMMARY, 5);
  const testSets = [{ name: 'synth', task: SUMMARY, items }];

  it('a second run of the same plan calls the engine zero times (and loads no model)', async () => {
    const store = new MemoryRecordStore();
    const first = new FakeEngine();
    await runPlan(plan(testSets, { models: [MODEL, MODEL_B] }), { engine: first, store });
    expect(first.calls.generate).toBe(10);
    const second = new FakeEngine();
    const res = await runPlan(plan(testSets, { models: [MODEL, MODEL_B] }), { engine: second, store });
    expect(second.calls).toMatchObject({ generate: 0, load: 0 });
    expect(res).toMatchObject({ done: 0, total: 0, skipped: 10 });
    expect(res.cells.every((c) => c.aggregate.n === 5)).toBe(true);
  });

  it('after a partial run, only the missing samples are evaluated', async () => {
    const store = new MemoryRecordStore();
    const ac = new AbortController();
    const first = new FakeEngine();
    const r1 = await runPlan(plan(testSets), {
      engine: first,
      store,
      signal: ac.signal,
      onProgress: (p) => {
        if (p.done === 2) ac.abort();
      },
    });
    expect(r1.status).toBe('cancelled');
    expect(r1.cells[0].aggregate).toMatchObject({ n: 2, missing: 3 });
    const second = new FakeEngine();
    const r2 = await runPlan(plan(testSets), { engine: second, store });
    expect(second.calls.generate).toBe(3);
    expect(r2).toMatchObject({ done: 3, skipped: 2, status: 'done' });
    expect((await store.getByCell(r2.cells[0].key)).map((r) => r.item)).toEqual([0, 1, 2, 3, 4]);
  });

  it('a changed prompt (same cell, same item) is evaluated again; stale records are not aggregated', async () => {
    const store = new MemoryRecordStore();
    await runPlan(plan(testSets), { engine: new FakeEngine(), store });
    const engine = new FakeEngine();
    const res = await runPlan(plan(testSets), {
      engine,
      store,
      prompts: () => (item) => ({ text: `changed ${item.fields.input}`, bos: true }),
    });
    expect(engine.calls.generate).toBe(5);
    expect((await store.getByCell(res.cells[0].key))).toHaveLength(10);
    expect(res.cells[0].aggregate.n).toBe(5);
  });

  it('error records count as done unless retryErrors', async () => {
    const store = new MemoryRecordStore();
    await runPlan(plan(testSets), { engine: new FakeEngine({ maxPromptChars: 40 }), store });
    const again = new FakeEngine();
    await runPlan(plan(testSets), { engine: again, store });
    expect(again.calls.generate).toBe(0);
    const retry = new FakeEngine();
    const res = await runPlan(plan(testSets), { engine: retry, store, retryErrors: true });
    expect(retry.calls.generate).toBeGreaterThan(0);
    expect(res.cells[0].aggregate.errors).toBe(0);
  });
});

describe('runPlan: errors, cancellation, progress', () => {
  it('a sample that fails (prompt too long) becomes an error record; the run goes on', async () => {
    const items = synthetic(SUMMARY, 6); // prompts grow with the item index
    const store = new MemoryRecordStore();
    const engine = new FakeEngine({ maxPromptChars: 42 });
    const res = await runPlan(plan([{ name: 'synth', task: SUMMARY, items }]), { engine, store });
    const records = await store.getByCell(res.cells[0].key);
    const errors = records.filter((r): r is Extract<SampleRecord, { kind: 'error' }> => r.kind === 'error');
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.length).toBeLessThan(6);
    expect(errors[0].error.code).toBe('context-window-exceeded');
    expect(errors[0].error.message).toMatch(/context window/);
    expect(res.cells[0].aggregate).toMatchObject({ n: 6 - errors.length, errors: errors.length, errorCodes: { 'context-window-exceeded': errors.length } });
    expect(res.errors).toBe(errors.length);
  });

  it('too many failures in a row stop the run with RunFailedError (records kept, run marked failed)', async () => {
    const store = new MemoryRecordStore();
    const err = await runPlan(plan([{ name: 'synth', task: SUMMARY, items: synthetic(SUMMARY, 10) }]), {
      engine: new FakeEngine({ maxPromptChars: 1 }),
      store,
      runId: 'bad',
      maxConsecutiveErrors: 3,
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'run-failed' });
    expect(store.size).toBe(3);
    expect((await store.getRun('bad'))?.status).toBe('failed');
  });

  it('aborting mid-generation interrupts the engine and stores nothing for that sample', async () => {
    const store = new MemoryRecordStore();
    const engine = new FakeEngine({ delayMs: 30 });
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 45); // during the second sample
    const res = await runPlan(plan([{ name: 'synth', task: SUMMARY, items: synthetic(SUMMARY, 5) }]), { engine, store, signal: ac.signal, runId: 'c' });
    expect(res.status).toBe('cancelled');
    expect(engine.calls.interrupt).toBe(1);
    expect(engine.calls.generate).toBe(2);
    expect(store.size).toBe(1);
    expect((await store.getRun('c'))?.status).toBe('cancelled');
  });

  it('reports progress after every sample, with the current cell', async () => {
    const seen: RunProgress[] = [];
    await runPlan(plan([{ name: 'synth', task: SENTIMENT, items: synthetic(SENTIMENT, 3) }], { templates: [0, 1] }), {
      engine: new FakeEngine(),
      store: new MemoryRecordStore(),
      onProgress: (p) => seen.push(p),
    });
    expect(seen.map((p) => `${p.done}/${p.total}`)).toEqual(['0/6', '1/6', '2/6', '3/6', '4/6', '5/6', '6/6']);
    expect(seen[4].cell?.template).toBe(1);
    expect(seen[4].item).toBe(0);
    // Where each sample stands in its cell and the plan (a CLI prints a line per finished cell).
    expect(seen.slice(1).map((p) => `${p.cellIndex}/${p.cellCount} ${p.cellDone}/${p.cellTotal}`)).toEqual(['0/2 1/3', '0/2 2/3', '0/2 3/3', '1/2 1/3', '1/2 2/3', '1/2 3/3']);
  });

  it('counts a cell\'s progress over the samples left to do when resuming', async () => {
    const store = new MemoryRecordStore();
    const p = plan([{ name: 'synth', task: SENTIMENT, items: synthetic(SENTIMENT, 3) }], { templates: [0, 1] });
    const ac = new AbortController();
    await runPlan(p, { engine: new FakeEngine(), store, signal: ac.signal, onProgress: (x) => x.done === 4 && ac.abort() });
    const seen: RunProgress[] = [];
    await runPlan(p, { engine: new FakeEngine(), store, onProgress: (x) => seen.push(x) });
    expect(seen.slice(1).map((x) => `${x.cellIndex} ${x.cellDone}/${x.cellTotal}`)).toEqual(['1 1/2', '1 2/2']);
  });

  it('loads each model once, in plan order', async () => {
    const engine = new FakeEngine();
    await runPlan(plan([{ name: 'synth', task: SENTIMENT, items: synthetic(SENTIMENT, 2) }], { models: [MODEL, MODEL_B], templates: [0, 1] }), { engine, store: new MemoryRecordStore() });
    expect(engine.loaded).toEqual(['fake-a', 'fake-b']);
  });
});

describe('expandPlan', () => {
  const items = synthetic(SENTIMENT, 300);
  it('uses the paper\'s shots by default, the first 250 items, and maps k = 0 to zero-shot', () => {
    const cells = expandPlan(plan([{ name: 's', task: SENTIMENT, items, demos: synthetic(SENTIMENT, 8) }], { modes: ['icl'] }));
    expect(cells.map((c) => c.spec.shots)).toEqual([2, 4, 6]);
    expect(cells[0].itemCount).toBe(250);
    expect(cells[0].demos).toHaveLength(2);
    const withZero = expandPlan(plan([{ name: 's', task: SENTIMENT, items, demos: synthetic(SENTIMENT, 8) }], { modes: ['zero-shot', 'icl'], shots: [2, 0] }));
    expect(withZero.map((c) => `${c.spec.mode}/${c.spec.shots}`)).toEqual(['zero-shot/0', 'icl/2']);
  });
  it('rejects plans that cannot run, naming the problem', () => {
    expect(() => expandPlan(plan([{ name: 's', task: SENTIMENT, items }], { modes: ['icl'], shots: [2] }))).toThrow(/needs 2 demonstrations; the few-shot pool has 0/);
    expect(() => expandPlan(plan([{ name: 's', task: SENTIMENT, items }], { modes: ['fticl'], shots: [2] }))).toThrow(expect.objectContaining({ code: 'plan-invalid' }));
    expect(() => expandPlan(plan([{ name: 's', task: SENTIMENT, items }], { templates: [2] }))).toThrow(/no template 2/);
    expect(() => expandPlan(plan([], {}))).toThrow(/no test sets/);
    expect(() => expandPlan(plan([{ name: 's', task: SENTIMENT, items }], { limit: 0 }))).toThrow(/limit/);
  });
});

describe('runPlan: concurrency', () => {
  it('runs up to N samples at once, stores every sample once, loads each model once, same records as one at a time', async () => {
    const items = synthetic(SENTIMENT, 9);
    const gen = synthetic(SUMMARY, 5);
    const testSets: TestSet[] = [
      { name: 'sst2', task: SENTIMENT, items },
      { name: 'xsum', task: SUMMARY, items: gen },
    ];
    const p = plan(testSets, { models: [MODEL, MODEL_B], templates: [0, 1] });
    /** The fake engine with a delay per call, counting calls in flight. */
    class SlowEngine extends FakeEngine {
      inFlight = 0;
      maxInFlight = 0;
      private async slow<T>(f: () => Promise<T>): Promise<T> {
        this.inFlight++;
        this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
        await new Promise((r) => setTimeout(r, 3));
        try {
          return await f();
        } finally {
          this.inFlight--;
        }
      }
      override generate(...a: Parameters<FakeEngine['generate']>) {
        return this.slow(() => super.generate(...a));
      }
      override scoreNext(...a: Parameters<FakeEngine['scoreNext']>) {
        return this.slow(() => super.scoreNext(...a));
      }
    }
    const engine = new SlowEngine();
    const store = new MemoryRecordStore();
    const res = await runPlan(p, { engine, store, runId: 'c', concurrency: 4 });
    expect(res).toMatchObject({ status: 'done', done: 2 * 2 * (9 + 5), errors: 0 });
    expect(engine.maxInFlight).toBe(4);
    expect(engine.loaded).toEqual(['fake-a', 'fake-b']);
    expect(store.size).toBe(56);

    const serial = new MemoryRecordStore();
    const one = await runPlan(p, { engine: new FakeEngine(), store: serial, runId: 'c' });
    for (const [i, cell] of res.cells.entries()) {
      const strip = (r: SampleRecord) => ({ ...r, timings: undefined });
      expect((await store.getByCell(cell.key)).map(strip)).toEqual((await serial.getByCell(cell.key)).map(strip));
      expect(cell.aggregate).toEqual(one.cells[i].aggregate);
    }
  });
});
