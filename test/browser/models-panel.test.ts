/**
 * The Models & storage panel in the real app's Models view, by keyboard where a user would use it:
 * import a local model folder (what <input webkitdirectory> hands the page) into Chromium's real
 * Cache Storage, see it cached with its size and the storage bar move, use it in the Playground, delete it
 * through the confirm step; switch the cache backend (remembered across a reload); a folder with
 * one flipped byte, or of a quantization with no model library, is refused and leaves nothing
 * behind; the folder picker's directory handle path works too.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import { formatBytes } from '../../src/ui/views/format.ts';
import { useBrowserHarness, PUBLIC_DIR, type BrowserHarness } from './harness/index.ts';

// q4f16_1: a quantization with a prebuilt Llama-2 library, which a registry entry needs.
const MODEL = 'tiny-random-llama-q4f16_1';
const MODEL_DIR = path.join(PUBLIC_DIR, 'models', MODEL);
const CORRUPT_FILE = 'params_shard_0.bin';

let h: BrowserHarness;
let page: Page;
let panel: Locator;
const tmpDirs: string[] = [];

useBrowserHarness(async (harness) => {
  h = harness;
  page = await h.browser.newPage();
  await page.goto(`${h.origin}/#/models`);
  panel = page.getByTestId('models-panel');
});

afterAll(() => {
  for (const d of tmpDirs) rmSync(d, { recursive: true, force: true });
});

/** What the cache listing counts for a model folder: config, tokenizer, tensor-cache.json and the shards. */
function cachedBytesOnDisk(dir: string): number {
  const tensorCache = JSON.parse(readFileSync(path.join(dir, 'tensor-cache.json'), 'utf8')) as { records: { dataPath: string }[] };
  const files = ['mlc-chat-config.json', 'tokenizer.json', 'tensor-cache.json', ...tensorCache.records.map((r) => r.dataPath)];
  return files.reduce((s, f) => s + statSync(path.join(dir, f)).size, 0);
}

/** A copy of the model folder with one byte of `file` changed (size unchanged: only sha256 can tell). */
function corruptCopy(file: string): string {
  const root = mkdtempSync(path.join(tmpdir(), 'ftlab-corrupt-'));
  tmpDirs.push(root);
  const dir = path.join(root, MODEL);
  mkdirSync(dir);
  for (const f of readdirSync(MODEL_DIR)) copyFileSync(path.join(MODEL_DIR, f), path.join(dir, f));
  const bytes = readFileSync(path.join(dir, file));
  bytes[Math.floor(bytes.length / 2)] ^= 0x01;
  writeFileSync(path.join(dir, file), bytes);
  return dir;
}

async function pressOn(target: Locator, key = 'Enter'): Promise<void> {
  await target.focus();
  await page.keyboard.press(key);
}

/** The "used" part of the storage text ("3.4 MiB of 10 GiB (…)") in bytes, to the text's precision. */
function usedBytes(text: string | null): number {
  const m = /^([\d.]+) (B|KiB|MiB|GiB|TiB) of /.exec(text ?? '');
  if (!m) throw new Error(`unexpected storage text: ${text}`);
  return Number(m[1]) * 1024 ** ['B', 'KiB', 'MiB', 'GiB', 'TiB'].indexOf(m[2]);
}

const row = (id: string): Locator => panel.locator(`tr[data-model-id="${id}"]`);

