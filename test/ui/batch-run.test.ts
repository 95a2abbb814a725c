/**
 * The Batch view's store in Node: the paper's preset for a training set over the model slots
 * (fake engines) and the paper's own test sets (read in place from ../shared/paper-data), the
 * work counted before it runs, a run to 100 % with each cell's live metric, a pause in the middle
 * and a new store (a "reload") that resumes it with every sample stored exactly once, delete,
 * and the form's plan drafts.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FakeEngine } from '../run/fake-engine.ts';
import { PAPER_DATA } from '../helpers/paths.ts';
import { MemoryRecordStore } from '../../src/core/run/recordStore.ts';
import { catalogueEntry, resolveDatasetUrl } from '../../src/core/datasets/catalogue.ts';
import { parseDataset } from '../../src/core/datasets/parse.ts';
import { getTask } from '../../src/core/tasks/paper-tasks.ts';
import { expandPlan } from '../../src/core/run/plan.ts';
import { ModelSlots, type SlotEngine } from '../../src/ui/state/model-slots.svelte.ts';
import { BatchRun, type BatchRecordStore } from '../../src/ui/state/batch-run.svelte.ts';
import { defaultBatchForm, draftOf, parseShotList, planOf, presetModelIds, readBatchForm, trainingSetName, type CatalogueSource } from '../../src/ui/state/batch-plan.ts';
import { EMBEDDED_MODELS, type ModelSource } from '../../src/ui/state/model-sources.ts';

/** A fake slot whose stats, after its first generation, are 2000 prompt tokens/s and 100 new tokens/s. */
class FakeSlotEngine extends FakeEngine implements SlotEngine {
  terminate(): void {}
  override async stats() {
    const measured = this.calls.generate > 0;
    return { calls: this.calls.generate, prefillTokens: measured ? 2000 : 0, prefillMs: measured ? 1000 : 0, decodeTokens: measured ? 100 : 0, decodeMs: measured ? 1000 : 0 };
  }
}

/** The paper's files by catalogue id, read from ../shared/paper-data (what the catalogue fetches in the app). */
const paperFiles: CatalogueSource = {
  async loadCatalogue(id) {
    const entry = catalogueEntry(id);
    const file = new URL(resolveDatasetUrl('file:///', entry)).pathname.slice(1);
    const text = readFileSync(path.join(PAPER_DATA, file), 'utf8');
    return { items: parseDataset(text, { task: getTask(entry.task), source: file }).items };
  },
};

// The two tiny models these tests run on the cpu engine double (the webgpu ones are other sources).
const TINY = ['tiny-random-llama-f32', 'tiny-random-llama-q4f16_1'];

function setup(opts: { store?: BatchRecordStore; delayMs?: number } = {}) {
  const store = opts.store ?? new MemoryRecordStore();
  const engines: FakeSlotEngine[] = [];
  const slots = new ModelSlots(() => {
    const e = new FakeSlotEngine(opts.delayMs ? { delayMs: opts.delayMs } : {});
    engines.push(e);
    return e;
  }, 'http://127.0.0.1/');
  let n = 0;
  const batch = new BatchRun({ slots, store: async () => store, data: paperFiles, baseHref: 'http://127.0.0.1/', newRunId: () => `run-${++n}` });
  // amazon in-domain (amazon, amazonfood) × zero-shot and ICL 2-shot × map 0 × 5 items × both tiny models.
  batch.edit({ source: 'preset', trainingSet: 'amazon', kind: 'in-domain', models: TINY, shots: '2', templates: [0], limit: 5 });
  return { store, slots, engines, batch };
}

