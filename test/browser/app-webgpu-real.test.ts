/**
 * The app on the webgpu backend, on web-llm's real engine (Chromium, SwiftShader): the Models view
 * lists the tiny q4f32_1 model on webgpu (its library is ftlab's own, `npm run model-lib --
 * --tiny`) and loads it; a Batch free plan (sst2 and socialqa, zero-shot, map 0, 2 items, 3 new
 * tokens) runs once on the cpu engine and once on webgpu, both on the same q4f32_1 weights: the
 * records agree (same prompts, same predictions and generated text, label log-probs within 1e-4),
 * and Results' "Compare" of the two runs says so (Δ 0, nothing changed). Small on purpose:
 * SwiftShader decodes about 0.4 s per token.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import type { Page } from 'playwright-core';
import { ensureTinyModelLibs } from '../../scripts/model-lib.ts';
import type { SampleRecord } from '../../src/core/run/records.ts';
import { PAPER_DATA, PROJECT_ROOT } from '../helpers/paths.ts';
import { useBrowserHarness, PUBLIC_DIR, type BrowserHarness } from './harness/index.ts';
import { storedRunRecords } from './harness/stored-records.ts';
import { serveStatic, type StaticServer } from './harness/server.ts';

const CPU = 'tiny-random-llama-q4f32_1';
const GPU = 'tiny-random-llama-q4f32_1-webgpu';
const SHOTS = path.join(PROJECT_ROOT, 'test-results', 'screenshots');
vi.setConfig({ testTimeout: 400_000, hookTimeout: 1_200_000 });

let h: BrowserHarness;
let page: Page;
let data: StaticServer;
let appUrl: string;

useBrowserHarness(async (harness) => {
  h = harness;
  ensureTinyModelLibs(path.join(PUBLIC_DIR, 'models'));
  data = await serveStatic([PAPER_DATA]);
  page = await h.browser.newPage();
  page.setDefaultTimeout(30_000);
  await page.setViewportSize({ width: 1280, height: 900 });
  appUrl = `${h.origin}/?catalogue=${encodeURIComponent(`${data.origin}/`)}`;
  mkdirSync(SHOTS, { recursive: true });
});

const runRecords = (runId: string): Promise<SampleRecord[]> => storedRunRecords(page, runId);

/** Runs the free plan on one model; returns the stored run's id. */
async function runOn(model: RegExp, other: RegExp): Promise<string> {
  await page.goto(`${appUrl}#/batch`);
  await page.getByRole('heading', { name: 'Batch', exact: true }).waitFor();
  await page.getByRole('radio', { name: 'Free plan' }).check();
  for (const name of ['sst2', 'socialqa']) await page.getByRole('checkbox', { name, exact: true }).check();
  await page.getByRole('checkbox', { name: 'zero-shot', exact: true }).check();
  await page.getByRole('checkbox', { name: 'icl', exact: true }).uncheck();
  await page.getByRole('checkbox', { name: model }).check();
  await page.getByRole('checkbox', { name: other }).uncheck();
  await page.getByLabel('map 0').check();
  await page.getByLabel('map 1').uncheck();
  await page.getByLabel('First N items').fill('2');
  await page.getByLabel('First N items').press('Tab');
  await page.getByLabel('Max new tokens').fill('3');
  await page.getByLabel('Max new tokens').press('Tab');
  await page.getByRole('button', { name: 'Count the work' }).click();
  const work = page.getByTestId('work-summary');
  // Counting loads the model (its tokenizer counts the prompts): on webgpu that is web-llm's load.
  await work.waitFor({ timeout: 300_000 });
  expect(await work.textContent()).toMatch(/cells\s*2/);
  expect(await work.textContent()).toMatch(/samples\s*4/);
  expect(await work.textContent()).toMatch(/generated tokens at most\s*6/);
  await page.getByRole('button', { name: 'Start' }).click();
  await expect.poll(() => page.getByTestId('run-status').textContent(), { timeout: 300_000 }).toBe('done');
  expect(await page.getByTestId('plan-count').textContent()).toBe('4 of 4 samples');
  const row = page.getByTestId('library-row').first();
  return ((await row.locator('th .note').textContent()) ?? '').split('·')[1].trim();
}

