/**
 * The routed app as a new user meets it: the Playground on a built-in example, two models side
 * by side, streaming generation with ROUGE-L, a shared link reopening the same screen,
 * presentation mode, a malformed import's item-level errors, a catalogue file from a local
 * server; and a screenshot of each view in light and dark (test-results/screenshots/).
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { PROJECT_ROOT } from '../helpers/paths.ts';
import { useBrowserHarness, type BrowserHarness } from './harness/index.ts';
import { serveStatic, type StaticServer } from './harness/server.ts';

const SHOTS = path.join(PROJECT_ROOT, 'test-results', 'screenshots');
const PAPER_DATA = path.join(PROJECT_ROOT, '..', 'shared', 'paper-data');

let h: BrowserHarness;
let page: Page;
let data: StaticServer;

useBrowserHarness(async (harness) => {
  h = harness;
  page = await h.browser.newPage();
  await page.setViewportSize({ width: 1280, height: 900 });
  data = await serveStatic([PAPER_DATA]);
  mkdirSync(SHOTS, { recursive: true });
});

const column = (p: Page, i: number) => p.getByTestId('column').nth(i);
const statusOf = (p: Page, i: number) => column(p, i).getByTestId('column-status').textContent();

async function probs(p: Page, i: number): Promise<number[]> {
  const texts = await column(p, i).getByTestId('label-prob').allTextContents();
  return texts.map((t) => Number(t.replace('%', '')) / 100);
}

describe('the app (Playground, Datasets, Models)', () => {
  it('a fresh profile opens on the Playground with a built-in example and runs it on the tiny model, no file picked', async () => {
    await page.goto(`${h.origin}/`);
    await expect.poll(() => page.getByRole('link', { name: 'Playground' }).getAttribute('aria-current')).toBe('page');
    await expect.poll(() => page.getByLabel('Dataset').inputValue()).toBe('ftlab-sentiment');
    await page.getByLabel('Prompt text').waitFor();
    expect(await page.getByLabel('Prompt text').textContent()).toContain('kettle');
    await page.getByRole('button', { name: /^Run/ }).click();
    await expect.poll(() => statusOf(page, 0), { timeout: 30_000 }).toBe('done');
    const p = await probs(page, 0);
    expect(p).toHaveLength(2);
    expect(await column(page, 0).getByTestId('prediction').textContent()).toMatch(/predicted (positive|negative), gold positive/);
  });

  it('two models side by side on one classification item: two sets of label probabilities, each summing to 1', async () => {
    await page.getByRole('checkbox', { name: /q4f16_1/ }).check();
    await page.keyboard.press('Control+Enter');
    await expect.poll(async () => [await statusOf(page, 0), await statusOf(page, 1)], { timeout: 60_000 }).toEqual(['done', 'done']);
    for (const i of [0, 1]) {
      const p = await probs(page, i);
      expect(p).toHaveLength(2);
      // Shown to 0.1%: the two rounded values sum to 1 within rounding.
      expect(Math.abs(p[0] + p[1] - 1)).toBeLessThanOrEqual(0.0011);
    }
    expect(await probs(page, 0)).not.toEqual(await probs(page, 1));
  });

  it('a generation item streams its tokens and shows a ROUGE-L', async () => {
    await page.getByLabel('Task').selectOption('summary');
    await page.getByRole('checkbox', { name: /q4f16_1/ }).uncheck();
    await page.getByLabel('Prompt text').waitFor();
    // Record every distinct text the output shows while the model runs.
    await page.evaluate(() => {
      const seen = new Set<string>();
      (window as unknown as { seenOutputs: Set<string> }).seenOutputs = seen;
      new MutationObserver(() => {
        const out = document.querySelector('[data-testid="output"]');
        if (out?.textContent) seen.add(out.textContent);
      }).observe(document.body, { subtree: true, childList: true, characterData: true });
    });
    await page.getByRole('button', { name: /^Run/ }).click();
    await expect.poll(() => statusOf(page, 0), { timeout: 60_000 }).toBe('done');
    const seen = await page.evaluate(() => (window as unknown as { seenOutputs: Set<string> }).seenOutputs.size);
    expect(seen).toBeGreaterThan(3);
    expect(await column(page, 0).getByTestId('rouge').textContent()).toMatch(/ROUGE-L F1 \d+\.\d/);
    expect(await column(page, 0).locator('.tok').count()).toBeGreaterThan(3);
    expect(await column(page, 0).locator('.tok').first().getAttribute('title')).toMatch(/%/);
  });

  it('a copied URL reopens the same task, item, mode, shots, template and models in a new page', async () => {
    await page.getByLabel('Task').selectOption('inference');
    await page.getByRole('button', { name: 'Next item' }).click();
    await page.getByRole('radio', { name: 'ICL', exact: true }).check();
    await page.getByLabel('Shots').fill('4');
    await page.getByLabel('Shots').blur();
    await page.getByLabel('Template').selectOption('1');
    await page.getByRole('checkbox', { name: /q4f16_1/ }).check();
    await expect.poll(() => page.evaluate(() => location.hash)).toContain('shots=4');
    const url = page.url();
    const other = await h.browser.newPage();
    await other.goto(url);
    await expect.poll(() => other.getByLabel('Task').inputValue()).toBe('inference');
    expect(await other.getByLabel('Item number').inputValue()).toBe('2');
    expect(await other.getByRole('radio', { name: 'ICL', exact: true }).isChecked()).toBe(true);
    expect(await other.getByLabel('Shots').inputValue()).toBe('4');
    expect(await other.getByLabel('Template').inputValue()).toBe('1');
    expect(await other.getByRole('checkbox', { name: /q4f16_1/ }).isChecked()).toBe(true);
    expect(await other.getByRole('checkbox', { name: /float32/ }).isChecked()).toBe(true);
    await other.getByLabel('Prompt text').waitFor();
    expect(await other.getByLabel('Prompt text').textContent()).toBe(await page.getByLabel('Prompt text').textContent());
    await other.close();
  });

  it('screenshots of the Playground in light and dark', async () => {
    await page.getByRole('button', { name: /^Run/ }).click();
    await expect.poll(async () => [await statusOf(page, 0), await statusOf(page, 1)], { timeout: 60_000 }).toEqual(['done', 'done']);
    await page.getByLabel('Theme').selectOption('light');
    await page.screenshot({ path: path.join(SHOTS, 'playground-light.png'), fullPage: true });
    await page.getByLabel('Theme').selectOption('dark');
    await page.screenshot({ path: path.join(SHOTS, 'playground-dark.png'), fullPage: true });
    await page.getByLabel('Theme').selectOption('light');
  });

  it('presentation mode hides the setup; arrow keys step items', async () => {
    await page.getByRole('checkbox', { name: 'Presentation mode' }).click();
    await page.getByRole('button', { name: 'Exit presentation' }).waitFor();
    expect(await page.getByRole('region', { name: 'Setup' }).count()).toBe(0);
    expect(await page.getByRole('navigation', { name: 'Views' }).count()).toBe(0);
    expect(page.url()).toContain('present=1');
    await page.setViewportSize({ width: 1280, height: 720 });
    await page.screenshot({ path: path.join(SHOTS, 'presentation-1280x720.png') });
    await page.keyboard.press('ArrowRight');
    await expect.poll(() => page.evaluate(() => location.hash)).toContain('item=2');
    await page.getByRole('button', { name: 'Exit presentation' }).click();
    await page.getByRole('region', { name: 'Setup' }).waitFor();
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it('importing a malformed dataset shows the item-level error, and it is still there after a reload', async () => {
    await page.getByRole('link', { name: 'Datasets' }).click();
    await page.getByLabel('Dataset file').setInputFiles({
      name: 'broken.json',
      mimeType: 'application/json',
      buffer: Buffer.from(JSON.stringify([{ input: 'fine item', output: 'positive' }, { output: 'negative' }])),
    });
    const alert = page.getByRole('alert', { name: 'Import problems in broken.json' });
    await alert.waitFor();
    expect(await alert.textContent()).toMatch(/broken\.json: item 1: .*"input"/);
    await page.reload();
    await page.getByRole('alert', { name: 'Import problems in broken.json' }).waitFor();
  });

  it('a catalogue dataset loads from the local server, and opens in the Playground', async () => {
    await page.getByLabel('Catalogue base URL').fill(`${data.origin}/`);
    await page.getByRole('button', { name: 'Use this base URL' }).click();
    await page.getByRole('button', { name: 'Load sst2_test_500' }).click();
    const catalogue = page.getByRole('region', { name: "The paper's catalogue" });
    const row = catalogue.getByRole('row', { name: /sst2_test_500/ });
    await expect.poll(() => row.textContent(), { timeout: 30_000 }).toMatch(/in this browser/);
    await page.getByRole('button', { name: 'Overlap report for sst2_test_500' }).click();
    await expect.poll(() => row.getByRole('status').textContent(), { timeout: 30_000 }).toMatch(/SST-2: /);
    // A missing file: the error names the file and the URL.
    await page.getByLabel('Catalogue base URL').fill(`${data.origin}/nowhere/`);
    await page.getByRole('button', { name: 'Use this base URL' }).click();
    await page.getByRole('button', { name: 'Load yelp_test_500' }).click();
    const err = catalogue.getByRole('row', { name: /yelp_test_500/ }).getByRole('alert');
    await expect.poll(() => err.textContent(), { timeout: 30_000 }).toContain(`yelp_test_500.json from ${data.origin}/nowhere/sentiment/yelp_test_500.json`);
    await page.getByLabel('Theme').selectOption('light');
    await page.screenshot({ path: path.join(SHOTS, 'datasets-light.png') });
    await page.getByLabel('Theme').selectOption('dark');
    await page.screenshot({ path: path.join(SHOTS, 'datasets-dark.png') });
    await page.getByLabel('Theme').selectOption('light');
    await row.getByRole('link', { name: 'Open in Playground' }).click();
    await expect.poll(() => page.getByLabel('Dataset').inputValue()).toBe('sst2_test_500');
    await page.getByLabel('Prompt text').waitFor();
  });

  it('the Models view lists the registry with backends and slots; screenshots in light and dark', async () => {
    await page.getByRole('link', { name: 'Models' }).click();
    await page.getByRole('heading', { name: 'Models', exact: true }).waitFor();
    expect(await page.getByRole('row', { name: /tiny random Llama \(float32\)/ }).textContent()).toMatch(/cpu.*random/);
    await page.screenshot({ path: path.join(SHOTS, 'models-light.png') });
    await page.getByLabel('Theme').selectOption('dark');
    await page.screenshot({ path: path.join(SHOTS, 'models-dark.png') });
    await page.getByLabel('Theme').selectOption('light');
    expect(h.browser.logs.filter((l) => !/Failed to load resource.*404/.test(l))).toEqual([]);
  });
});
