/**
 * The Engine contract on the webgpu backend's logic, over a test double of web-llm (no GPU on
 * this machine, and no model library compiled for the tiny model).
 *
 * What is real here: WebGpuBackend (load sequence, registry entry and URL normalization, model
 * library pre-flight over HTTP, context window, resetChat/forwardTokensAndSample sequencing,
 * LogitCapture, error mapping), the SequenceRunner loops it shares with the cpu backend, and the
 * model's tokenizer through @mlc-ai/web-tokenizers (the real WASM tokenizers-cpp) and the
 * backend's own adapter of it. What is a double: web-llm's MLCEngine (WebLlmEngineDouble, whose
 * logits come from the cpu backend's Llama forward pass on the same weights) and navigator.gpu.
 * So this shows the backend's loops produce the cpu engine's ids and log-probs given the same
 * logits; it says nothing about web-llm's WebGPU kernels, which only a GPU can check.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { WebGpuBackend, WebGpuContext } from '../../workers/backends/webgpu/backend.ts';
import { describeEngineContract } from './engine-contract.ts';
import { folderWithEos, modelFacts, referenceEngine, TINY_F32, TINY_IDS, TINY_Q4, tinyModelDirs } from './tiny-models.ts';
import { gpuDouble, serveModelFolders, WebLlmEngineDouble, type DoubleCall } from './web-llm-double.ts';

// @mlc-ai/web-tokenizers 0.1.6 is a UMD bundle: evaluated as an ES module in Node it exports
// nothing and publishes `globalThis.tokenizers` instead, and its emscripten start-up calls
// require() unless `location` exists. Give it a location (its own file URL) and hand the real
// Tokenizer to the backend's dynamic import. The tokenizer itself is the real WASM build.
vi.hoisted(() => {
  (globalThis as { location?: unknown }).location ??= { href: new URL('../../node_modules/@mlc-ai/web-tokenizers/lib/index.js', import.meta.url).href };
});
vi.mock('@mlc-ai/web-tokenizers', async (importOriginal) => {
  await importOriginal();
  const published = (globalThis as { tokenizers?: { Tokenizer: unknown } }).tokenizers;
  if (!published) throw new Error('@mlc-ai/web-tokenizers did not publish globalThis.tokenizers');
  return { Tokenizer: published.Tokenizer, default: published };
});

const extraFolders: Record<string, string> = {};
let server: Awaited<ReturnType<typeof serveModelFolders>>;
let tmp: string;
const doubles: WebLlmEngineDouble[] = [];

beforeAll(async () => {
  vi.stubGlobal('navigator', { gpu: gpuDouble() });
  tmp = mkdtempSync(path.join(tmpdir(), 'ftlab-contract-webgpu-'));
  server = await serveModelFolders(() => ({ ...tinyModelDirs(), ...extraFolders }));
});
afterAll(async () => {
  await server?.close();
  rmSync(tmp, { recursive: true, force: true });
  vi.unstubAllGlobals();
});

function newBackend(): WebGpuBackend {
  return new WebGpuBackend(new WebGpuContext(), {
    baseUrl: server.url,
    createMlcEngine: () => {
      const d = new WebLlmEngineDouble();
      doubles.push(d);
      return d;
    },
  });
}

const libUrl = () => `${server.url}lib/tiny-random-llama-double-webgpu.wasm`;
const modelUrl = (name: string) => `${server.url}models/${name}/`;

for (const id of TINY_IDS) {
  describeEngineContract(`Engine contract: webgpu backend logic over a web-llm test double (no GPU on this machine) (${id})`, async () => {
    const dir = tinyModelDirs()[id];
    const reference = await referenceEngine(id, dir);
    return {
      backend: 'webgpu',
      facts: modelFacts(dir),
      createEngine: newBackend,
      spec: { id, url: modelUrl(id), modelLib: libUrl() },
      specWithEos: async (eosId) => {
        const name = `${id}-eos${eosId}`;
        extraFolders[name] = folderWithEos(dir, eosId, tmp);
        return { id: name, url: modelUrl(name), modelLib: libUrl() };
      },
      reference,
      dispose: () => reference.unload(),
    };
  });
}

describe('webgpu backend drives web-llm as web-llm needs (test double, no GPU)', () => {
  it('resetChat before a sequence that shares nothing with the cache, PopN back to what the next one shares, the prompt ids as one prefill, decode steps of one id, capture registered at reload', async () => {
    const backend = newBackend();
    await backend.load({ id: TINY_F32, url: modelUrl(TINY_F32), modelLib: libUrl(), contextWindow: 64 });
    const double = doubles.at(-1)!;
    expect(double.calls[0]).toEqual({ kind: 'reload', modelId: TINY_F32, contextWindow: 64 });
    const prompt = { text: 'Review: fine.\nSentiment:', bos: true };
    const ids = await backend.tokenize(prompt.text, { bos: true });
    const other = { text: 'Review: bad.\nSentiment:', bos: true };
    const otherIds = await backend.tokenize(other.text, { bos: true });
    let shared = 0;
    while (ids[shared] === otherIds[shared]) shared++;
    const from = double.calls.length;
    const g = await backend.generate({ prompt, maxTokens: 3, stopAtEos: false });
    await backend.loglikelihood(prompt, [5, 6]);
    await backend.scoreNext(prompt, [5]);
    await backend.scoreNext(other, [5]);
    await backend.scoreNext({ ids: [5, 6] }, [5]);
    const n = ids.length;
    const calls: DoubleCall[] = double.calls.slice(from);
    expect(calls).toEqual([
      { kind: 'resetChat' },
      { kind: 'forward', ids, isPrefill: true, kvBefore: 0 },
      { kind: 'forward', ids: [g.tokenIds[0]], isPrefill: false, kvBefore: n },
      { kind: 'forward', ids: [g.tokenIds[1]], isPrefill: false, kvBefore: n + 1 },
      // The same prompt again: its last id is run again (its logits are needed), the rest kept.
      { kind: 'popn', n: 3, kvBefore: n + 2 },
      { kind: 'forward', ids: ids.slice(-1), isPrefill: true, kvBefore: n - 1 },
      { kind: 'forward', ids: [5], isPrefill: false, kvBefore: n },
      { kind: 'popn', n: 2, kvBefore: n + 1 },
      { kind: 'forward', ids: ids.slice(-1), isPrefill: true, kvBefore: n - 1 },
      // Another prompt: what it shares stays.
      { kind: 'popn', n: n - shared, kvBefore: n },
      { kind: 'forward', ids: otherIds.slice(shared), isPrefill: true, kvBefore: shared },
      // Nothing shared: the cache is emptied.
      { kind: 'resetChat' },
      { kind: 'forward', ids: [5, 6], isPrefill: true, kvBefore: 0 },
    ]);
    // The context window (64 here) is checked by the backend: web-llm would be asked for nothing.
    const before = double.calls.length;
    await expect(backend.generate({ prompt: { ids: new Array(60).fill(5) }, maxTokens: 5 })).rejects.toMatchObject({ code: 'context-window-exceeded' });
    expect(double.calls.length).toBe(before);
    await backend.unload();
    expect(double.calls.at(-1)).toEqual({ kind: 'unload' });
  });

  it('a load with the same weights and library as the loaded model (another EOS id, a smaller window) keeps web-llm\'s pipeline; other weights or a larger window reload', async () => {
    const backend = newBackend();
    const base = { id: TINY_F32, url: modelUrl(TINY_F32), modelLib: libUrl(), contextWindow: 64 };
    await backend.load(base);
    const double = doubles.at(-1)!;
    const reloads = () => double.calls.filter((c) => c.kind === 'reload').map((c) => (c.kind === 'reload' ? c.modelId : ''));
    const free = await backend.generate({ prompt: { text: 'Review: fine.\nSentiment:', bos: true }, maxTokens: 3, stopAtEos: false });
    // Another folder: mlc-chat-config.json with another eos_token_id, the same tensor-cache.json and shards.
    const eosName = `${TINY_F32}-eos${free.tokenIds[1]}`;
    extraFolders[eosName] = folderWithEos(tinyModelDirs()[TINY_F32], free.tokenIds[1], tmp);
    const progress: string[] = [];
    const info = await backend.load({ id: eosName, url: modelUrl(eosName), modelLib: libUrl(), contextWindow: 32 }, (p) => progress.push(p.text));
    expect(info).toMatchObject({ id: eosName, eosId: free.tokenIds[1], contextWindow: 32 });
    expect(reloads()).toEqual([TINY_F32]);
    expect(progress.at(-1)).toMatch(/already on the GPU/);
    expect(backend.loadedEntry()?.id).toBe(eosName);
    // It runs on the kept pipeline, with the new EOS id and window.
    expect(await backend.generate({ prompt: { text: 'Review: fine.\nSentiment:', bos: true }, maxTokens: 3 })).toMatchObject({ finishReason: 'eos', tokenIds: free.tokenIds.slice(0, 1) });
    await expect(backend.generate({ prompt: { ids: new Array(30).fill(5) }, maxTokens: 3 })).rejects.toMatchObject({ code: 'context-window-exceeded' });
    // A window larger than the loaded KV cache: reload.
    await backend.load({ ...base, contextWindow: 128 });
    expect(reloads()).toEqual([TINY_F32, TINY_F32]);
    // Other weights (another quantization): reload.
    await backend.load({ id: TINY_Q4, url: modelUrl(TINY_Q4), modelLib: libUrl(), contextWindow: 64 });
    expect(reloads()).toEqual([TINY_F32, TINY_F32, TINY_Q4]);
    await backend.unload();
  });

  it('the q4f16_1 model is refused on an adapter without shader-f16, before web-llm is asked', async () => {
    vi.stubGlobal('navigator', {
      gpu: {
        requestAdapter: async () => {
          const a = (await gpuDouble().requestAdapter()) as { features: Set<string> };
          return { ...a, features: new Set<string>() };
        },
      },
    });
    try {
      const backend = newBackend();
      const made = doubles.length;
      const err = await backend.load({ id: TINY_Q4, url: modelUrl(TINY_Q4), modelLib: libUrl() }).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'webgpu-no-shader-f16' });
      expect(doubles.length).toBe(made);
    } finally {
      vi.stubGlobal('navigator', { gpu: gpuDouble() });
    }
  });
});
