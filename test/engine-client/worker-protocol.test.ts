/**
 * The worker protocol and the page client, end to end over a real MessageChannel in Node:
 * comlink on both ends, the EngineHost on one and createEngineClient on the other, with a test
 * double engine. (The same plumbing runs in Chromium in test/browser/.)
 */
import { afterEach, describe, expect, it } from 'vitest';
import * as Comlink from 'comlink';
import type { Engine, LoadProgress, ModelSpec } from '../../src/core/engine.ts';
import { FtlabError } from '../../src/core/errors.ts';
import * as engineErrors from '../../src/core/engine-errors.ts';
import { ContextWindowExceededError, EngineRequestError, ModelNotLoadedError } from '../../src/core/engine-errors.ts';
import { EngineHost, type BackendFactories } from '../../workers/engine-host.ts';
import { decodeError, encodeError, installErrorTransfer } from '../../workers/protocol.ts';
import { createEngineClient, EngineWorkerError, type EngineClient } from '../../src/engine-client/index.ts';
import { PortWorker } from '../helpers/port-worker.ts';

const MODEL: ModelSpec = { id: 'double', url: '/models/double/' };

/** A test double engine: records calls, throws what it is told. */
function doubleEngine(name: string, log: string[]): Engine {
  let loaded = false;
  return {
    async load(model, onProgress) {
      log.push(`${name}.load(${model.id})`);
      onProgress?.({ phase: 'fetch', fraction: 0.5, loadedBytes: 5, totalBytes: 10, text: 'half' });
      onProgress?.({ phase: 'done', fraction: 1, text: 'done' });
      loaded = true;
      return { id: model.id, backend: name, vocabSize: 32, contextWindow: 8, bosId: 1, eosId: 2 };
    },
    async unload() {
      log.push(`${name}.unload`);
      loaded = false;
    },
    async tokenize(text) {
      return [...text].map((c) => c.charCodeAt(0));
    },
    async detokenize(ids) {
      return String.fromCharCode(...ids);
    },
    async generate(req) {
      if (!loaded) throw new ModelNotLoadedError('generate');
      const promptTokens = 'ids' in req.prompt ? req.prompt.ids.length : req.prompt.text.length;
      if (promptTokens + req.maxTokens > 8) throw new ContextWindowExceededError(promptTokens, req.maxTokens, 8);
      if (req.maxTokens === 7) throw new TypeError('Failed to fetch');
      return { text: 'ok', tokenIds: [3], finishReason: 'length', promptTokens, stats: { prefillTokens: 1, decodeTokens: 1, prefillMs: 0, decodeMs: 0 } };
    },
    async scoreNext() {
      throw new Error('not in this double');
    },
    async loglikelihood() {
      throw new Error('not in this double');
    },
    async interrupt() {
      log.push(`${name}.interrupt`);
    },
    async stats() {
      return { calls: 0, prefillTokens: 0, decodeTokens: 0, prefillMs: 0, decodeMs: 0 };
    },
  };
}

const open: MessagePort[] = [];
afterEach(() => {
  for (const p of open.splice(0)) p.close();
});

function setup(extras: Awaited<ReturnType<BackendFactories['webgpuExtras']>> = {}): { client: EngineClient; log: string[]; worker: PortWorker } {
  installErrorTransfer();
  const log: string[] = [];
  const host = new EngineHost({
    cpu: async () => doubleEngine('cpu', log),
    webgpu: async () => doubleEngine('webgpu', log),
    openai: async (server) => {
      log.push(`openai server ${server.baseUrls.join(' ')}`);
      return doubleEngine('openai', log);
    },
    webgpuExtras: async () => extras,
  });
  const { port1, port2 } = new MessageChannel();
  open.push(port1, port2);
  Comlink.expose(host, port1);
  const worker = new PortWorker(port2);
  return { client: createEngineClient({ worker: worker as unknown as Worker }), log, worker };
}

