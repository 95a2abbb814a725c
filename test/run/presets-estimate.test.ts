/**
 * Batch presets from the study settings, and the work estimate before a run: cells, samples,
 * prompt tokens with the real Llama-2 tokenizer, the generation budget, time from rates, stored
 * samples left out, and prompts over a context window listed up front (cnn 4-shot does not fit a
 * 1k-context build).
 */
import { describe, expect, it } from 'vitest';
import { PAPER_DATA } from '../helpers/paths.ts';
import { testSetsFromCatalogue } from '../../src/cli/support/test-sets.ts';
import { estimatePlan, expandPlan, MemoryRecordStore, presetModels, presetTestSets, ratesFromStats, runPlan, studyPreset, freePlan, type EvalPlan, type PresetModel } from '../../src/core/run/index.ts';
import { countTokens } from '../../src/core/tokenizer/index.ts';
import { FakeEngine } from './fake-engine.ts';

const m = (id: string, method: PresetModel['method'], trainingSet?: string): PresetModel => ({ spec: { id, url: `/models/${id}` }, method, ...(trainingSet ? { trainingSet } : {}) });
const REGISTRY = [m('base', 'base'), m('ft-paws', 'ft', 'paws'), m('fticl-paws', 'fticl', 'paws'), m('ft-xsum', 'ft', 'xsum')];
const llamaCount = (p: { text: string; bos: boolean; ids?: number[] }): number => p.ids?.length ?? countTokens(p.text, { bos: p.bos });

describe('presets', () => {
  it('the paper\'s three settings per training set, from the study-settings table', () => {
    expect(presetTestSets('paws', 'in-domain')).toEqual([{ dataset: 'paws', task: 'detection' }]);
    expect(presetTestSets('xsum', 'out-of-domain').map((t) => t.dataset)).toEqual(['pdfs', 'cnn']);
    const cross = presetTestSets('amazon', 'cross-task');
    expect(cross.some((t) => t.task === 'sentiment')).toBe(false);
    expect(new Set(cross.map((t) => t.task))).toEqual(new Set(['summary', 'question', 'detection', 'inference']));
    // Configurable as the core's mapping is.
    expect(presetTestSets('paws', 'in-domain', { paws: { task: 'detection', inDomain: ['paws', 'qqp'], outOfDomain: [] } }).map((t) => t.dataset)).toEqual(['paws', 'qqp']);
  });

  it('picks base models and those trained on the set; zero-shot and ICL, the paper\'s shots, both maps, 250 items', () => {
    const picked = presetModels(REGISTRY, 'paws');
    expect(picked.map((x) => x.spec.id)).toEqual(['base', 'ft-paws', 'fticl-paws']);
    const d = studyPreset({ trainingSet: 'paws', kind: 'in-domain', models: picked });
    expect(d).toMatchObject({ name: 'paws in-domain', modes: ['zero-shot', 'icl'], templates: [0, 1], limit: 250, preset: { trainingSet: 'paws', kind: 'in-domain' } });
    expect(d.shots).toBeUndefined();
    expect(() => studyPreset({ trainingSet: 'paws', kind: 'in-domain', models: [] })).toThrow(/has no models/);
    expect(freePlan({ models: [REGISTRY[0].spec], testSets: [{ dataset: 'sst2', task: 'sentiment' }], modes: ['icl'], shots: [2], templates: [1], limit: 5 }).name).toBe('base on sst2');
  });
});

describe('estimatePlan', () => {
  it('counts prompts with the real tokenizer; cnn 4-shot does not fit a 1k window and is listed before anything runs', async () => {
    const testSets = await testSetsFromCatalogue({ dir: PAPER_DATA, names: ['cnn', 'sst2'], modes: ['zero-shot', 'icl'] });
    const plan: EvalPlan = { models: [{ id: 'webllm-1k', url: '/x' }], testSets, modes: ['zero-shot', 'icl'], shots: [4], templates: [0], limit: 3 };
    const est = await estimatePlan(plan, { countTokens: llamaCount, contextWindow: () => 1024, rates: { prefill: 1000, decode: 10 } });
    expect(est.cells).toBe(expandPlan(plan).length);
    expect(est.cells).toBe(4);
    expect(est.samples).toBe(12);
    const cnn4 = est.perCell.find((c) => c.key.includes('data=cnn') && c.key.includes('shots=4'))!;
    expect(cnn4.maxPromptTokens).toBeGreaterThan(2000);
    expect(cnn4.overContext).toBe(3);
    expect(est.overContext.every((o) => o.dataset === 'cnn' && o.contextWindow === 1024 && o.promptTokens + o.budget > 1024)).toBe(true);
    // Generation cells: 60 new tokens each at most; classification: none.
    expect(est.maxNewTokens).toBe(2 * 3 * 60);
    expect(est.seconds).toBeCloseTo(est.promptTokens / 1000 + est.maxNewTokens / 10, 9);
    // Every count is the tokenizer's: the sum over the plan's prompts.
    expect(est.promptTokens).toBe(est.perCell.reduce((s, c) => s + c.promptTokens, 0));
  });

  it('leaves stored samples out of the work (what a resume will skip)', async () => {
    const testSets = await testSetsFromCatalogue({ dir: PAPER_DATA, names: ['sst2'], modes: ['zero-shot'] });
    const plan: EvalPlan = { models: [{ id: 'fake', url: '/x' }], testSets, modes: ['zero-shot'], templates: [0, 1], limit: 4 };
    const store = new MemoryRecordStore();
    const before = await estimatePlan(plan, { countTokens: llamaCount, store });
    const ac = new AbortController();
    await runPlan(plan, { engine: new FakeEngine(), store, signal: ac.signal, onProgress: (p) => p.done === 3 && ac.abort() });
    const after = await estimatePlan(plan, { countTokens: llamaCount, store });
    expect([before.stored, after.stored, after.samples]).toEqual([0, 3, 8]);
    expect(after.promptTokens).toBeLessThan(before.promptTokens);
  });

  it('rates from an engine\'s stats', () => {
    expect(ratesFromStats({ prefillTokens: 500, prefillMs: 250, decodeTokens: 30, decodeMs: 1500 })).toEqual({ prefill: 2000, decode: 20 });
    expect(ratesFromStats({ prefillTokens: 0, prefillMs: 0, decodeTokens: 0, decodeMs: 0 })).toBeUndefined();
  });
});
