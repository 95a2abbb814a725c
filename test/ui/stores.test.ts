import { describe, expect, it } from 'vitest';
import { flushSync } from 'svelte';
import { Prefs } from '../../src/ui/state/prefs.svelte.ts';
import { ModelSlots, type SlotEngine } from '../../src/ui/state/model-slots.svelte.ts';
import { DatasetLibrary } from '../../src/ui/state/datasets.svelte.ts';
import { Playground } from '../../src/ui/state/playground.svelte.ts';
import { MemoryDatasetRepo } from '../../src/store/datasetRepo.ts';
import { playgroundDefaults } from '../../src/ui/app/routes.ts';
import { FakeEngine } from '../run/fake-engine.ts';
import type { LoadedModelInfo, LoadProgress, ModelSpec } from '../../src/core/engine.ts';
import { Router, type RouterWindow } from '../../src/ui/app/router.svelte.ts';

class FakeSlotEngine extends FakeEngine implements SlotEngine {
  terminated = false;
  readonly loads: { spec: ModelSpec; opts: unknown }[] = [];
  override async load(spec: ModelSpec, _onProgress?: (p: LoadProgress) => void, opts?: unknown): Promise<LoadedModelInfo> {
    this.loads.push({ spec, opts });
    return super.load(spec);
  }
  terminate(): void {
    this.terminated = true;
  }
}

function setup(fetchText: (url: string) => Promise<string> = async () => '[]') {
  const engines: FakeSlotEngine[] = [];
  const slots = new ModelSlots(() => {
    const e = new FakeSlotEngine();
    engines.push(e);
    return e;
  }, 'http://127.0.0.1/');
  const repo = new MemoryDatasetRepo();
  const library = new DatasetLibrary(repo, fetchText, () => 'http://127.0.0.1/data/');
  const playground = new Playground(library, slots);
  return { engines, slots, repo, library, playground };
}

describe('Prefs', () => {
  it('keeps theme and catalogue base in the given storage, ignoring unreadable values', () => {
    const m = new Map<string, string>();
    const storage = { getItem: (k: string) => m.get(k) ?? null, setItem: (k: string, v: string) => void m.set(k, v) };
    const a = new Prefs(storage);
    expect(a.theme).toBe('system');
    a.setTheme('dark');
    a.setCatalogueBase('http://127.0.0.1:9/data/');
    const b = new Prefs(storage);
    expect(b.theme).toBe('dark');
    expect(b.catalogueBase).toBe('http://127.0.0.1:9/data/');
    m.set('ftlab.prefs.v1', '{not json');
    expect(new Prefs(storage).theme).toBe('system');
    expect(new Prefs(storage, { catalogueBase: 'http://x/' }).catalogueBase).toBe('http://x/');
  });
});

describe('Router', () => {
  it('reads the hash, pushes on go, replaces on update, follows hashchange', () => {
    const calls: string[] = [];
    let listener: () => void = () => undefined;
    const win: RouterWindow = {
      location: { hash: '#/datasets?q=x' },
      history: { pushState: (_d, _u, url) => calls.push(`push ${url}`), replaceState: (_d, _u, url) => calls.push(`replace ${url}`) },
      addEventListener: (_t, l) => (listener = l),
      removeEventListener: () => undefined,
    };
    const router = new Router(win);
    expect(router.route).toEqual({ view: 'datasets', dataset: '', q: 'x', page: 0 });
    router.go(playgroundDefaults());
    router.update('playground', { item: 2 });
    expect(calls).toEqual(['push #/playground', 'replace #/playground?item=2']);
    win.location.hash = '#/models?model=m';
    listener();
    expect(router.route).toEqual({ view: 'models', model: 'm' });
  });
});