describe('error wire format', () => {
  it('round-trips an FtlabError subclass with code, hint, fields and its class', () => {
    const err = decodeError(encodeError(new ContextWindowExceededError(10, 5, 12)));
    expect(err).toBeInstanceOf(ContextWindowExceededError);
    expect(err).toBeInstanceOf(FtlabError);
    const e = err as ContextWindowExceededError;
    expect([e.name, e.code, e.promptTokens, e.contextWindow]).toEqual(['ContextWindowExceededError', 'context-window-exceeded', 10, 12]);
    expect(e.hint).toMatch(/shorten the prompt/);
  });

  it('rebuilds every shared engine error class by its code', () => {
    type AnyErrorClass = new (...args: string[]) => FtlabError;
    const classes = (Object.values(engineErrors) as unknown[]).filter(
      (c): c is AnyErrorClass => typeof c === 'function' && c.prototype instanceof FtlabError && c !== engineErrors.ArtifactError,
    );
    expect(classes.length).toBeGreaterThanOrEqual(7);
    for (const C of classes) {
      const original = new C('a', 'b', 'c', 'd');
      const back = decodeError({ ...encodeError(original), name: 'Mangled' });
      expect(back, C.name).toBeInstanceOf(C);
      expect((back as FtlabError).code).toBe(original.code);
    }
  });

  it('keeps a plain error a plain error, with its name and cause', () => {
    const err = decodeError(encodeError(new Error('load failed', { cause: new TypeError('Failed to fetch') })));
    expect(err).not.toBeInstanceOf(FtlabError);
    expect((err.cause as Error).name).toBe('TypeError');
    expect((err.cause as Error).message).toBe('Failed to fetch');
  });

  it('rebuilds an unknown FtlabError subclass as an FtlabError with its name', () => {
    class OddError extends FtlabError {}
    const err = decodeError(encodeError(new OddError('odd-code', 'odd', 'do the odd thing')));
    expect(err).toBeInstanceOf(FtlabError);
    expect([err.name, (err as FtlabError).code, (err as FtlabError).hint]).toEqual(['OddError', 'odd-code', 'do the odd thing']);
  });
});