describe('Models & storage panel', () => {
  it('lists the registry on Refresh, before anything is cached', async () => {
    await pressOn(panel.getByRole('button', { name: 'Refresh' }));
    const table = panel.getByTestId('models-table');
    await table.waitFor({ timeout: 30_000 });
    const cells = (await row('Llama-2-7b-chat-hf-q4f32_1-MLC').locator('td').allTextContents()).map((t) => t.trim());
    expect(cells).toEqual(['prebuilt', 'q4f32_1', 'no', '–', 'Use']);
    expect(await row(MODEL).count()).toBe(0);
    expect(await panel.getByTestId('storage-usage').textContent()).toMatch(/^[\d.]+ (B|KiB|MiB) of [\d.]+ [KMGT]iB \([\d.<]+%\)/);
  });

  it('imports a local folder: cached with its size, storage in use, usable in the Playground, then deleted', async () => {
    // The file input is found by its visible label; playwright hands it the folder like a user's pick.
    await panel.getByLabel('Import a local folder…').setInputFiles(MODEL_DIR);
    await expect.poll(() => panel.getByTestId('imported-id').textContent(), { timeout: 20_000 }).toBe(MODEL);
    const imported = row(MODEL);
    await imported.waitFor();
    expect(await imported.locator('td').first().textContent()).toBe('imported');
    expect(await imported.getByTestId('model-cached').textContent()).toBe('yes');
    expect(await imported.getByTestId('model-size').textContent()).toBe(formatBytes(cachedBytesOnDisk(MODEL_DIR)));
    expect(Number(await panel.locator('meter').getAttribute('value'))).toBeGreaterThan(0);
    // The site's usage now holds the model (Chromium counts Cache Storage at once).
    expect(usedBytes(await panel.getByTestId('storage-usage').textContent())).toBeGreaterThanOrEqual(cachedBytesOnDisk(MODEL_DIR) * 0.95);

    // "Use" opens it in the Playground as a column (on the webgpu backend: it is the registry's now).
    await pressOn(imported.getByRole('button', { name: `Use ${MODEL} in the Playground` }));
    await expect.poll(() => page.evaluate(() => location.hash)).toBe(`#/playground?models=${MODEL}`);
    await page.getByLabel('Prompt text').waitFor();
    expect(await page.getByTestId('column').count()).toBe(1);
    // Back in Models, the cache panel lists it again.
    await page.goBack();
    await pressOn(panel.getByRole('button', { name: 'Refresh' }));
    await imported.waitFor();

    // Delete asks first; Escape keeps the model and gives focus back to Delete.
    const del = imported.getByRole('button', { name: `Delete ${MODEL} from the cache` });
    await pressOn(del);
    const yes = imported.getByRole('button', { name: 'Yes, delete' });
    expect(await yes.evaluate((el) => el === document.activeElement)).toBe(true);
    await page.keyboard.press('Escape');
    await expect.poll(() => del.evaluate((el) => el === document.activeElement)).toBe(true);
    expect(await imported.getByTestId('model-cached').textContent()).toBe('yes');

    await page.keyboard.press('Enter');
    await yes.waitFor();
    await page.keyboard.press('Enter');
    await expect.poll(() => row(MODEL).count(), { timeout: 20_000 }).toBe(0);
    expect(await panel.getByRole('button', { name: 'Refresh' }).evaluate((el) => el === document.activeElement)).toBe(true);
    expect(await panel.getByTestId('models-status').textContent()).toMatch(new RegExp(`Deleted ${MODEL}`));
    expect(await panel.getByTestId('imported-id').count()).toBe(0);
    expect(await panel.getByRole('alert').count()).toBe(0);
  });

  it('keeps the cache backends apart: a model imported into IndexedDB is not cached in the Cache API', async () => {
    const cacheApi = panel.getByRole('radio', { name: 'Cache API (default)' });
    const idb = panel.getByRole('radio', { name: 'IndexedDB' });
    const caption = panel.locator('caption');
    // A radio group by keyboard: arrows move the choice.
    await pressOn(cacheApi, 'ArrowRight');
    await expect.poll(() => caption.textContent()).toMatch(/in the IndexedDB cache/);
    expect(await idb.isChecked()).toBe(true);

    await panel.getByLabel('Import a local folder…').setInputFiles(MODEL_DIR);
    await expect.poll(() => panel.getByTestId('imported-id').textContent(), { timeout: 20_000 }).toBe(MODEL);
    expect(await row(MODEL).getByTestId('model-cached').textContent()).toBe('yes');
    expect(await row(MODEL).getByTestId('model-size').textContent()).toBe(formatBytes(cachedBytesOnDisk(MODEL_DIR)));

    // The choice outlives the page (the worker starts on the Cache API each time).
    await page.reload();
    await pressOn(panel.getByRole('button', { name: 'Refresh' }));
    await expect.poll(() => caption.textContent()).toMatch(/in the IndexedDB cache/);
    expect(await idb.isChecked()).toBe(true);
    expect(await row(MODEL).getByTestId('model-cached').textContent()).toBe('yes');

    await pressOn(idb, 'ArrowLeft');
    await expect.poll(() => caption.textContent()).toMatch(/in the Cache API cache/);
    await expect.poll(() => row(MODEL).getByTestId('model-cached').textContent()).toBe('no');
    expect(await row(MODEL).getByRole('button', { name: /^Delete/ }).count()).toBe(0);

    await pressOn(cacheApi, 'ArrowRight');
    await expect.poll(() => row(MODEL).getByTestId('model-cached').textContent()).toBe('yes');
    await row(MODEL).getByRole('button', { name: `Delete ${MODEL} from the cache` }).click();
    await panel.getByRole('button', { name: 'Yes, delete' }).click();
    await expect.poll(() => row(MODEL).count(), { timeout: 20_000 }).toBe(0);
    await pressOn(idb, 'ArrowLeft');
    await expect.poll(() => caption.textContent()).toMatch(/in the Cache API cache/);
    expect(await panel.getByRole('alert').count()).toBe(0);
  });

  it('refuses a folder whose quantization has no model library before reading it, caching nothing', async () => {
    const before = usedBytes(await panel.getByTestId('storage-usage').textContent());
    await panel.getByLabel('Import a local folder…').setInputFiles(path.join(PUBLIC_DIR, 'models', 'tiny-random-llama-f32'));
    const alert = panel.getByRole('alert');
    await alert.waitFor({ timeout: 20_000 });
    expect(await alert.getByTestId('error-message').textContent()).toMatch(/no prebuilt Llama-2-7b model lib for quantization "q0f32"/);
    expect(await alert.getByTestId('error-hint').textContent()).toMatch(/q4f16_1 or q4f32_1/);
    expect(await row('tiny-random-llama-f32').count()).toBe(0);
    // Re-read after the failure: the 17 MiB folder left no trace.
    expect(usedBytes(await panel.getByTestId('storage-usage').textContent())).toBeLessThan(before + 1024 ** 2);
    await alert.getByRole('button', { name: 'Dismiss' }).click();
  });

  it('refuses a folder with one flipped byte, naming the file, and keeps the listing', async () => {
    const listed = await panel.locator('tbody tr').count();
    await panel.getByLabel('Import a local folder…').setInputFiles(corruptCopy(CORRUPT_FILE));
    const alert = panel.getByRole('alert');
    await alert.waitFor({ timeout: 20_000 });
    expect(await alert.getByTestId('error-code').textContent()).toMatch(/artifact-corrupt/);
    expect(await alert.getByTestId('error-message').textContent()).toMatch(new RegExp(`${CORRUPT_FILE}.*sha256`));
    expect(await alert.getByTestId('error-hint').textContent()).toBeTruthy();
    expect(await panel.locator('tbody tr').count()).toBe(listed);
    expect(await row(MODEL).count()).toBe(0);
    expect(await panel.getByTestId('import-progress').count()).toBe(0);
    expect(h.browser.logs).toEqual([]);
  });

  it('imports through the folder picker: a real directory handle crosses into the worker', async () => {
    // showDirectoryPicker's dialog cannot be driven headless: the stub hands back a real
    // FileSystemDirectoryHandle (origin-private file system) holding the model's files.
    const app = await h.browser.newPage();
    await app.addInitScript(() => {
      const w = window as unknown as { showDirectoryPicker: () => Promise<unknown>; pickedDirectory?: unknown };
      w.showDirectoryPicker = async () => w.pickedDirectory;
    });
    await app.goto(`${h.origin}/#/models`);
    await app.evaluate(
      async ({ base, files }) => {
        const dir = await (await navigator.storage.getDirectory()).getDirectoryHandle('picked-model', { create: true });
        for (const f of files) {
          const writable = await (await dir.getFileHandle(f, { create: true })).createWritable();
          await writable.write(await (await fetch(base + f)).blob());
          await writable.close();
        }
        (window as unknown as { pickedDirectory: unknown }).pickedDirectory = dir;
      },
      { base: `${h.origin}/models/${MODEL}/`, files: readdirSync(MODEL_DIR) },
    );
    const appPanel = app.getByTestId('models-panel');
    await appPanel.getByRole('button', { name: 'Choose a folder…' }).focus();
    await app.keyboard.press('Enter');
    await expect.poll(() => appPanel.getByTestId('imported-id').textContent(), { timeout: 20_000 }).toBe(MODEL);
    const imported = appPanel.locator(`tr[data-model-id="${MODEL}"]`);
    expect(await imported.getByTestId('model-cached').textContent()).toBe('yes');
    await imported.getByRole('button', { name: `Delete ${MODEL} from the cache` }).click();
    await appPanel.getByRole('button', { name: 'Yes, delete' }).click();
    await expect.poll(() => imported.count(), { timeout: 20_000 }).toBe(0);
    await app.close();
    expect(h.browser.logs).toEqual([]);
  });
});
