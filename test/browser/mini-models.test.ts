/**
 * The miniature study's models in the app, in Chromium: served under models/mini-*, found by
 * their manifests, listed as "mini base / mini FT (amazon) / mini FTICL (amazon)" with the method
 * and training set their manifests give, loaded on the cpu backend, and used by the Batch preset
 * and the Playground's columns.
 *
 * When `npm run mini` has installed its models into public/models, the test uses them. Otherwise
 * it serves stand-ins for this test only, from a folder of its own that only this file's server
 * serves (never written into public/, where other test files running beside it would find them):
 * the tiny random float32 model's folder under each mini name, with the manifest `ftlab convert`
 * writes for the mini models (id, method, training set amazon_train_2000 and size) — what the
 * app reads to find, label and group them. The weights are not what this test is about.
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { MINI_MODELS } from '../../src/ui/state/mini-models.svelte.ts';
import { TINY_F32, tinyModelDirs } from '../contract/tiny-models.ts';
import { PUBLIC_DIR, useBrowserHarness, type BrowserHarness } from './harness/index.ts';

let h: BrowserHarness;
let page: Page;

// Served before public/ by this file's server only: <root>/models/mini-*/.
const standIns = mkdtempSync(path.join(os.tmpdir(), 'ftlab-mini-stand-ins-'));

useBrowserHarness(
  async (harness) => {
    h = harness;
    page = await h.browser.newPage();
    await page.setViewportSize({ width: 1280, height: 900 });
  },
  { extraRoots: [standIns] },
);

beforeAll(() => {
  const tiny = tinyModelDirs()[TINY_F32];
  for (const m of MINI_MODELS) {
    if (existsSync(path.join(PUBLIC_DIR, 'models', m.id, 'ftlab-manifest.json'))) continue; // the real ones, from npm run mini
    const dir = path.join(standIns, 'models', m.id);
    cpSync(tiny, dir, { recursive: true });
    const manifest = JSON.parse(readFileSync(path.join(tiny, 'ftlab-manifest.json'), 'utf8')) as Record<string, unknown>;
    const training = m.method === 'base' ? null : { dataset: 'amazon_train_2000', size: 2000, shots: m.method === 'fticl' ? 2 : 0 };
    writeFileSync(path.join(dir, 'ftlab-manifest.json'), JSON.stringify({ ...manifest, id: m.id, baseModel: 'mini-base', method: m.method, training, template: m.method === 'base' ? null : 0 }, null, 2));
  }
});
afterAll(() => rmSync(standIns, { recursive: true, force: true }));

describe('the mini models in the app', () => {
  it('Models lists them by their manifests and loads mini FT on the cpu backend', async () => {
    await page.goto(`${h.origin}/#/models`);
    const rows = page.getByRole('row');
    for (const [title, method] of [['mini base', 'base'], ['mini FT (amazon)', 'FT on amazon_train_2000'], ['mini FTICL (amazon)', 'FTICL on amazon_train_2000, 2 shots']] as const) {
      const row = rows.filter({ has: page.getByRole('link', { name: title, exact: true }) });
      await expect.poll(() => row.count(), { timeout: 30_000 }).toBe(1);
      const cells = await row.getByRole('cell').allTextContents();
      expect(cells[0]).toBe('cpu');
      expect(cells[1]).toBe('served by the app');
      expect(cells[2]).toContain(method);
    }
    await expect.poll(() => page.getByTestId('mini-note').first().textContent()).toMatch(/served by this build: mini base, mini FT \(amazon\), mini FTICL \(amazon\)/);
    await page.getByRole('button', { name: 'Load mini-ft-amazon2000' }).click();
    const ft = rows.filter({ has: page.getByRole('link', { name: 'mini FT (amazon)', exact: true }) });
    await expect.poll(() => ft.getByRole('status').textContent(), { timeout: 60_000 }).toBe('ready');
  });

  it('the Batch preset "Miniature study (amazon)" ticks the mini models only', async () => {
    await page.goto(`${h.origin}/#/batch`);
    await page.getByRole('button', { name: 'Miniature study (amazon): the mini models only' }).click();
    for (const m of MINI_MODELS) await expect.poll(() => page.getByRole('checkbox', { name: new RegExp(`^${m.title.replace(/[()]/g, '\\$&')}`) }).isChecked()).toBe(true);
    expect(await page.getByRole('checkbox', { name: /^tiny random Llama \(float32\)/ }).isChecked()).toBe(false);
    await expect.poll(() => page.getByTestId('preset-sets').textContent()).toMatch(/amazon \(sentiment\)/);
  });

  it('the Playground puts the three mini models in its columns', async () => {
    await page.goto(`${h.origin}/#/playground`);
    await page.getByRole('button', { name: 'Mini models as the columns (sentiment)' }).click();
    for (const m of MINI_MODELS) await expect.poll(() => page.getByRole('checkbox', { name: m.title, exact: true }).isChecked()).toBe(true);
    expect(decodeURIComponent(new URL(page.url()).hash)).toMatch(/mini-base.*mini-ft-amazon2000.*mini-fticl-amazon2000/);
  });
});
