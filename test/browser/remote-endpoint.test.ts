/**
 * The app on a model served by an OpenAI-compatible server: added in the Models view, run in a
 * Playground column like any model (the worker's openai backend, tokenizing from the tiny
 * model's folder), equal to the same model on the cpu engine; and a server that does not allow
 * the page's origin (CORS) named as such. The server is the openai backend's test double in
 * Node (its numbers come from the cpu engine on the same weights); the real llama.cpp server is
 * tested in test/openai/llama-server.test.ts.
 */
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { Engine } from '../../src/core/engine.ts';
import { createNodeCpuEngine } from '../../workers/backends/cpu/node.ts';
import { TINY_F32 } from '../contract/tiny-models.ts';
import { startServerDouble, type ServerDouble } from '../openai/server-double.ts';
import { PUBLIC_DIR, useBrowserHarness, type BrowserHarness } from './harness/index.ts';

let h: BrowserHarness;
let page: Page;
let served: Engine;
let open: ServerDouble;
let closed: ServerDouble;

useBrowserHarness(async (harness) => {
  h = harness;
  page = await h.browser.newPage();
  await page.setViewportSize({ width: 1280, height: 900 });
  served = createNodeCpuEngine();
  await served.load({ id: TINY_F32, url: path.join(PUBLIC_DIR, 'models', TINY_F32) });
  open = await startServerDouble({ engine: served, models: [TINY_F32], dialect: 'vllm', cors: true });
  closed = await startServerDouble({ engine: served, models: [TINY_F32], dialect: 'vllm' });
});
afterAll(async () => {
  await open?.close();
  await closed?.close();
  await served?.unload();
});

const column = (p: Page, i: number) => p.getByTestId('column').nth(i);
const statusOf = (p: Page, i: number) => column(p, i).getByTestId('column-status').textContent();
const probs = async (p: Page, i: number) => column(p, i).getByTestId('label-prob').allTextContents();

async function addRemote(p: Page, baseUrl: string): Promise<void> {
  await p.goto(`${h.origin}/#/models`);
  await p.getByLabel('Server base URL').fill(baseUrl);
  await p.getByLabel('Server model name').fill(TINY_F32);
  await p.getByLabel('Tokenizer folder URL').fill(`${h.origin}/models/${TINY_F32}/`);
  await p.getByRole('button', { name: 'Add server model' }).click();
}

describe('a model on an OpenAI-compatible server', () => {
  it('is added in Models and runs in a Playground column, with the cpu engine\'s label probabilities', async () => {
    await addRemote(page, open.url);
    const id = `${TINY_F32}@${new URL(open.url).host}`;
    await page.getByRole('row', { name: new RegExp(id.replace(/[.]/g, '\\.')) }).waitFor();
    await page.goto(`${h.origin}/#/playground?models=${TINY_F32},${encodeURIComponent(id)}`);
    await page.getByLabel('Prompt text').waitFor();
    await page.getByRole('button', { name: /^Run/ }).click();
    await expect.poll(async () => [await statusOf(page, 0), await statusOf(page, 1)], { timeout: 90_000 }).toEqual(['done', 'done']);
    // Shown to 0.1 %: the server (the cpu engine behind HTTP) and the cpu column agree.
    expect(await probs(page, 1)).toEqual(await probs(page, 0));
    expect(open.requests.some((r) => r.path === '/v1/completions')).toBe(true);
  });

  it('a generation streams no differently: same text as the cpu column', async () => {
    const id = `${TINY_F32}@${new URL(open.url).host}`;
    await page.goto(`${h.origin}/#/playground?task=summary&models=${TINY_F32},${encodeURIComponent(id)}`);
    await page.getByLabel('Prompt text').waitFor();
    await page.getByRole('button', { name: /^Run/ }).click();
    await expect.poll(async () => [await statusOf(page, 0), await statusOf(page, 1)], { timeout: 120_000 }).toEqual(['done', 'done']);
    expect(await column(page, 1).getByTestId('output').textContent()).toBe(await column(page, 0).getByTestId('output').textContent());
  });

  it('a server that does not allow the page\'s origin is named, with CORS in the next step', async () => {
    await addRemote(page, closed.url);
    const id = `${TINY_F32}@${new URL(closed.url).host}`;
    await page.goto(`${h.origin}/#/playground?models=${encodeURIComponent(id)}`);
    await page.getByLabel('Prompt text').waitFor();
    await page.getByRole('button', { name: /^Run/ }).click();
    await expect.poll(() => statusOf(page, 0), { timeout: 60_000 }).toBe('failed');
    const text = await column(page, 0).getByRole('alert').textContent();
    expect(text).toContain(`no answer from ${closed.url}`);
    expect(text).toMatch(/CORS/);
  });
});
