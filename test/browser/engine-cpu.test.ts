/**
 * The engine worker in Chromium on the cpu backend, driven through the page-side client
 * (src/engine-client) exactly as the app uses it. Every number is checked against the same cpu
 * backend running in this Node process on the same model folder.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { createNodeCpuEngine } from '../../workers/backends/cpu/node.ts';
import type { CpuEngine } from '../../workers/backends/cpu/index.ts';
import { classify, type ClassifyInput } from './pages/classify.ts';
import type { GenerateRequest } from '../../src/core/engine.ts';
import { useBrowserHarness, PUBLIC_DIR, type BrowserHarness } from './harness/index.ts';
import type { EngineTestApi } from './pages/engine-page.ts';

declare const window: { ftlabTest: EngineTestApi };

const MODELS = ['tiny-random-llama-f32', 'tiny-random-llama-q4f16_1'] as const;
const PROMPT = '### Input:\nThe movie was wonderful, I loved every minute.\n### Sentiment:';

let h: BrowserHarness;
let page: Page;
const nodeEngines = new Map<string, CpuEngine>();

useBrowserHarness(async (harness) => {
  h = harness;
  page = await h.browser.newPage();
  await page.goto(`${h.origin}/test/browser/pages/engine.html`);
  await page.waitForSelector('body[data-ready="true"]');
  for (const id of MODELS) {
    const engine = createNodeCpuEngine();
    await engine.load({ id, url: path.join(PUBLIC_DIR, 'models', id) });
    nodeEngines.set(id, engine);
  }
});

describe.each(MODELS)('cpu backend in the worker: %s', (modelId) => {
  it('loads with streamed progress and generates the same tokens as in Node', async () => {
    const req: GenerateRequest = { prompt: { text: PROMPT, bos: true }, maxTokens: 24, stopAtEos: false };
    const inBrowser = await page.evaluate(
      async ({ modelId, origin, req }) => {
        const client = window.ftlabTest.createEngineClient();
        const progress: { phase: string; fraction: number; totalBytes?: number }[] = [];
        try {
          const info = await client.load({ id: modelId, url: `${origin}/models/${modelId}/` }, (p) => progress.push(p), { backend: 'cpu' });
          const first = await client.generate(req);
          const second = await client.generate(req);
          const promptIds = 'text' in req.prompt ? await client.tokenize(req.prompt.text, { bos: req.prompt.bos }) : [];
          const text = await client.detokenize(first.tokenIds);
          const stats = await client.stats();
          // Progress messages are fire-and-forget: let the last ones arrive before reading them.
          await new Promise((r) => setTimeout(r, 50));
          return { info, first, second, promptIds, text, stats, progress };
        } finally {
          client.terminate();
        }
      },
      { modelId, origin: h.origin, req },
    );

    const engine = nodeEngines.get(modelId)!;
    const inNode = await engine.generate(req);
    expect(inBrowser.info).toMatchObject({ id: modelId, backend: 'cpu', vocabSize: 32000 });
    expect(inBrowser.first.tokenIds).toHaveLength(24);
    expect(inBrowser.first.tokenIds).toEqual(inNode.tokenIds);
    expect(inBrowser.first.text).toBe(inNode.text);
    expect(inBrowser.second.tokenIds).toEqual(inBrowser.first.tokenIds); // deterministic
    expect(inBrowser.promptIds).toEqual(await engine.tokenize(PROMPT, { bos: true }));
    expect(inBrowser.text).toBe(inNode.text);
    expect(inBrowser.stats.calls).toBe(2);

    const phases = inBrowser.progress.map((p) => p.phase);
    expect(phases[0]).toBe('fetch');
    expect(phases.at(-1)).toBe('done');
    expect(inBrowser.progress.at(-1)!.fraction).toBe(1);
    expect(inBrowser.progress.some((p) => (p.totalBytes ?? 0) > 0)).toBe(true);
  });

  it('classifies with label log-probs equal to Node within 1e-4', async () => {
    const inputs: Omit<ClassifyInput, 'task'>[] = [
      { template: 0, fields: { input: 'The movie was wonderful, I loved every minute.' }, bos: true, mode: 'paper', method: 'first-token' },
      { template: 1, fields: { input: 'A dull, lifeless film.' }, bos: true, mode: 'in-context', method: 'full-label' },
    ];
    const inBrowser = await page.evaluate(
      async ({ modelId, origin, inputs }) => {
        const t = window.ftlabTest;
        const client = t.createEngineClient();
        try {
          await client.load({ id: modelId, url: `${origin}/models/${modelId}/` });
          const task = t.PAPER_TASKS.find((x) => x.id === 'sentiment')!;
          const out = [];
          for (const input of inputs) out.push((await t.classify(client, { ...input, task })).scores);
          return out;
        } finally {
          client.terminate();
        }
      },
      { modelId, origin: h.origin, inputs },
    );
    const engine = nodeEngines.get(modelId)!;
    const { SENTIMENT } = await import('../../src/core/tasks/index.ts');
    for (const [i, input] of inputs.entries()) {
      const inNode = (await classify(engine, { ...input, task: SENTIMENT })).scores;
      const got = inBrowser[i];
      expect(got.labels).toEqual(['positive', 'negative']);
      expect(got.tokenIds).toEqual(inNode.tokenIds);
      expect(got.logprobs).toHaveLength(2);
      got.logprobs.forEach((lp, j) => {
        expect(Number.isFinite(lp)).toBe(true);
        expect(Math.abs(lp - inNode.logprobs[j])).toBeLessThan(1e-4);
      });
      expect(got.prediction).toBe(inNode.prediction);
      expect(got.probs.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    }
    // The paper's fixed ids for sentiment are the Llama-2 vocabulary's "pos"/"negative".
    expect(inBrowser[0].tokenIds).toEqual([1066, 22198]);
  });
});

describe('cpu backend in the worker: control and failures', () => {
  const MODEL = MODELS[0];

  it('interrupt() stops a long generation between decode steps', async () => {
    const r = await page.evaluate(
      async ({ modelId, origin }) => {
        const client = window.ftlabTest.createEngineClient();
        try {
          await client.load({ id: modelId, url: `${origin}/models/${modelId}/` });
          const t0 = performance.now();
          const running = client.generate({ prompt: { text: 'Once upon a time', bos: true }, maxTokens: 4000, stopAtEos: false });
          await new Promise((res) => setTimeout(res, 300));
          await client.interrupt();
          const result = await running;
          return { finishReason: result.finishReason, n: result.tokenIds.length, ms: performance.now() - t0 };
        } finally {
          client.terminate();
        }
      },
      { modelId: MODEL, origin: h.origin },
    );
    expect(r.finishReason).toBe('interrupted');
    expect(r.n).toBeGreaterThan(0);
    expect(r.n).toBeLessThan(4000);
  });

  it('keeps code, hint, class and fields of an FtlabError across the worker boundary', async () => {
    const r = await page.evaluate(
      async ({ modelId, origin }) => {
        const t = window.ftlabTest;
        const client = t.createEngineClient();
        const describe = (e: unknown): Record<string, unknown> => {
          const err = e as Record<string, unknown> & Error;
          return {
            name: err.name,
            message: err.message,
            code: err.code,
            hint: err.hint,
            isFtlab: e instanceof t.FtlabError,
            isContextWindow: e instanceof t.engineErrors.ContextWindowExceededError,
            isNotLoaded: e instanceof t.engineErrors.ModelNotLoadedError,
            promptTokens: err.promptTokens,
            contextWindow: err.contextWindow,
          };
        };
        try {
          const notLoaded = await client.generate({ prompt: { text: 'x', bos: true }, maxTokens: 1 }).then((): Record<string, unknown> => ({}), describe);
          await client.load({ id: modelId, url: `${origin}/models/${modelId}/`, contextWindow: 32 });
          const tooLong = await client.generate({ prompt: { text: 'word '.repeat(40), bos: true }, maxTokens: 8 }).then((): Record<string, unknown> => ({}), describe);
          const badId = await client.scoreNext({ ids: [1, 999999] }, [5]).then((): Record<string, unknown> => ({}), describe);
          return { notLoaded, tooLong, badId };
        } finally {
          client.terminate();
        }
      },
      { modelId: MODEL, origin: h.origin },
    );
    expect(r.notLoaded).toMatchObject({ code: 'model-not-loaded', isFtlab: true, isNotLoaded: true, hint: 'load a model first' });
    expect(r.tooLong).toMatchObject({ code: 'context-window-exceeded', isFtlab: true, isContextWindow: true, contextWindow: 32 });
    expect(r.tooLong.hint).toMatch(/shorten the prompt/);
    expect(r.tooLong.promptTokens).toBeGreaterThan(32);
    expect(r.tooLong.message).toMatch(/exceed the context window of 32 tokens/);
    expect(r.badId).toMatchObject({ code: 'engine-request', isFtlab: true });
  });

  it('error class names survive the production build (minifier keepNames)', async () => {
    // FtlabError sets name from new.target.name; a minifier that renames classes turns
    // "ContextWindowExceededError" into a single letter in the UI and in logs.
    const names = await page.evaluate(async () => {
      const t = window.ftlabTest;
      const client = t.createEngineClient();
      try {
        const fromWorker = await client.tokenize('x').catch((e: Error) => e.name);
        return { fromWorker, onPage: new t.engineErrors.ModelNotLoadedError('x').name };
      } finally {
        client.terminate();
      }
    });
    expect(names).toEqual({ fromWorker: 'ModelNotLoadedError', onPage: 'ModelNotLoadedError' });
  });

  it('fails fast with the network error when the model host is unreachable (never hangs)', async () => {
    // A port that was just free and is now closed: connections are refused at once.
    const { createServer } = await import('node:net');
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', () => r()));
    const port = (probe.address() as { port: number }).port;
    await new Promise<void>((r) => probe.close(() => r()));

    const t0 = Date.now();
    const r = await page.evaluate(async (url) => {
      const client = window.ftlabTest.createEngineClient();
      try {
        await client.load({ id: 'unreachable', url });
        return { ok: true as const };
      } catch (e) {
        const err = e as Error & { code?: string; hint?: string; file?: string };
        return { ok: false as const, name: err.name, code: err.code, hint: err.hint, file: err.file, message: err.message };
      } finally {
        client.terminate();
      }
    }, `http://127.0.0.1:${port}/models/tiny-random-llama-f32/`);
    const elapsed = Date.now() - t0;
    expect(r).toMatchObject({ ok: false, code: 'network', file: 'mlc-chat-config.json' });
    expect(r.ok === false && r.hint).toBeTruthy();
    expect(r.ok === false && r.message).toMatch(/Failed to fetch|fetch/i);
    expect(elapsed).toBeLessThan(10_000);
  });

  it('a worker whose script fails to load rejects calls with engine-worker-crashed instead of hanging', async () => {
    const r = await page.evaluate(async () => {
      const t = window.ftlabTest;
      const client = t.createEngineClient({ worker: new Worker('/no-such-worker.js', { type: 'module' }) });
      const t0 = performance.now();
      try {
        await client.tokenize('x');
        return null;
      } catch (e) {
        return { code: (e as { code?: string }).code, hint: (e as { hint?: string }).hint, ms: performance.now() - t0, isWorkerError: e instanceof t.EngineWorkerError };
      } finally {
        client.terminate();
      }
    });
    expect(r).toMatchObject({ code: 'engine-worker-crashed', isWorkerError: true });
    expect(r?.hint).toMatch(/reload the page/);
    expect(r!.ms).toBeLessThan(5_000);
  });

  it('a 404 on a model file names the file', async () => {
    const r = await page.evaluate(async (origin) => {
      const client = window.ftlabTest.createEngineClient();
      try {
        await client.load({ id: 'nope', url: `${origin}/models/no-such-model/` });
        return null;
      } catch (e) {
        return { code: (e as { code?: string }).code, message: (e as Error).message };
      } finally {
        client.terminate();
      }
    }, h.origin);
    expect(r).toMatchObject({ code: 'artifact-missing' });
    expect(r?.message).toMatch(/HTTP 404/);
  });
});
