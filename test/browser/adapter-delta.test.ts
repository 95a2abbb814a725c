/**
 * The Models view's weight delta of "a model and a LoRA adapter", in Chromium: a PEFT adapter
 * folder (adapter_config.json + adapter_model.safetensors, written here with the project's own
 * safetensors writer, shaped for the tiny float32 model: q_proj and v_proj of both layers, rank 4,
 * alpha 8) read in the engine worker by URL and from disk, equal to `ftlab delta --adapter DIR
 * --json`; an adapter shaped for another model is refused with what does not fit.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { encodeSafetensors, type SafetensorsInput } from '../../src/core/safetensors/writer.ts';
import { PROJECT_ROOT } from '../helpers/paths.ts';
import { TINY_F32 } from '../contract/tiny-models.ts';
import { PUBLIC_DIR, useBrowserHarness, type BrowserHarness } from './harness/index.ts';

let h: BrowserHarness;
let page: Page;

useBrowserHarness(async (harness) => {
  h = harness;
  page = await h.browser.newPage();
  await page.setViewportSize({ width: 1280, height: 900 });
});

// Under public/models/tiny-* (git-ignored), served by the harness like any static folder.
const ADAPTER = 'tiny-test-lora-adapter';
const FOREIGN = 'tiny-test-lora-foreign';
const dir = (name: string) => path.join(PUBLIC_DIR, 'models', name);
afterAll(() => [ADAPTER, FOREIGN].forEach((n) => rmSync(dir(n), { recursive: true, force: true })));

/** Deterministic values in [-0.5, 0.5) (a linear congruential sequence). */
function values(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let x = seed >>> 0;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    out[i] = x / 2 ** 32 - 0.5;
  }
  return out;
}

/** A PEFT-style adapter: q_proj [qOut, hidden] and v_proj [kvOut, hidden] of each layer. */
function writeAdapter(name: string, hidden: number, qOut: number, kvOut: number): void {
  const r = 4;
  const tensors: SafetensorsInput[] = [];
  let seed = 1;
  for (let layer = 0; layer < 2; layer++) {
    for (const [mod, out] of [['q_proj', qOut], ['v_proj', kvOut]] as const) {
      const base = `base_model.model.model.layers.${layer}.self_attn.${mod}`;
      tensors.push({ name: `${base}.lora_A.weight`, dtype: 'F32', shape: [r, hidden], data: values(r * hidden, seed++) });
      tensors.push({ name: `${base}.lora_B.weight`, dtype: 'F32', shape: [out, r], data: values(out * r, seed++).map((v) => v / 10) });
    }
  }
  mkdirSync(dir(name), { recursive: true });
  writeFileSync(path.join(dir(name), 'adapter_model.safetensors'), encodeSafetensors(tensors, { format: 'pt' }));
  writeFileSync(path.join(dir(name), 'adapter_config.json'), JSON.stringify({ peft_type: 'LORA', r, lora_alpha: 8, target_modules: ['q_proj', 'v_proj'], base_model_name_or_path: TINY_F32 }));
}

interface CliReport {
  overall: { meanAbs: number; count: number };
  layers: { layer: number; meanAbs: number }[];
  details: { scale: number };
}

const region = () => page.getByRole('region', { name: 'How far fine-tuning moved the weights' });

describe('Models: the weight delta of a model and a LoRA adapter', () => {
  it('by URL and from disk, in the worker, equal to ftlab delta --adapter on the same folder', async () => {
    // tiny-random-llama-f32: hidden 64, 4 heads × 16 (q: 64), 2 KV heads × 16 (k, v: 32).
    writeAdapter(ADAPTER, 64, 64, 32);
    const cli = JSON.parse(execFileSync(process.execPath, ['--import', 'tsx', path.join(PROJECT_ROOT, 'src/cli/main.ts'), 'delta', '--adapter', dir(ADAPTER), '--json'], { cwd: PROJECT_ROOT, encoding: 'utf8' })) as CliReport;
    expect(cli.overall.meanAbs).toBeGreaterThan(0);
    expect(cli.details.scale).toBe(2);
    const expected = { overall: Number(cli.overall.meanAbs.toExponential(3)), bars: cli.layers.map((l) => Number(l.meanAbs.toExponential(3))) };

    await page.goto(`${h.origin}/#/models`);
    await region().getByLabel('a model and a LoRA adapter').check();
    await page.getByLabel('Adapter base model').selectOption(TINY_F32);
    await page.getByLabel('Adapter folder URL').fill(`${h.origin}/models/${ADAPTER}/`);
    await page.getByRole('button', { name: 'Measure the adapter' }).click();
    const byUrl = page.getByRole('article', { name: `Weight delta ${ADAPTER} LoRA adapter on ${TINY_F32}` });
    await byUrl.getByTestId('delta-overall').waitFor({ timeout: 60_000 });
    expect(Number(await byUrl.getByTestId('delta-overall').textContent())).toBe(expected.overall);
    expect((await byUrl.getByTestId('bar-value').allTextContents()).map(Number)).toEqual(expected.bars);
    await expect.poll(() => byUrl.textContent()).toMatch(/ΔW = 2·B·A/);

    // From disk: the folder chosen with the directory picker (the same two files).
    await region().getByLabel('from disk').check();
    await page.getByLabel('Adapter folder', { exact: true }).setInputFiles(dir(ADAPTER));
    await page.getByRole('button', { name: 'Measure the adapter' }).click();
    const fromDisk = page.getByRole('article', { name: `Weight delta ${ADAPTER} LoRA adapter on ${TINY_F32}` });
    await expect.poll(() => fromDisk.count()).toBe(1); // the same adapter on the same model: one result, replaced
    await expect.poll(async () => Number(await fromDisk.getByTestId('delta-overall').textContent())).toBe(expected.overall);
    expect((await fromDisk.getByTestId('bar-value').allTextContents()).map(Number)).toEqual(expected.bars);
    await region().screenshot({ path: path.join(PROJECT_ROOT, 'test-results', 'screenshots', 'models-adapter-delta.png') });
  });

  it('an adapter shaped for another model is refused, naming the module that does not fit', async () => {
    writeAdapter(FOREIGN, 128, 128, 128);
    await region().getByLabel('by URL').check();
    await page.getByLabel('Adapter folder URL').fill(`${h.origin}/models/${FOREIGN}/`);
    await page.getByRole('button', { name: 'Measure the adapter' }).click();
    await expect
      .poll(() => region().getByRole('alert').textContent(), { timeout: 30_000 })
      .toMatch(/adapter-mismatch: the adapter does not fit .*tiny-random-llama-f32.*: its model\.layers\.0\.self_attn\.q_proj is \[128, 128\], the model's q_proj is \[64, 64\]\. What to do: measure it on the model it was trained from \(adapter_config\.json names tiny-random-llama-f32\)/);
  });
});
