/**
 * The webgpu backend (web-llm 0.2.86) in the engine worker, on the adapter this machine really
 * has: headless Chromium's SwiftShader (software Vulkan) WebGPU. What can be checked here: that
 * web-llm loads in the worker (as its own chunk, only when asked for), the capability report on
 * a real adapter, the failure paths (no shader-f16, unreachable host) with their codes and hints
 * across the worker boundary, and the cache extras on real Cache Storage (import a local folder
 * with progress, list, delete). What cannot: running a model on WebGPU — the tiny models have no
 * compiled WebGPU library, and the prebuilt Llama-2-7b library and weights need the network.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { useBrowserHarness, type BrowserHarness } from './harness/index.ts';
import type { EngineTestApi } from './pages/engine-page.ts';

declare const window: { ftlabTest: EngineTestApi };

let h: BrowserHarness;
let page: Page;

useBrowserHarness(async (harness) => {
  h = harness;
  page = await h.browser.newPage();
  await page.goto(`${h.origin}/test/browser/pages/engine.html`);
  await page.waitForSelector('body[data-ready="true"]');
});

/** Build assets that contain web-llm (found by a string only web-llm's code has). */
/**
 * The build's chunks holding web-llm. The webgpu bench page's worker (test/browser/pages/
 * webgpu-bench.worker.ts, for `npm run bench -- webgpu`) bundles a copy of its own: a test-only
 * entry of the test build, never part of the app, so it is left out.
 */
function webLlmChunks(): string[] {
  const dir = path.join(h.outDir, 'assets');
  return readdirSync(dir).filter((f) => f.endsWith('.js') && !f.startsWith('webgpu-bench.worker-') && readFileSync(path.join(dir, f), 'utf8').includes('ShaderF16SupportError'));
}

async function closedPort(): Promise<number> {
  const { createServer } = await import('node:net');
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', () => r()));
  const port = (probe.address() as { port: number }).port;
  await new Promise<void>((r) => probe.close(() => r()));
  return port;
}

describe('bundling', () => {
  it('keeps web-llm out of the page bundle and out of cpu sessions', async () => {
    const chunks = webLlmChunks();
    expect(chunks).toHaveLength(1);
    expect(chunks[0]).not.toMatch(/^(main|page-)/);
    const before = h.server.requests.length;
    await page.evaluate(async (origin) => {
      const client = window.ftlabTest.createEngineClient();
      try {
        await client.load({ id: 'tiny-random-llama-f32', url: `${origin}/models/tiny-random-llama-f32/` }, undefined, { backend: 'cpu' });
        await client.generate({ prompt: { text: 'hi', bos: true }, maxTokens: 2 });
      } finally {
        client.terminate();
      }
    }, h.origin);
    const requested = h.server.requests.slice(before);
    expect(requested.some((p) => p.includes('engine.worker'))).toBe(true);
    expect(requested.filter((p) => chunks.some((c) => p.endsWith(c)))).toEqual([]);
  });
});

