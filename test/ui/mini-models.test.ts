/**
 * The miniature study's models in the app (src/ui/state/mini-models.svelte.ts): found by their
 * manifests under models/mini-*, labelled and grouped by them, absent when the folders are not
 * served (404, or a dev server's index.html in their place), a foreign or broken manifest named;
 * the Batch preset keeps the mini models only; the adapter choice's files are picked by name.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MINI_BATCH_LIMIT, MINI_MODELS, MiniModels, findMiniModels } from '../../src/ui/state/mini-models.svelte.ts';
import { defaultBatchForm, presetModelIds, type BatchForm } from '../../src/ui/state/batch-plan.ts';
import type { ModelSource } from '../../src/ui/state/model-sources.ts';
import { adapterInputOf } from '../../src/ui/state/weight-delta.svelte.ts';
import { PROJECT_ROOT } from '../helpers/paths.ts';

const BASE = 'http://localhost:5173/';
const TRAINING: Record<string, { dataset: string; size: number; shots: number } | null> = {
  'mini-base': null,
  'mini-ft-amazon2000': { dataset: 'amazon_train_2000', size: 2000, shots: 0 },
  'mini-fticl-amazon2000': { dataset: 'amazon_train_2000', size: 2000, shots: 2 },
};

function manifest(id: string, method: string): string {
  return JSON.stringify({ schema: 'ftlab-manifest', version: 1, id, baseModel: 'mini-base', method, training: TRAINING[id], template: method === 'base' ? null : 0, quantization: 'q0f32', modelLib: null, files: ['mlc-chat-config.json', 'tensor-cache.json', 'tokenizer.json', 'params_shard_0.bin'].map((p) => ({ path: p, sha256: 'a'.repeat(64), size: 250 })) });
}

function server(answers: Record<string, { status: number; text: string }>) {
  const asked: string[] = [];
  const fetchFile = async (url: string) => {
    asked.push(url);
    return answers[url] ?? { status: 404, text: '' };
  };
  return { asked, fetchFile };
}

const url = (id: string) => `${BASE}models/${id}/ftlab-manifest.json`;
const index = (models: string[]) => ({ [`${BASE}models/index.json`]: { status: 200, text: JSON.stringify({ schema: 'ftlab-served-models', version: 1, models }) } });

describe('the mini models', () => {
  it('are found by their manifests, titled "mini base / mini FT / mini FTICL (amazon)", grouped by method and training set', async () => {
    const s = server(Object.fromEntries(MINI_MODELS.map((m) => [url(m.id), { status: 200, text: manifest(m.id, m.method) }])));
    const { found, problems } = await findMiniModels(BASE, s.fetchFile);
    expect(problems).toEqual([]);
    expect(found.map((f) => f.title)).toEqual(['mini base', 'mini FT (amazon)', 'mini FTICL (amazon)']);
    expect(found.map((f) => [f.kind, f.provenance.method, f.provenance.trainingSet ?? null, f.provenance.shots ?? 0])).toEqual([
      ['embedded', 'base', null, 0],
      ['embedded', 'FT', 'amazon_train_2000', 0],
      ['embedded', 'FTICL', 'amazon_train_2000', 2],
    ]);
    expect(found.every((f) => f.kind === 'embedded' && f.sizeBytes === 1000)).toBe(true);
    // The amazon preset ticks them by their manifests (base + FT/FTICL on amazon).
    expect(presetModelIds(found, 'amazon')).toEqual(MINI_MODELS.map((m) => m.id));
    expect(presetModelIds(found, 'paws')).toEqual(['mini-base']);
  });

  it('are absent when not served: 404 or an HTML fallback page; a foreign or broken manifest is a problem', async () => {
    const s = server({
      [url('mini-base')]: { status: 200, text: '<!doctype html><html></html>' },
      [url('mini-ft-amazon2000')]: { status: 200, text: manifest('mini-fticl-amazon2000', 'fticl') },
      [url('mini-fticl-amazon2000')]: { status: 200, text: '{"schema": "ftlab-manifest"' },
    });
    const { found, problems } = await findMiniModels(BASE, s.fetchFile);
    expect(found).toEqual([]);
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/mini-ft-amazon2000\/ftlab-manifest\.json is the manifest of mini-fticl-amazon2000 \(fticl\), not of mini-ft-amazon2000 \(ft\)/);
    expect(problems[1]).toMatch(/not valid JSON/);

    const added: ModelSource[] = [];
    const none = new MiniModels({ addSources: (m) => added.push(...m) }, BASE, server({}).fetchFile);
    expect(none.status).toBe('looking');
    await none.find();
    expect(none.status).toBe('absent');
    expect(none.missing).toEqual(MINI_MODELS.map((m) => m.id));
    expect(added).toEqual([]);
  });

  it('with the build\'s models/index.json, only the folders it lists are asked for (no 404 for an absent one)', async () => {
    const s = server({ ...index(['mini-ft-amazon2000', 'tiny-random-llama-f32']), [url('mini-ft-amazon2000')]: { status: 200, text: manifest('mini-ft-amazon2000', 'ft') } });
    const { found, problems } = await findMiniModels(BASE, s.fetchFile);
    expect(problems).toEqual([]);
    expect(found.map((f) => f.id)).toEqual(['mini-ft-amazon2000']);
    expect(s.asked).toEqual([`${BASE}models/index.json`, url('mini-ft-amazon2000')]);
    const none = server(index(['tiny-random-llama-f32']));
    expect((await findMiniModels(BASE, none.fetchFile)).found).toEqual([]);
    expect(none.asked).toEqual([`${BASE}models/index.json`]);
  });

  it('the Batch preset: the amazon study with the mini models only, on the first MINI_BATCH_LIMIT items', async () => {
    const s = server(Object.fromEntries(MINI_MODELS.map((m) => [url(m.id), { status: 200, text: manifest(m.id, m.method) }])));
    const added: ModelSource[] = [];
    const mini = new MiniModels({ addSources: (m) => added.push(...m) }, BASE, s.fetchFile);
    await mini.find();
    expect(mini.status).toBe('found');
    expect(added.map((a) => a.id)).toEqual(MINI_MODELS.map((m) => m.id));
    // The form as BatchRun.edit changes it: a training-set change ticks every base / amazon model first.
    let form: BatchForm = { ...defaultBatchForm(), trainingSet: 'paws', kind: 'cross-task', models: ['tiny-random-llama-f32', 'other-base'] };
    mini.useInBatch({ edit: (patch) => (form = { ...form, ...patch, ...(patch.trainingSet ? { models: ['other-base', ...presetModelIds(added, patch.trainingSet)] } : {}) }) });
    expect(form).toMatchObject({ source: 'preset', trainingSet: 'amazon', kind: 'in-domain', limit: MINI_BATCH_LIMIT, models: MINI_MODELS.map((m) => m.id) });
  });

  it('run_mini.py names the same three models', () => {
    const py = readFileSync(path.join(PROJECT_ROOT, 'train/mini/run_mini.py'), 'utf8');
    const ids = /MODEL_IDS = \{"base": "([^"]+)", "ft": "([^"]+)", "fticl": "([^"]+)"\}/.exec(py);
    expect(ids?.slice(1)).toEqual(MINI_MODELS.map((m) => m.id));
  });
});

describe('the adapter choice', () => {
  it('picks adapter_config.json and adapter_model.safetensors out of a chosen folder, names what is missing', () => {
    const f = (name: string, dir = 'runs/ft/adapter') => Object.assign(new File(['{}'], name), { webkitRelativePath: `${dir}/${name}` }) as File;
    const input = adapterInputOf({ kind: 'files', files: [f('README.md'), f('adapter_model.safetensors'), f('adapter_config.json')] }, BASE);
    expect(input).toMatchObject({ kind: 'files', name: 'runs/ft/adapter' });
    expect(() => adapterInputOf({ kind: 'files', files: [f('adapter_config.json')] }, BASE)).toThrow(/the chosen files have no adapter_model\.safetensors/);
    expect(adapterInputOf({ kind: 'url', url: 'models/x/adapter' }, BASE)).toEqual({ kind: 'url', url: `${BASE}models/x/adapter/` });
    expect(() => adapterInputOf({ kind: 'url', url: '  ' }, BASE)).toThrow(/empty/);
  });
});
