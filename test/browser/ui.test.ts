/**
 * The app itself, driven like a user with only the keyboard (the Playground, where one model's
 * column generates and classifies): Ctrl+Enter runs the built-in summary example on the default
 * tiny model, and its tokens are the cpu backend's in Node for the same prompt; a classification
 * item by keyboard shows label probabilities renormalized over the labels; an error says its code
 * and what to do.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import { createNodeCpuEngine } from '../../workers/backends/cpu/node.ts';
import type { CpuEngine } from '../../workers/backends/cpu/index.ts';
import { buildPrompt } from '../../src/core/prompts/index.ts';
import { SUMMARY } from '../../src/core/tasks/index.ts';
import { builtinExamples } from '../../src/ui/state/builtin-examples.ts';
import { MAX_NEW_TOKENS } from '../../src/ui/state/playground.svelte.ts';
import { useBrowserHarness, PUBLIC_DIR, type BrowserHarness } from './harness/index.ts';

const MODEL = 'tiny-random-llama-f32';

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
async function tabTo(target: Locator, max = 60): Promise<void> {
  for (let i = 0; i < max; i++) {
    if (await target.evaluate((el) => el === document.activeElement)) return;
    await page.keyboard.press('Tab');
  }
  throw new Error(`Tab never reached ${target.toString()}`);
}

const column = () => page.getByTestId('column').first();

describe('the app, by keyboard', () => {
  it('Ctrl+Enter runs the summary example on the default tiny model: the tokens the cpu backend makes in Node', async () => {
    await page.goto(`${h.origin}/#/playground?task=summary`);
    await page.getByLabel('Prompt text').waitFor();
    expect(await page.getByRole('checkbox', { name: /float32/ }).isChecked()).toBe(true);
    await page.keyboard.press('Control+Enter');
    await expect.poll(() => column().getByTestId('column-status').textContent(), { timeout: 60_000 }).toBe('done');
    const item = builtinExamples('summary').items[0];
    const prompt = buildPrompt(SUMMARY, item, { mode: 'zero-shot', template: 0, countTokens: false });
    const inNode = await nodeEngine.generate({ prompt: { text: prompt.text, bos: prompt.bos }, maxTokens: MAX_NEW_TOKENS, stopAtEos: true });
    expect(await column().textContent()).toContain(`${inNode.tokenIds.length} tokens, stopped by ${inNode.finishReason}`);
    expect((await column().getByTestId('output').textContent())?.replace(/\s+/g, ' ').trim()).toBe(inNode.text.replace(/\s+/g, ' ').trim());
    expect(await column().getByTestId('rouge').textContent()).toMatch(/^ROUGE-L F1 \d+\.\d/);
  });

  it('a classification item by keyboard: label probabilities over the labels sum to 100 %', async () => {
    await page.goto(`${h.origin}/#/playground?task=sentiment`);
    await page.getByLabel('Prompt text').waitFor();
    await tabTo(page.getByRole('button', { name: /^Run/ }));
    await page.keyboard.press('Enter');
    await expect.poll(() => column().getByTestId('column-status').textContent(), { timeout: 60_000 }).toBe('done');
    const probs = (await column().getByTestId('label-prob').allTextContents()).map((t) => Number.parseFloat(t));
    expect(probs).toHaveLength(2);
    expect(probs[0] + probs[1]).toBeCloseTo(100, 0);
    for (const lp of await column().getByTestId('label-logprob').allTextContents()) expect(lp).toMatch(/^-\d+\.\d{4}$/);
    expect(await column().getByTestId('prediction').textContent()).toMatch(/predicted (positive|negative)/);
  });

  it('an error says its code and what to do: a link naming a model this browser does not have', async () => {
    await page.goto(`${h.origin}/#/playground?models=no-such-model`);
    await page.getByLabel('Prompt text').waitFor();
    await page.keyboard.press('Control+Enter');
    const alert = column().getByRole('alert');
    await alert.waitFor({ timeout: 30_000 });
    expect(await alert.textContent()).toMatch(/^model-unknown: .*"no-such-model".*What to do: add it in Models/);
    expect(h.browser.logs.filter((l) => !/Failed to load resource.*404/.test(l))).toEqual([]);
  });
});
