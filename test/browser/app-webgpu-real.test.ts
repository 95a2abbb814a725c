/**
 * The app on the webgpu backend, on web-llm's real engine (Chromium, SwiftShader): load the tiny
 * q4f32_1 model from the Load panel (its library is ftlab's own, `npm run model-lib -- --tiny`),
 * generate, and classify; tokens and the prediction equal the cpu backend's in Node.
 */
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import type { Page } from 'playwright-core';
import { ensureTinyModelLibs } from '../../scripts/model-lib.ts';
import { createNodeCpuEngine } from '../../workers/backends/cpu/node.ts';
import type { CpuEngine } from '../../workers/backends/cpu/index.ts';
import { classify } from './pages/classify.ts';
import { useBrowserHarness, PUBLIC_DIR, type BrowserHarness } from './harness/index.ts';

const MODEL = 'tiny-random-llama-q4f32_1';
const PROMPT = '### Input:\nWhat a delightful, moving film.\n### Sentiment:';
vi.setConfig({ testTimeout: 300_000, hookTimeout: 1_200_000 });

let h: BrowserHarness;
let page: Page;
let nodeEngine: CpuEngine;

useBrowserHarness(async (harness) => {
  h = harness;
  ensureTinyModelLibs(path.join(PUBLIC_DIR, 'models'));
  page = await h.browser.newPage();
  nodeEngine = createNodeCpuEngine();
  await nodeEngine.load({ id: MODEL, url: path.join(PUBLIC_DIR, 'models', MODEL) });
});

describe('the app on webgpu (real web-llm engine)', () => {
  it('loads the tiny q4f32_1 model on webgpu from the Load panel', async () => {
    await page.goto(`${h.origin}/#/evaluate`);
    await page.getByRole('radio', { name: /webgpu/ }).check();
    await expect.poll(() => page.locator('#model-choice option').allTextContents(), { timeout: 30_000 }).toContainEqual(expect.stringMatching(/^tiny-random-llama-q4f32_1/));
    await page.locator('#model-choice').selectOption(MODEL);
    await page.getByRole('button', { name: 'Load', exact: true }).click();
    const loaded = page.getByTestId('loaded-model');
    await loaded.waitFor({ timeout: 240_000 });
    expect(await loaded.textContent()).toMatch(new RegExp(`Loaded ${MODEL} on webgpu: vocabulary 32000`));
  });

  it('generates the same tokens as the cpu backend in Node', async () => {
    await page.locator('#prompt').fill(PROMPT);
    await page.getByLabel('Max new tokens').fill('3');
    await page.locator('#prompt').focus();
    await page.keyboard.press('Control+Enter');
    await expect.poll(() => page.getByTestId('finish-reason').textContent(), { timeout: 240_000 }).toMatch(/length|eos|stop/);
    const inNode = await nodeEngine.generate({ prompt: { text: PROMPT, bos: true }, maxTokens: 3 });
    const ids = (await page.getByTestId('generate-ids').textContent())!.trim().split(' ').map(Number);
    expect(ids).toEqual(inNode.tokenIds);
    expect(await page.getByTestId('generate-output').textContent()).toBe(inNode.text);
  });

  it('classifies with the cpu backend’s prediction', async () => {
    await page.locator('#field-input').fill('What a delightful, moving film.');
    await page.getByRole('button', { name: 'Classify', exact: true }).click();
    const table = page.getByTestId('classify-table');
    await table.waitFor({ timeout: 240_000 });
    const { SENTIMENT } = await import('../../src/core/tasks/index.ts');
    const inNode = await classify(nodeEngine, { task: SENTIMENT, template: 0, fields: { input: 'What a delightful, moving film.' }, bos: true, mode: 'paper', method: 'first-token' });
    expect(await page.getByTestId('classify-prediction').textContent()).toBe(inNode.scores.labels[inNode.scores.logprobs.indexOf(Math.max(...inNode.scores.logprobs))]);
  });
});