describe('DatasetLibrary', () => {
  it('has the built-in examples of every task, with demo pools, written for ftlab', () => {
    const { library } = setup();
    expect(library.builtins.map((d) => d.id)).toEqual(['ftlab-sentiment', 'ftlab-detection', 'ftlab-inference', 'ftlab-summary', 'ftlab-question']);
    for (const d of library.builtins) {
      expect(d.items.length).toBeGreaterThanOrEqual(3);
      expect(d.pool?.length).toBeGreaterThanOrEqual(2);
      expect(d.source).toMatch(/written for ftlab/);
    }
  });

  it('keeps an import and a failed import (with its item-level problems) across a reload', async () => {
    const { library, repo } = setup();
    await library.init();
    const ok = await library.importText('mine.jsonl', '{"input":"fine","output":"positive"}\n', 'sentiment');
    expect(ok.dataset?.items).toHaveLength(1);
    const bad = await library.importText('bad.json', '[{"input":"x","output":"positive"},{"output":"negative"}]', 'sentiment');
    expect(bad.failure?.problems[0].text).toMatch(/bad\.json: item 1: .*input/);
    const again = new DatasetLibrary(repo, async () => '', () => '');
    await again.init();
    expect(again.get('local:mine.jsonl')?.items).toHaveLength(1);
    expect(again.failures.map((f) => f.fileName)).toEqual(['bad.json']);
    await again.delete('local:mine.jsonl');
    expect(again.get('local:mine.jsonl')).toBeUndefined();
  });

  it('fetches a catalogue file from the base URL once; a fetch error names the file and the URL', async () => {
    const urls: string[] = [];
    const { library } = setup(async (url) => {
      urls.push(url);
      if (url.includes('yelp')) throw new Error('HTTP 404');
      return JSON.stringify([{ idx: 0, input: 'good', output: 'positive' }]);
    });
    await library.init();
    const d = await library.loadCatalogue('sst2_test_500');
    expect(d.items).toHaveLength(1);
    await library.loadCatalogue('sst2_test_500');
    expect(urls).toEqual(['http://127.0.0.1/data/sentiment/sst2_test_500.json']);
    const err = (await library.loadCatalogue('yelp_test_500').then(
      () => new Error('expected a fetch error'),
      (e: unknown) => e as Error,
    ));
    expect(err.message).toContain('yelp_test_500.json');
    expect(err.message).toContain('http://127.0.0.1/data/sentiment/yelp_test_500.json');
    expect(library.availability('amazon_test_500')).toBe('catalogue');
    expect(library.availability('local:elsewhere.json')).toBe('missing');
  });
});

describe('Playground store', () => {
  it('runs a built-in classification item on two models: two sets of label probabilities summing to 1', async () => {
    const { playground, engines } = setup();
    await playground.run({ ...playgroundDefaults(), models: ['tiny-random-llama-f32', 'tiny-random-llama-q4f16_1'] });
    expect(engines).toHaveLength(2);
    expect(playground.columns.map((c) => c.status)).toEqual(['done', 'done']);
    for (const c of playground.columns) {
      expect(c.classification?.scores.probs.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 10);
      expect(c.classification?.scores.labels).toEqual(['positive', 'negative']);
    }
  });

  it('streams a generation and scores it with ROUGE-L; an unknown model is named in its column', async () => {
    const { playground } = setup();
    await playground.run({ ...playgroundDefaults('summary'), mode: 'icl', shots: 2, models: ['tiny-random-llama-f32', 'nowhere-model'] });
    flushSync();
    const [a, b] = playground.columns;
    expect(a.status).toBe('done');
    expect(a.rouge?.rougeL.fmeasure).toBeGreaterThanOrEqual(0);
    expect(a.text).toBe(a.generation?.text);
    expect(b.status).toBe('error');
    expect(b.error?.message).toContain('nowhere-model');
    const p = playground.prepared;
    expect(p.state === 'ready' && p.prompt.demos.length).toBe(2);
    expect(p.state === 'ready' && p.prompt.bos).toBe(false);
  });

  it('names a link\'s dataset that is not in this browser, and offers the catalogue when it is the paper\'s', async () => {
    const { playground } = setup();
    expect(await playground.prepare({ ...playgroundDefaults(), data: 'local:theirs.json' })).toMatchObject({ state: 'unavailable', message: expect.stringContaining('local:theirs.json') });
    expect(await playground.prepare({ ...playgroundDefaults(), data: 'sst2_test_500' })).toMatchObject({ state: 'unavailable', catalogue: 'sst2_test_500' });
  });

  it('builds the prompt of a typed-in item (ICL demos from the built-in pool), and says when it is empty', async () => {
    const { playground } = setup();
    const typed = { input_1: 'A cat sleeps on the warm windowsill.', input_2: 'An animal is resting.', output: 'entailment' };
    const p = await playground.prepare({ ...playgroundDefaults('inference'), data: 'typed', mode: 'icl', shots: 2, typed });
    expect(p.state).toBe('ready');
    if (p.state !== 'ready') return;
    expect(p.item).toMatchObject({ fields: { input_1: typed.input_1, input_2: typed.input_2 }, output: 'entailment' });
    expect(p.prompt.text).toContain(typed.input_1);
    expect(p.prompt.text).toContain(typed.input_2);
    expect(p.prompt.demos).toHaveLength(2);
    await playground.run({ ...playgroundDefaults('inference'), data: 'typed', typed });
    expect(playground.columns[0].classification?.scores.labels).toEqual(['entailment', 'neutral', 'contradiction']);
    expect(await playground.prepare({ ...playgroundDefaults('inference'), data: 'typed', typed: { output: 'neutral' } })).toMatchObject({ state: 'unavailable', message: expect.stringContaining('empty') });
  });
});