describe('batch plan drafts', () => {
  it('a preset names the setting\'s test sets, the paper\'s modes and the form\'s shots, maps and N', () => {
    const d = draftOf({ ...defaultBatchForm(), models: TINY, shots: '2', templates: [0], limit: 5 }, EMBEDDED_MODELS, 'http://h/');
    expect(d.preset).toEqual({ trainingSet: 'amazon', kind: 'in-domain' });
    expect(d.testSets).toEqual([{ dataset: 'amazon', task: 'sentiment' }, { dataset: 'amazonfood', task: 'sentiment' }]);
    expect(d.modes).toEqual(['zero-shot', 'icl']);
    expect(d.shots).toEqual([2]);
    expect(d.models.map((m) => m.url)).toEqual(['http://h/models/tiny-random-llama-f32/', 'http://h/models/tiny-random-llama-q4f16_1/']);
    // Empty shots: the paper's per task (absent from the draft).
    expect(draftOf({ ...defaultBatchForm(), models: TINY }, EMBEDDED_MODELS, 'http://h/').shots).toBeUndefined();
  });

  it('a free plan takes any test sets and modes; bad input is a named PlanError', () => {
    const d = draftOf({ ...defaultBatchForm(), source: 'free', models: [TINY[0]], testSets: ['sst2', 'xsum'], modes: ['zero-shot'], limit: 3 }, EMBEDDED_MODELS, 'http://h/');
    expect(d.testSets).toEqual([{ dataset: 'sst2', task: 'sentiment' }, { dataset: 'xsum', task: 'summary' }]);
    expect(d.preset).toBeUndefined();
    const bad = (patch: Partial<ReturnType<typeof defaultBatchForm>>) => () => draftOf({ ...defaultBatchForm(), models: TINY, ...patch }, EMBEDDED_MODELS, 'http://h/');
    expect(bad({ models: [] })).toThrow(/no models/);
    expect(bad({ models: ['nope'] })).toThrow(/"nope" is not in this browser/);
    expect(bad({ limit: 0 })).toThrow(/first N items/);
    expect(bad({ templates: [] })).toThrow(/no templates/);
    expect(bad({ source: 'free', testSets: ['nowhere'] })).toThrow(/not one of the paper's test sets/);
    expect(() => parseShotList('2, x')).toThrow(/"x"/);
    expect(parseShotList(' 4,2 4 ')).toEqual([4, 2]);
  });

  it('presets tick base models and those fine-tuned on the training set, by their manifests', () => {
    const m = (id: string, method: string, trainingSet?: string): ModelSource => ({ kind: 'url', id, title: id, url: `/${id}/`, backend: 'cpu', provenance: { method, ...(trainingSet ? { trainingSet } : {}) } });
    const sources = [m('base', 'base'), m('ft-paws', 'FT', 'paws_train_2000'), m('fticl-paws', 'fticl', 'paws'), m('ft-xsum', 'FT', 'xsum_train_2000'), m('chat', 'chat'), ...EMBEDDED_MODELS];
    expect(presetModelIds(sources, 'paws')).toEqual(['base', 'ft-paws', 'fticl-paws']);
    expect(presetModelIds(sources, 'xsum')).toEqual(['base', 'ft-xsum']);
    expect(trainingSetName('amazon_train_4000')).toBe('amazon');
  });

  it('a draft becomes the plan of the paper\'s files: test items, few-shot pools, FTICL pool of the training set', async () => {
    const d = draftOf({ ...defaultBatchForm(), trainingSet: 'paws', models: [TINY[0]], shots: '2', templates: [0], limit: 5 }, EMBEDDED_MODELS, 'http://h/');
    const plan = await planOf({ ...d, modes: ['zero-shot', 'icl', 'fticl'] }, paperFiles);
    expect(plan.testSets.map((t) => [t.name, t.items.length, t.demos?.length, t.fticl?.demos.length])).toEqual([['paws', 500, 8, 8]]);
    expect(expandPlan(plan).map((c) => c.spec.mode)).toEqual(['zero-shot', 'icl', 'fticl']);
  });
});

describe('BatchRun', () => {
  it('keeps the edited plan across a reload (its storage); a bad saved value reads as the defaults', () => {
    const m = new Map<string, string>();
    const storage = { getItem: (k: string) => m.get(k) ?? null, setItem: (k: string, v: string) => void m.set(k, v) };
    const slots = new ModelSlots(() => new FakeSlotEngine(), 'http://127.0.0.1/');
    const deps = { slots, store: async () => new MemoryRecordStore(), data: paperFiles, baseHref: 'http://127.0.0.1/', storage };
    const a = new BatchRun(deps);
    a.edit({ source: 'free', testSets: ['sst2'], models: [TINY[1]], limit: 7, shots: '2' });
    const b = new BatchRun(deps);
    expect(b.form).toEqual(a.form);
    expect(b.form).toMatchObject({ source: 'free', testSets: ['sst2'], models: [TINY[1]], limit: 7 });
    m.set('ftlab.batch.form.v1', '{not json');
    expect(new BatchRun(deps).form).toEqual(defaultBatchForm());
    expect(readBatchForm({ source: 'nope', limit: -3, modes: ['icl', 'bogus'], templates: [1, 'x'] })).toEqual({ ...defaultBatchForm(), modes: ['icl'] });
  });

  it('counts the work before it runs: cells, samples, tokens with the model\'s tokenizer, rates', async () => {
    const { batch, engines } = setup();
    await batch.estimate();
    const w = batch.work;
    expect(w.state).toBe('ready');
    if (w.state !== 'ready') return;
    expect(w.estimate).toMatchObject({ cells: 8, samples: 40, stored: 0, maxNewTokens: 0, overContext: [] });
    // The fake tokenizer is one token per character (+ BOS for zero-shot): prompt tokens add up to that.
    const plan = await planOf((batch.draft as { draft: Parameters<typeof planOf>[0] }).draft, paperFiles);
    const { paperPrompts } = await import('../../src/core/run/runner.ts');
    let chars = 0;
    for (const c of expandPlan(plan)) for (const item of c.testSet.items.slice(0, c.itemCount)) {
      const p = paperPrompts(c)(item);
      chars += [...p.text].length + (p.bos ? 1 : 0);
    }
    expect(w.estimate.promptTokens).toBe(chars);
    expect(engines.length).toBe(2); // one slot per model
    // Rates from one short probe generation on the first model (classification: no new tokens).
    expect(engines[0].calls.generate).toBe(1);
    expect(w.rates).toEqual({ prefill: 2000, decode: 100 });
    expect(w.estimate.seconds).toBeCloseTo(chars / 2000, 9);
  });

  it('lists prompts over a model\'s context window before anything runs', async () => {
    const { batch, slots } = setup();
    await slots.engineFor(TINY[0]);
    // The fake engine reports a 4096-token window; an ICL amazon prompt of 2 reviews is well under it,
    // so shrink the window the slot reports to the shortest prompt's size.
    const slot = slots.slot(TINY[0])!;
    slot.info = { ...slot.info!, contextWindow: 40 };
    batch.edit({ models: [TINY[0]] });
    // edit() kept the slot loaded; estimate() reads the window from it after loading (no reload).
    await batch.estimate();
    const w = batch.work;
    expect(w.state).toBe('ready');
    if (w.state !== 'ready') return;
    expect(w.estimate.overContext.length).toBe(20);
    expect(w.estimate.overContext[0]).toMatchObject({ modelId: TINY[0], contextWindow: 40, budget: 1 });
  });

  it('runs to 100 % with each cell\'s live metric; the library lists the run as done', async () => {
    const { batch, store } = setup();
    await batch.refresh();
    await batch.start();
    expect(batch.snapshot.status).toBe('done');
    expect(batch.snapshot.meter).toMatchObject({ done: 40, total: 40, planFraction: 1 });
    expect(batch.cells.length).toBe(8);
    for (const c of batch.cells) expect(batch.snapshot.live[c.key]?.n).toBe(5);
    expect(batch.library).toHaveLength(1);
    expect(batch.library[0]).toMatchObject({ id: 'run-1', status: 'done', done: 40, total: 40, resumable: false });
    expect((store as MemoryRecordStore).size).toBe(40);
  });

  it('paused in the middle, then a new store (a reload) resumes it: every sample stored exactly once', async () => {
    const store = new MemoryRecordStore();
    const first = setup({ store, delayMs: 2 });
    const running = first.batch.start();
    await new Promise<void>((resolve) => {
      const t = setInterval(() => {
        if (first.batch.snapshot.meter.done >= 7) {
          clearInterval(t);
          resolve();
        }
      }, 1);
    });
    first.batch.pause();
    await running;
    expect(first.batch.snapshot.status).toBe('paused');
    const storedBefore = store.size;
    expect(storedBefore).toBeGreaterThanOrEqual(7);
    expect(storedBefore).toBeLessThan(40);

    const second = setup({ store });
    await second.batch.refresh();
    const entry = second.batch.library[0];
    expect(entry.resumeLabel).toBe(`Resume (${storedBefore} of 40 done)`);
    const puts: string[] = [];
    const put = store.put.bind(store);
    store.put = async (r) => {
      puts.push(`${r.cellKey}|${r.item}`);
      await put(r);
    };
    await second.batch.resume(entry.id);
    expect(second.batch.snapshot.status).toBe('done');
    expect(second.batch.snapshot.meter).toMatchObject({ skipped: storedBefore, done: 40 - storedBefore, planFraction: 1 });
    expect(store.size).toBe(40);
    expect(new Set(puts).size).toBe(puts.length);
    expect(puts.length).toBe(40 - storedBefore);
    expect(second.batch.library[0]).toMatchObject({ id: entry.id, status: 'done', done: 40, total: 40 });
  });

  it('cancel stops between samples; delete removes the plan and the records its run wrote', async () => {
    const { batch, store } = setup({ delayMs: 2 });
    const running = batch.start();
    // Cancel once the run has stored a few samples (not after a fixed time: the heavy core is
    // imported first, and on a loaded machine that can take longer than the whole run would).
    while (batch.snapshot.meter.done < 3 && batch.snapshot.status !== 'done') await new Promise((r) => setTimeout(r, 1));
    batch.cancel();
    await running;
    expect(batch.snapshot.status).toBe('cancelled');
    expect(batch.library[0].statusText).toMatch(/^stopped at \d+ of 40$/);
    const written = (store as MemoryRecordStore).size;
    expect(written).toBeGreaterThan(0);
    expect(await batch.delete('run-1')).toBe(written);
    expect((store as MemoryRecordStore).size).toBe(0);
    expect(batch.library).toEqual([]);
  });

  it('a plan that cannot be drafted says why and runs nothing', async () => {
    const { batch, store } = setup();
    batch.edit({ models: [] });
    await batch.start();
    expect(batch.error?.message).toMatch(/no models/);
    await batch.estimate();
    expect(batch.work.state).toBe('error');
    expect((store as MemoryRecordStore).size).toBe(0);
  });
});