describe('engine client over comlink', () => {
  it('streams load progress through a proxy and returns the loaded model', async () => {
    const { client } = setup();
    const seen: LoadProgress[] = [];
    const info = await client.load(MODEL, (p) => seen.push(p));
    expect(info.backend).toBe('cpu');
    // Progress calls are fire-and-forget messages: give the port a turn to deliver them.
    await new Promise((r) => setTimeout(r, 20));
    expect(seen.map((p) => [p.phase, p.fraction])).toEqual([
      ['fetch', 0.5],
      ['done', 1],
    ]);
    expect(seen[0].loadedBytes).toBe(5);
  });

  it('delivers FtlabErrors thrown in the worker with code and hint', async () => {
    const { client } = setup();
    await client.load(MODEL);
    const err = await client.generate({ prompt: { text: 'abcdef', bos: false }, maxTokens: 5 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ContextWindowExceededError);
    expect((err as FtlabError).code).toBe('context-window-exceeded');
    expect((err as FtlabError).hint).toMatch(/context window/);
  });

  it('delivers a native error with its name', async () => {
    const { client } = setup();
    await client.load(MODEL);
    const err = await client.generate({ prompt: { ids: [1] }, maxTokens: 7 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect([(err as Error).name, (err as Error).message]).toEqual(['TypeError', 'Failed to fetch']);
  });

  it('refuses engine calls before load with ModelNotLoadedError', async () => {
    const { client } = setup();
    const err = await client.tokenize('x').catch((e: unknown) => e);
    expect((err as FtlabError).code).toBe('model-not-loaded');
  });

  it('rejects an unknown backend with engine-request', async () => {
    const { client } = setup();
    const err = await client.load(MODEL, undefined, { backend: 'tpu' as never }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EngineRequestError);
  });

  it('switching backends unloads the other backend first', async () => {
    const { client, log } = setup();
    await client.load(MODEL);
    await client.load(MODEL, undefined, { backend: 'webgpu' });
    expect(await client.currentBackend()).toBe('webgpu');
    expect(log).toEqual(['cpu.load(double)', 'cpu.unload', 'webgpu.load(double)']);
    await client.selectBackend('cpu');
    await client.interrupt();
    expect(log.at(-1)).toBe('webgpu.interrupt');
  });

  it('an openai load needs its server, gets an engine of its own per server, and frees the previous model', async () => {
    const { client, log } = setup();
    const err = await client.load(MODEL, undefined, { backend: 'openai' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EngineRequestError);
    expect((err as FtlabError).message).toMatch(/needs a server/);
    await client.load(MODEL);
    await client.load(MODEL, undefined, { backend: 'openai', server: { baseUrls: ['http://a/v1'] } });
    await client.load(MODEL, undefined, { backend: 'openai', server: { baseUrls: ['http://b/v1', 'http://c/v1'] } });
    expect(await client.currentBackend()).toBe('openai');
    expect(log).toEqual(['cpu.load(double)', 'openai server http://a/v1', 'cpu.unload', 'openai.load(double)', 'openai server http://b/v1 http://c/v1', 'openai.unload', 'openai.load(double)']);
  });

  it('forwards webgpu extras and says which exist', async () => {
    const { client } = setup({ capabilityReport: async () => ({ webgpu: false, recommended: 'q4f32_1' }) });
    expect(await client.webgpuExtras()).toEqual(['capabilityReport']);
    expect(await client.capabilityReport()).toEqual({ webgpu: false, recommended: 'q4f32_1' });
    const err = await client.storageEstimate().catch((e: unknown) => e);
    expect((err as FtlabError).code).toBe('engine-unavailable');
  });

  it('passes a progress callback to the extras that report progress (folder import)', async () => {
    const { client } = setup({
      importLocalFolder: async (source: unknown, onProgress?: (p: unknown) => void) => {
        onProgress?.({ phase: 'verify', file: 'a.bin', done: 1, total: 1, bytesDone: 3, bytesTotal: 3 });
        onProgress?.({ phase: 'write', file: 'a.bin', done: 1, total: 1, bytesDone: 3, bytesTotal: 3 });
        return { id: 'm', files: (source as unknown[]).length };
      },
    });
    const seen: string[] = [];
    const result = await client.importLocalFolder([new File(['abc'], 'a.bin')], (p) => seen.push(`${p.phase} ${p.file} ${p.bytesDone}`));
    expect(result).toEqual({ id: 'm', files: 1 });
    await expect.poll(() => seen).toEqual(['verify a.bin 3', 'write a.bin 3']);
    // Without a callback the extra gets only its own arguments.
    const { client: plain } = setup({ importLocalFolder: async (...args: unknown[]) => ({ id: 'm', files: args.length }) });
    expect(await plain.importLocalFolder([])).toEqual({ id: 'm', files: 1 });
  });

  it('rejects pending and later calls when the worker dies, instead of hanging', async () => {
    const { client, worker } = setup();
    // A load that never answers: the host is behind a port we stop delivering to.
    const { port1, port2 } = new MessageChannel();
    open.push(port1, port2);
    const silent = new PortWorker(port2);
    const stuck = createEngineClient({ worker: silent as unknown as Worker });
    const pending = stuck.load(MODEL).catch((e: unknown) => e);
    silent.crash('boom at start-up');
    const err = await pending;
    expect(err).toBeInstanceOf(EngineWorkerError);
    expect((err as FtlabError).code).toBe('engine-worker-crashed');
    expect((err as FtlabError).message).toMatch(/boom at start-up/);

    client.terminate();
    expect(worker.terminated).toBe(true);
    const after = await client.tokenize('x').catch((e: unknown) => e);
    expect((after as FtlabError).code).toBe('engine-worker-terminated');
  });
});