describe('the app on webgpu (real web-llm engine)', () => {
  it('lists the tiny q4f32_1 model on webgpu with how to build its library, and loads it from the Models view', async () => {
    await page.goto(`${appUrl}#/models`);
    const row = page.getByRole('row', { name: /tiny random Llama \(q4f32_1, webgpu\)/ });
    await row.waitFor();
    expect(await row.getByTestId('model-lib-note').textContent()).toContain('npm run model-lib -- --tiny');
    expect(await row.locator('td').first().textContent()).toBe('webgpu');
    await row.getByRole('button', { name: `Load ${GPU}` }).click();
    await expect.poll(() => row.getByRole('status').textContent(), { timeout: 300_000 }).toMatch(/ready|error/);
    expect(await row.getByRole('alert').count()).toBe(0);
    expect(await row.getByRole('status').textContent()).toBe('ready');
  });

  it('a Batch plan on webgpu stores the records the cpu engine stores for the same weights', async () => {
    const cpuRun = await runOn(/^tiny random Llama \(q4f32_1\)/, /q4f32_1, webgpu/);
    const t0 = Date.now();
    const gpuRun = await runOn(/q4f32_1, webgpu/, /^tiny random Llama \(q4f32_1\)/);
    console.log(`app webgpu: count + run of 4 samples (2 sst2, 2 socialqa × 3 tokens) on SwiftShader in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    await page.screenshot({ path: path.join(SHOTS, 'batch-webgpu-done-light.png'), fullPage: true });
    const [cpu, gpu] = [await runRecords(cpuRun), await runRecords(gpuRun)];
    expect(cpu).toHaveLength(4);
    expect(gpu).toHaveLength(4);
    const key = (r: SampleRecord) => `${r.dataset}|${r.item}`;
    const byKey = new Map(cpu.map((r) => [key(r), r]));
    let maxDiff = 0;
    for (const g of gpu) {
      const c = byKey.get(key(g))!;
      expect(g.modelId).toBe(GPU);
      expect(c.modelId).toBe(CPU);
      expect(g.kind).not.toBe('error');
      expect(g.kind).toBe(c.kind);
      expect(g.promptHash).toBe(c.promptHash);
      if (g.kind === 'classification' && c.kind === 'classification') {
        expect(g.prediction).toBe(c.prediction);
        expect(g.labelTokenIds).toEqual(c.labelTokenIds);
        g.labelLogprobs.forEach((lp, i) => (maxDiff = Math.max(maxDiff, Math.abs(lp - c.labelLogprobs[i]))));
      }
      if (g.kind === 'generation' && c.kind === 'generation') {
        expect(g.output).toBe(c.output);
        expect(g.metric).toBe(c.metric);
      }
    }
    expect(maxDiff).toBeLessThanOrEqual(1e-4);
    console.log(`app webgpu vs cpu: max |Δ label log-prob| ${maxDiff.toExponential(2)} over ${gpu.filter((r) => r.kind === 'classification').length * 2} label scores`);

    // Results compares the two runs cell by cell: nothing changed.
    await page.goto(`${appUrl}#/results?plan=${encodeURIComponent(cpuRun)}&compare=${encodeURIComponent(gpuRun)}`);
    const cmp = page.getByTestId('compare');
    await cmp.waitFor();
    expect(await cmp.getByTestId('compare-row').count()).toBe(2);
    for (const d of await cmp.getByTestId('compare-delta').allTextContents()) expect(d).toBe('0.0');
    for (const c of await cmp.getByTestId('compare-changed').allTextContents()) expect(c).toBe('0');
  });
});
