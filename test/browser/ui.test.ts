/**
 * The app itself, driven like a user with only the keyboard: load the default tiny model,
 * generate (Ctrl+Enter), cancel (Escape), classify, and read an error with its hint.
 * Generated tokens are checked against the cpu backend in Node on the same model folder.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import { createNodeCpuEngine } from '../../workers/backends/cpu/node.ts';
import type { CpuEngine } from '../../workers/backends/cpu/index.ts';
import { useBrowserHarness, PUBLIC_DIR, type BrowserHarness } from './harness/index.ts';

const MODEL = 'tiny-random-llama-f32';
const PROMPT = '### Input:\nWhat a delightful, moving film.\n### Sentiment:';

let h: BrowserHarness;
let page: Page;
let nodeEngine: CpuEngine;

useBrowserHarness(async (harness) => {
  h = harness;
  page = await h.browser.newPage();
  nodeEngine = createNodeCpuEngine();
  await nodeEngine.load({ id: MODEL, url: path.join(PUBLIC_DIR, 'models', MODEL) });
});

/** Presses Tab until `target` has focus: proves it is reachable by keyboard (fails after `max` presses). */
async function tabTo(target: Locator, max = 40): Promise<void> {
  for (let i = 0; i < max; i++) {
    if (await target.evaluate((el) => el === document.activeElement)) return;
    await page.keyboard.press('Tab');
  }
  throw new Error(`Tab never reached ${target.toString()}`);
}

describe('the app, by keyboard', () => {
  it('loads the default tiny model', async () => {
    await page.goto(`${h.origin}/#/evaluate`);
    await expect.poll(() => page.locator('#model-choice').inputValue()).toBe(MODEL);
    expect(await page.locator('#model-choice option:checked').textContent()).toMatch(/random weights: nonsense text, for testing/);
    await tabTo(page.getByRole('button', { name: 'Load', exact: true }));
    await page.keyboard.press('Enter');
    const loaded = page.getByTestId('loaded-model');
    await loaded.waitFor({ timeout: 30_000 });
    expect(await loaded.textContent()).toMatch(new RegExp(`Loaded ${MODEL} on cpu: vocabulary 32000`));
    expect(await page.locator('[data-testid="load-progress"] progress').getAttribute('value')).toBe('100');
    expect(await page.getByTestId('load-progress').textContent()).toMatch(/done · 100%/);
  });

  it('generates with Ctrl+Enter from the prompt: the same tokens as the cpu backend in Node', async () => {
    await tabTo(page.locator('#prompt'));
    await page.keyboard.press('ControlOrMeta+a');
    await page.keyboard.insertText(PROMPT);
    await tabTo(page.getByLabel('Max new tokens'));
    await page.keyboard.press('ControlOrMeta+a');
    await page.keyboard.insertText('12');
    await page.locator('#prompt').focus();
    await page.keyboard.press('Control+Enter');
    await expect.poll(() => page.getByTestId('generate-ids').textContent(), { timeout: 30_000 }).toMatch(/\d/);

    const inNode = await nodeEngine.generate({ prompt: { text: PROMPT, bos: true }, maxTokens: 12 });
    const ids = (await page.getByTestId('generate-ids').textContent())!.trim().split(' ').map(Number);
    expect(ids).toEqual(inNode.tokenIds);
    expect(await page.getByTestId('generate-output').textContent()).toBe(inNode.text);
    expect(await page.getByTestId('finish-reason').textContent()).toBe(inNode.finishReason);
  });

  it('cancels a long generation with Escape', async () => {
    await page.getByLabel('Max new tokens').fill('1500');
    await page.locator('#prompt').focus();
    await page.keyboard.press('Control+Enter');
    await page.getByRole('button', { name: 'Generating…' }).waitFor();
    await page.waitForTimeout(300);
    await page.keyboard.press('Escape');
    await expect.poll(() => page.getByTestId('finish-reason').textContent(), { timeout: 20_000 }).toBe('interrupted');
    const n = (await page.getByTestId('generate-ids').textContent())!.trim().split(' ').length;
    expect(n).toBeGreaterThan(0);
    expect(n).toBeLessThan(1500);
  });

  it('shows an engine error with its code and hint', async () => {
    await page.getByLabel('Max new tokens').fill('4096');
    await page.locator('#prompt').focus();
    await page.keyboard.press('Control+Enter');
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await page.getByTestId('error-code').textContent()).toMatch(/context-window-exceeded/);
    expect(await page.getByTestId('error-message').textContent()).toMatch(/exceed the context window of 4096 tokens/);
    expect(await page.getByTestId('error-hint').textContent()).toMatch(/shorten the prompt/);
    await alert.getByRole('button', { name: 'Dismiss' }).focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByRole('alert').count()).toBe(0);
  });

  it('classifies and shows label log-probs with renormalized probabilities', async () => {
    await page.locator('#field-input').focus();
    await page.keyboard.insertText('What a delightful, moving film.');
    await tabTo(page.getByRole('button', { name: 'Classify', exact: true }));
    await page.keyboard.press('Enter');
    const table = page.getByTestId('classify-table');
    await table.waitFor({ timeout: 30_000 });
    const rows = await table.locator('tbody tr').allTextContents();
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatch(/^positive/);
    expect(rows[1]).toMatch(/^negative/);
    const percents = rows.map((r) => Number(/([\d.]+)%$/.exec(r.trim())![1]));
    expect(percents[0] + percents[1]).toBeCloseTo(100, 0);
    expect(await page.getByTestId('classify-prediction').textContent()).toMatch(/^(positive|negative)$/);
    expect(h.browser.logs).toEqual([]);
  });
});
