/**
 * A model folder added by URL in the Models view: its ftlab-manifest.json is read before any
 * weight downloads (id, method, training set, size), it stays after a reload, it loads and runs
 * in the Playground, and a broken manifest is refused with what is wrong.
 */
import { cpSync, mkdtempSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { PUBLIC_DIR, useBrowserHarness, type BrowserHarness } from './harness/index.ts';
import { serveStatic, type StaticServer } from './harness/server.ts';

let h: BrowserHarness;
let page: Page;
let models: StaticServer;

useBrowserHarness(async (harness) => {
  h = harness;
  page = await h.browser.newPage();
  await page.setViewportSize({ width: 1280, height: 900 });
  // The tiny model's files under a manifest that says FT on paws (the weights stay random: this
  // tests what the app reads of a manifest, not fine-tuning).
  const root = mkdtempSync(path.join(os.tmpdir(), 'ftlab-models-'));
  const ft = path.join(root, 'tiny-ft-paws');
  cpSync(path.join(PUBLIC_DIR, 'models', 'tiny-random-llama-f32'), ft, { recursive: true });
  const manifest = JSON.parse(readFileSync(path.join(ft, 'ftlab-manifest.json'), 'utf8')) as Record<string, unknown>;
  writeFileSync(path.join(ft, 'ftlab-manifest.json'), JSON.stringify({ ...manifest, id: 'tiny-ft-paws4000', method: 'ft', training: { dataset: 'paws_train_4000', size: 4000, shots: 0 }, template: 0 }));
  const broken = path.join(root, 'broken');
  mkdirSync(broken);
  writeFileSync(path.join(broken, 'ftlab-manifest.json'), JSON.stringify({ ...manifest, method: 'sft' }));
  models = await serveStatic([root]);
});
afterAll(async () => models?.close());

describe('Models: a folder added by URL', () => {
  it('reads its manifest (FT on paws_train_4000, size) before downloading weights, and keeps it after a reload', async () => {
    await page.goto(`${h.origin}/#/models`);
    await page.getByLabel('Model folder URL').fill(`${models.origin}/tiny-ft-paws/`);
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    const row = page.getByRole('row', { name: /tiny-ft-paws4000/ });
    await row.waitFor();
    expect(await row.textContent()).toMatch(/FT on paws_train_4000, map 0/);
    expect(await row.textContent()).toMatch(/to download/);
    expect(models.requests.filter((r) => r.includes('params_shard'))).toEqual([]);
    await page.reload();
    await page.getByRole('row', { name: /tiny-ft-paws4000/ }).waitFor();
  });

  it('the added model runs in the Playground', async () => {
    await page.goto(`${h.origin}/#/playground?models=tiny-ft-paws4000`);
    await page.getByLabel('Prompt text').waitFor();
    await page.getByRole('button', { name: /^Run/ }).click();
    const status = page.getByTestId('column').nth(0).getByTestId('column-status');
    await expect.poll(() => status.textContent(), { timeout: 60_000 }).toBe('done');
    expect(await page.getByTestId('column').nth(0).textContent()).toMatch(/FT on paws_train_4000/);
  });

  it('a broken manifest is refused with what is wrong, and nothing is added', async () => {
    await page.goto(`${h.origin}/#/models`);
    await page.getByRole('row', { name: /tiny-ft-paws4000/ }).waitFor();
    const rows = await page.getByRole('row').count();
    await page.getByLabel('Model folder URL').fill(`${models.origin}/broken/`);
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await expect.poll(() => page.getByRole('alert').first().textContent()).toMatch(/method/);
    expect(await page.getByRole('row').count()).toBe(rows);
    expect(await page.getByRole('row', { name: /broken/ }).count()).toBe(0);
  });
});

describe('Playground: a link naming a prebuilt webgpu model', () => {
  it('finds it in the registry and says it is not cached yet, before anything downloads', async () => {
    await page.goto(`${h.origin}/#/playground?models=tiny-random-llama-f32,Llama-2-7b-chat-hf-q4f32_1-MLC`);
    await page.getByLabel('Prompt text').waitFor();
    const box = page.getByRole('checkbox', { name: /Llama-2-7b-chat-hf-q4f32_1-MLC/ });
    await expect.poll(() => box.isChecked(), { timeout: 60_000 }).toBe(true);
    await expect.poll(() => page.getByTestId('cache-note').textContent(), { timeout: 60_000 }).toMatch(/not cached: the first run downloads it/);
    expect(await page.getByText('not in this browser').count()).toBe(0);
  });
});
