/**
 * Failure paths of the webgpu backend on web-llm's real engine (Chromium, SwiftShader), with
 * ftlab's own tiny-model libraries: each bad artifact gives one specific error with a next step,
 * and nothing half-way stays in the cache.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { ensureTinyModelLibs, libFileName } from '../../scripts/model-lib.ts';
import { PUBLIC_DIR, useBrowserHarness, type BrowserHarness } from './harness/index.ts';
import type { EngineTestApi } from './pages/engine-page.ts';

declare const window: { ftlabTest: EngineTestApi };

const MODELS_DIR = path.join(PUBLIC_DIR, 'models');
const F32 = 'tiny-random-llama-f32';
/** Imported folders need a library for their quantization: q4f32_1 has a prebuilt Llama-2 one. */
const Q4 = 'tiny-random-llama-q4f32_1';

let h: BrowserHarness;
let page: Page;

/** A folder under public/models/ with `dir`'s files symlinked and some files replaced. */
function variantOf(id: string, name: string, replace: Record<string, Uint8Array | string> = {}): string {
  const out = path.join(MODELS_DIR, `${id}-${name}`);
  mkdirSync(out, { recursive: true });
  for (const f of readdirSync(path.join(MODELS_DIR, id))) {
    if (f in replace || existsSync(path.join(out, f))) continue;
    symlinkSync(path.join(MODELS_DIR, id, f), path.join(out, f));
  }
  for (const [f, bytes] of Object.entries(replace)) writeFileSync(path.join(out, f), bytes);
  return path.basename(out);
}

interface LoadOutcome {
  code?: string;
  message?: string;
  hint?: string;
  cached: { id: string; status: string; bytes: number }[];
  /** Whether web-llm's library cache still holds the library after the load. */
  libCached?: boolean;
}

/** Loads on webgpu in a fresh worker; returns the error (if any) and what the cache then holds. */
async function tryLoad(id: string, folder: string, lib: string): Promise<LoadOutcome> {
  return page.evaluate(
    async ({ origin, id, folder, lib }) => {
      const client = window.ftlabTest.createEngineClient();
      const out: LoadOutcome = { cached: [] };
      try {
        await client.load({ id, url: `${origin}/models/${folder}/`, modelLib: lib.startsWith('http') ? lib : `${origin}/models/${folder}/${lib}` }, undefined, { backend: 'webgpu' });
      } catch (e) {
        const err = e as Error & { code?: string; hint?: string };
        out.code = err.code;
        out.message = err.message;
        out.hint = err.hint;
      }
      try {
        out.cached = (await client.listCachedModels()).filter((m) => m.id === id).map((m) => ({ id: m.id, status: m.status, bytes: m.bytes }));
        const libUrl = lib.startsWith('http') ? lib : `${origin}/models/${folder}/${lib}`;
        out.libCached = (await (await caches.open('webllm/wasm')).keys()).some((r) => r.url === libUrl);
      } finally {
        client.terminate();
      }
      return out;
    },
    { origin: h.origin, id, folder, lib },
  );
}

useBrowserHarness(async (harness) => {
  h = harness;
  ensureTinyModelLibs(MODELS_DIR);
  page = await h.browser.newPage();
  await page.goto(`${h.origin}/test/browser/pages/engine.html`);
  await page.waitForSelector('body[data-ready="true"]');
});

describe('webgpu backend on the real engine: bad artifacts', () => {
  it('a missing library is artifact-missing naming the file, before any weight is fetched', async () => {
    const before = h.server.requests.length;
    const r = await tryLoad('lib-missing', F32, 'no-such-lib.wasm');
    expect(r.code).toBe('artifact-missing');
    expect(r.message).toMatch(/no-such-lib\.wasm/);
    expect(r.hint).toBeTruthy();
    expect(h.server.requests.slice(before).filter((p) => p.includes('params_shard'))).toEqual([]);
  });

  it('a corrupt library (not WebAssembly) is artifact-corrupt, and is not left in the cache', async () => {
    const folder = variantOf(F32, 'corrupt-lib', { [libFileName('q0f32')]: '<html>404 page served as the library</html>' });
    const r = await tryLoad('lib-corrupt', folder, libFileName('q0f32'));
    expect(r.code).toBe('artifact-corrupt');
    expect(r.hint).toBeTruthy();
    expect(r.cached.every((m) => m.status !== 'complete')).toBe(true);
  });

  it('another model’s library (q4f32_1 lib on the q0f32 weights) is model-lib-mismatch, not an emscripten exit', async () => {
    const folder = variantOf(F32, 'other-lib', { [libFileName('q0f32')]: readFileSync(path.join(MODELS_DIR, Q4, libFileName('q4f32_1'))) });
    const r = await tryLoad('lib-other-model', folder, libFileName('q0f32'));
    expect(r.message).not.toMatch(/exit\(1\)/);
    expect(r.code).toBe('model-lib-mismatch');
    expect(r.hint).toMatch(/npm run model-lib/);
    // The weights are valid and may stay cached; the wrong library must not.
    expect(r.libCached).toBe(false);
  });

  it('a weight file whose sha256 differs from the manifest is refused on import, and nothing is cached', async () => {
    const src = path.join(MODELS_DIR, Q4);
    const tampered = variantOf(Q4, 'tampered');
    // Flip one byte of the first shard (a real copy: the original stays intact).
    const shard = readdirSync(src).find((f) => f.startsWith('params_shard_'))!;
    const shardPath = path.join(MODELS_DIR, tampered, shard);
    const bytes = readFileSync(path.join(src, shard));
    bytes[100] ^= 0xff;
    rmSync(shardPath, { force: true });
    writeFileSync(shardPath, bytes);
    const r = await page.evaluate(
      async ({ origin, folder, shard }) => {
        const client = window.ftlabTest.createEngineClient();
        try {
          const base = `${origin}/models/${folder}/`;
          const manifest = (await (await fetch(`${base}ftlab-manifest.json`)).json()) as { id: string; files: { path: string }[] };
          const files = [];
          for (const p of ['ftlab-manifest.json', ...manifest.files.map((f) => f.path)]) files.push({ path: p, file: await (await fetch(base + p)).blob() });
          let error: { code?: string; message: string } | null = null;
          try {
            await client.importLocalFolder(files);
          } catch (e) {
            error = { code: (e as { code?: string }).code, message: (e as Error).message };
          }
          const cached = (await client.listCachedModels()).filter((m) => m.id === manifest.id && m.source === 'imported');
          // Only what the import would have written (earlier tests loaded the same folder by URL).
          const keys = await caches.keys();
          let entries = 0;
          for (const k of keys) entries += (await (await caches.open(k)).keys()).filter((req) => req.url.includes(shard) && !req.url.startsWith(origin)).length;
          return { error, cached, entries };
        } finally {
          client.terminate();
        }
      },
      { origin: h.origin, folder: tampered, shard },
    );
    expect(r.error?.code).toBe('artifact-corrupt');
    expect(r.error?.message).toContain(shard);
    expect(r.cached).toEqual([]);
    expect(r.entries).toBe(0);
  });
});