describe('webgpu backend on the software adapter', () => {
  it('reports the real adapter: no shader-f16, so q4f32_1 is recommended', async () => {
    const { report, storage, models } = await page.evaluate(async () => {
      const client = window.ftlabTest.createEngineClient();
      try {
        return { report: await client.capabilityReport(), storage: await client.storageEstimate(), models: await client.listModels() };
      } finally {
        client.terminate();
      }
    });
    expect(report.webgpu).toBe(true);
    expect(report.adapterFound).toBe(true);
    expect(report.softwareAdapter).toBe(true);
    expect(report.adapter?.architecture).toMatch(/swiftshader/i);
    expect(report.shaderF16).toBe(false);
    expect(report.adapter?.features).not.toContain('shader-f16');
    expect(report.recommendedQuantization).toBe('q4f32_1');
    expect(report.canRun7B).toBe(false);
    expect(report.recommendation.length).toBeGreaterThan(0);
    expect(storage.quotaBytes).toBeGreaterThan(0);
    expect(models.map((m) => m.id)).toEqual(expect.arrayContaining(['Llama-2-7b-chat-hf-q4f16_1-MLC', 'Llama-2-7b-chat-hf-q4f32_1-MLC']));
  });

  it('refuses a q4f16_1 model on this adapter with webgpu-no-shader-f16 and a hint, before downloading weights', async () => {
    const before = h.server.requests.length;
    const r = await page.evaluate(async (origin) => {
      const client = window.ftlabTest.createEngineClient();
      try {
        await client.load({ id: 'tiny-random-llama-q4f16_1', url: `${origin}/models/tiny-random-llama-q4f16_1/` }, undefined, { backend: 'webgpu' });
        return null;
      } catch (e) {
        const err = e as Error & { code?: string; hint?: string };
        return { code: err.code, hint: err.hint, message: err.message, isFtlab: e instanceof window.ftlabTest.FtlabError };
      } finally {
        client.terminate();
      }
    }, h.origin);
    expect(r).toMatchObject({ code: 'webgpu-no-shader-f16', isFtlab: true });
    expect(r?.hint).toMatch(/q4f32_1/);
    expect(h.server.requests.slice(before).filter((p) => p.includes('params_shard'))).toEqual([]);
  });

  it('fails fast with a network error when the model host is unreachable (never hangs)', async () => {
    const port = await closedPort();
    const t0 = Date.now();
    const r = await page.evaluate(async (url) => {
      const client = window.ftlabTest.createEngineClient();
      try {
        await client.load({ id: 'unreachable-webgpu', url }, undefined, { backend: 'webgpu' });
        return null;
      } catch (e) {
        const err = e as Error & { code?: string; hint?: string };
        return { code: err.code, hint: err.hint, message: err.message };
      } finally {
        client.terminate();
      }
    }, `http://127.0.0.1:${port}/models/tiny-random-llama-f32/`);
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(r?.code).toBe('network');
    expect(r?.hint).toBeTruthy();
  });

  it('imports a local folder into the real Cache Storage, lists it, and deletes it', async () => {
    // q4f16_1: a quantization with a prebuilt Llama-2 library (the registry needs one per entry).
    const id = 'tiny-random-llama-q4f16_1';
    const r = await page.evaluate(
      async ({ origin, id }) => {
        const client = window.ftlabTest.createEngineClient();
        try {
          // What <input webkitdirectory> would give: the folder's files as Blobs with their paths.
          const base = `${origin}/models/${id}/`;
          const manifest = (await (await fetch(`${base}ftlab-manifest.json`)).json()) as { files: { path: string }[] };
          const paths = ['ftlab-manifest.json', ...manifest.files.map((f) => f.path)];
          const files = [];
          for (const p of paths) files.push({ path: p, file: await (await fetch(base + p)).blob() });
          const phases = new Set<string>();
          let lastWrite = '';
          const imported = await client.importLocalFolder(files, (p) => {
            phases.add(p.phase);
            if (p.phase === 'write') lastWrite = `${p.done}/${p.total} ${p.bytesDone}/${p.bytesTotal}`;
          });
          // Progress crosses on its own port: let the last messages land.
          for (let i = 0; i < 50 && !lastWrite.startsWith(`${manifest.files.length}/`); i++) await new Promise((r) => setTimeout(r, 20));
          const progress = { phases: [...phases], lastWrite };
          const listed = (await client.listCachedModels()).find((m) => m.id === imported.id);
          const usage = (await client.storageEstimate()).usageBytes;
          await client.deleteCachedModel(imported.id);
          const afterDelete = (await client.listCachedModels()).find((m) => m.id === imported.id);
          return { imported, listed, usage, afterDelete, progress, files: manifest.files.length };
        } finally {
          client.terminate();
        }
      },
      { origin: h.origin, id },
    );
    expect(r.imported.id).toBe(id);
    expect(r.imported.bytes).toBeGreaterThan(1_000_000);
    expect(r.imported.spec.id).toBe(id);
    expect(r.listed).toMatchObject({ id, source: 'imported' });
    expect(r.listed?.bytes).toBeGreaterThan(1_000_000);
    expect(r.usage).toBeGreaterThan(0);
    expect(r.afterDelete).toBeUndefined();
    expect(r.progress.phases).toEqual(['verify', 'write']);
    expect(r.progress.lastWrite).toBe(`${r.files}/${r.files} ${r.imported.bytes}/${r.imported.bytes}`);
  });
});

describe('the app on the webgpu backend', () => {
  it('lists the registry models in Models, and explains why a q4f16_1 model cannot load here', async () => {
    const app = await h.browser.newPage();
    await app.goto(`${h.origin}/#/models`);
    await app.getByRole('button', { name: /^Show the WebGPU models/ }).click();
    await expect.poll(() => app.getByRole('row', { name: /Llama-2-7b-chat-hf-q4f32_1-MLC/ }).first().textContent(), { timeout: 30_000 }).toMatch(/web-llm registry \(prebuilt, q4f32_1\)/);
    await app.getByLabel('Model folder URL').fill(`${h.origin}/models/tiny-random-llama-q4f16_1/`);
    await app.getByLabel('Backend for the added model').selectOption('webgpu');
    await app.getByRole('button', { name: 'Add', exact: true }).click();
    const row = app.getByRole('row', { name: /tiny-random-llama-q4f16_1/ });
    await expect.poll(() => row.locator('td').first().textContent()).toBe('webgpu');
    await row.getByRole('button', { name: 'Load tiny-random-llama-q4f16_1' }).focus();
    await app.keyboard.press('Enter');
    const alert = row.getByRole('alert');
    await alert.waitFor({ timeout: 30_000 });
    expect(await alert.textContent()).toMatch(/^webgpu-no-shader-f16: .*What to do: .*q4f32_1/);
    await app.close();
  });

  it('shows the capability report', async () => {
    const app = await h.browser.newPage();
    await app.goto(`${h.origin}/#/models`);
    await app.getByRole('button', { name: 'Check WebGPU' }).focus();
    await app.keyboard.press('Enter');
    await app.getByTestId('capability-report').waitFor({ timeout: 30_000 });
    expect(await app.getByTestId('capability-f16').textContent()).toBe('no');
    expect(await app.getByTestId('capability-quantization').textContent()).toBe('q4f32_1');
    await app.close();
  });
});