describe('ModelSlots: models added by URL', () => {
  const manifest = (over: Record<string, unknown> = {}) =>
    JSON.stringify({ schema: 'ftlab-manifest', version: 1, id: 'llama2-7b-fticl-xsum2000-q4f16_1', baseModel: 'meta-llama/Llama-2-7b-hf', method: 'fticl', training: { dataset: 'xsum_train_2000', size: 2000, shots: 2 }, template: 1, quantization: 'q4f16_1', modelLib: null, files: ['mlc-chat-config.json', 'tensor-cache.json', 'tokenizer.json', 'params_shard_0.bin'].map((path, i) => ({ path, sha256: 'a'.repeat(64), size: 1000 + i })), ...over });
  const storage = () => {
    const m = new Map<string, string>();
    return { getItem: (k: string) => m.get(k) ?? null, setItem: (k: string, v: string) => void m.set(k, v) };
  };
  const files = (table: Record<string, string>) => async (url: string) => (url in table ? { status: 200, text: table[url] } : { status: 404, text: '' });

  it('reads the manifest first: id, method, training set, shots, template, size; kept and restored', async () => {
    const store = storage();
    const fetchFile = files({ 'http://h/m/fticl/ftlab-manifest.json': manifest() });
    const slots = new ModelSlots(() => new FakeSlotEngine(), 'http://h/app/', { fetchFile, storage: store });
    const s = await slots.addFromUrl('/m/fticl', 'webgpu');
    expect(s).toMatchObject({ kind: 'url', id: 'llama2-7b-fticl-xsum2000-q4f16_1', url: 'http://h/m/fticl/', backend: 'webgpu', sizeBytes: 4006, provenance: { method: 'FTICL', trainingSet: 'xsum_train_2000', trainingSize: 2000, shots: 2, template: 1 } });
    const again = new ModelSlots(() => new FakeSlotEngine(), 'http://h/app/', { fetchFile, storage: store });
    expect(again.source(s.id)).toBeUndefined();
    await again.restoreAdded();
    expect(again.source(s.id)).toMatchObject({ provenance: { method: 'FTICL' } });
    again.removeAdded(s.id);
    const third = new ModelSlots(() => new FakeSlotEngine(), 'http://h/app/', { fetchFile, storage: store });
    await third.restoreAdded();
    expect(third.source(s.id)).toBeUndefined();
  });

  it('a source replaced by one that loads differently gets a fresh slot (the old model unloaded); the same one keeps its slot', async () => {
    const slots = new ModelSlots(() => new FakeSlotEngine(), 'http://h/app/');
    const cpu = slots.slot('tiny-random-llama-q4f16_1')!;
    await slots.engineFor('tiny-random-llama-q4f16_1');
    expect(cpu.status).toBe('ready');
    // The same source again (e.g. the registry asked twice): nothing reloads.
    slots.addSources([slots.source('tiny-random-llama-q4f16_1')!]);
    expect(slots.slot('tiny-random-llama-q4f16_1')).toBe(cpu);
    // The same id on webgpu (an imported folder, a folder added by URL on webgpu): a webgpu slot.
    slots.addSources([{ kind: 'url', id: 'tiny-random-llama-q4f16_1', title: 'x', url: 'http://h/m/', backend: 'webgpu', provenance: { method: 'base' } }]);
    const next = slots.slot('tiny-random-llama-q4f16_1')!;
    expect(next).not.toBe(cpu);
    expect(next.backend).toBe('webgpu');
    expect(cpu.status).toBe('idle');
  });

  it('a folder without a manifest is added and says so; a broken manifest is refused, nothing added', async () => {
    const fetchFile = files({ 'http://h/bad/ftlab-manifest.json': manifest({ method: 'sft' }) });
    const slots = new ModelSlots(() => new FakeSlotEngine(), 'http://h/', { fetchFile, storage: storage() });
    expect(await slots.addFromUrl('http://h/plain/', 'cpu')).toMatchObject({ id: 'plain', provenance: { method: expect.stringContaining('no ftlab-manifest.json') } });
    const n = slots.sources.length;
    await expect(slots.addFromUrl('http://h/bad/', 'cpu')).rejects.toMatchObject({ code: 'manifest-invalid', message: expect.stringContaining('method') });
    expect(slots.sources).toHaveLength(n);
  });

  it('a remote endpoint: checked, kept without its API key, restored, loaded on the openai backend with its server', async () => {
    const store = storage();
    const engines: FakeSlotEngine[] = [];
    const slots = new ModelSlots(() => {
      const e = new FakeSlotEngine();
      engines.push(e);
      return e;
    }, 'http://h/app/', { fetchFile: files({}), storage: store });
    expect(() => slots.addRemote({ baseUrl: 'not a url', model: 'm', tokenizerUrl: '/tok' })).toThrow(/not a server URL/);
    expect(() => slots.addRemote({ baseUrl: 'ftp://x/v1', model: 'm', tokenizerUrl: '/tok' })).toThrow(/not an http\(s\) URL/);
    expect(() => slots.addRemote({ baseUrl: 'http://gpu:8000/v1', model: ' ', tokenizerUrl: '/tok' })).toThrow(/model name is empty/);
    const s = slots.addRemote({ baseUrl: 'http://gpu:8000/v1/', model: 'ft-paws', tokenizerUrl: '/tok', apiKey: 'sk-secret' });
    expect(s).toMatchObject({ kind: 'remote', id: 'ft-paws@gpu:8000', model: 'ft-paws', baseUrl: 'http://gpu:8000/v1', tokenizerUrl: 'http://h/tok/', apiKey: 'sk-secret' });
    const slot = slots.slot(s.id)!;
    expect(slot.backend).toBe('openai');
    await slots.engineFor(s.id);
    expect(engines.at(-1)?.loads.at(-1)).toMatchObject({ spec: { id: 'ft-paws', url: 'http://h/tok/' }, opts: { backend: 'openai', server: { baseUrls: ['http://gpu:8000/v1'], apiKey: 'sk-secret' } } });
    expect(JSON.stringify([store.getItem('ftlab.models.remote.v1'), store.getItem('ftlab.models.added.v1')])).not.toContain('sk-secret');
    const again = new ModelSlots(() => new FakeSlotEngine(), 'http://h/app/', { fetchFile: files({}), storage: store });
    await again.restoreAdded();
    expect(again.source(s.id)).toMatchObject({ kind: 'remote', model: 'ft-paws' });
    expect(again.source(s.id)).not.toHaveProperty('apiKey');
  });
});
