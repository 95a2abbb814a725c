/**
 * The openai backend against a REAL OpenAI-compatible server: llama-cpp-python's (llama.cpp on
 * CPU), serving the tiny random Llamas exported to GGUF by scripts/export-gguf.ts, started on
 * 127.0.0.1 here and stopped after. What runs:
 * - the Engine contract on the openai backend, cross-checked against the cpu engine on the same
 *   weights (same greedy ids; log-probs within OPENAI_TOLERANCE: llama.cpp's float32 kernels
 *   accumulate in another order than the TypeScript ones);
 * - errors from the real server: a model name it does not serve, a timeout, its HTTP 500 (a
 *   token-id prompt, which it cannot take), and the server gone;
 * (`ftlab eval --engine openai` itself, with concurrency, two base URLs and resume, runs against
 * the server double in eval-cli.test.ts: llama-cpp-python sorts the whole vocabulary in Python at
 * every echoed position, which makes a full plan on it minutes long on a shared machine.)
 *
 * The GGUFs are exported with add_bos_token false: llama-cpp-python then adds no BOS of its own,
 * and a prompt with BOS goes as "<s>" + text (read as the BOS token), so both kinds of prompt can
 * be sent. Teacher forcing needs BOS on this server (README: "Scale out"), so the contract's
 * teacher-forcing checks use the BOS prompt here.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { exportGguf } from '../../scripts/export-gguf.ts';
import { FtlabError } from '../../src/core/errors.ts';
import { nodeFileSource } from '../../workers/backends/cpu/node-file-source.ts';
import { OpenAiEngine } from '../../workers/backends/openai/index.ts';
import { describeEngineContract } from '../contract/engine-contract.ts';
import { modelFacts, referenceEngine, TINY_F32, tinyModelDirs } from '../contract/tiny-models.ts';
import { OPENAI_TOLERANCE, startLlamaServer, type LlamaServer } from './llama-server.ts';


const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ftlab-llama-server-'));
let ggufs: Promise<Record<string, string>> | undefined;

/** The tiny models as GGUF (exported once per test file). */
function tinyGgufs(): Promise<Record<string, string>> {
  ggufs ??= (async () => {
    const dirs = tinyModelDirs();
    const out: Record<string, string> = {};
    for (const id of [TINY_F32]) {
      out[id] = path.join(tmp, `${id}.gguf`);
      await exportGguf(dirs[id], out[id], { addBos: false });
    }
    return out;
  })();
  return ggufs;
}

afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

// llama-cpp-python sorts the whole vocabulary in Python at every echoed position: on a loaded
// 2-core machine one teacher-forcing check takes tens of seconds.
vi.setConfig({ testTimeout: 240_000, hookTimeout: 240_000 });

describeEngineContract(`Engine contract: openai backend against llama.cpp's server (llama-cpp-python, ${TINY_F32})`, async () => {
  const dir = tinyModelDirs()[TINY_F32];
  const server = await startLlamaServer([{ alias: TINY_F32, gguf: (await tinyGgufs())[TINY_F32] }], { dir: tmp });
  const reference = await referenceEngine(TINY_F32, dir);
  return {
    backend: 'openai',
    facts: modelFacts(dir),
    capabilities: { fullVocabulary: false, eosOverride: false, interruptKeepsTokens: false, stepStats: false, teacherForcingWithoutBos: false, stopTokenIds: false, idContinuations: false },
    createEngine: () => new OpenAiEngine({ baseUrls: [server.url], openFiles: nodeFileSource, retries: 1, backoffMs: 50 }),
    spec: { id: TINY_F32, url: dir },
    specWithEos: async () => ({ id: TINY_F32, url: dir }),
    reference,
    tolerance: OPENAI_TOLERANCE,
    dispose: async () => {
      await server.stop();
      await reference.unload();
    },
  };
});

async function rejection(p: Promise<unknown>): Promise<FtlabError> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(FtlabError);
  return e as FtlabError;
}

describe('openai backend: errors from the real server', () => {
  let server: LlamaServer;
  const dir = tinyModelDirs()[TINY_F32];
  beforeAll(async () => {
    server = await startLlamaServer([{ alias: TINY_F32, gguf: (await tinyGgufs())[TINY_F32] }], { dir: tmp });
  });
  afterAll(async () => server?.stop());

  it('the probe finds how llama-cpp-python treats BOS and its log-prob keys', async () => {
    const e = new OpenAiEngine({ baseUrls: [server.url], openFiles: nodeFileSource });
    await e.load({ id: TINY_F32, url: dir });
    expect(e.capabilities).toEqual({
      kind: 'llama-cpp-python',
      addsBos: false,
      addSpecialTokensParam: false,
      bosAsText: true,
      tokenIdsInLogprobs: false,
      logprobTokenIds: false,
      echoNeedsBos: true,
      ignoreEos: false,
    });
    expect(e.warnings).toEqual([]);
  });

  it('a model name the server does not serve: model-not-served (it would answer with its loaded model)', async () => {
    const e = new OpenAiEngine({ baseUrls: [server.url], openFiles: nodeFileSource });
    const err = await rejection(e.load({ id: 'tiny-random-llama-typo', url: dir }));
    expect(err.code).toBe('model-not-served');
    expect(err.message).toContain(`"${TINY_F32}"`);
  });

  it('a timeout shorter than the request: server-timeout', async () => {
    const e = new OpenAiEngine({ baseUrls: [server.url], openFiles: nodeFileSource, retries: 0 });
    await e.load({ id: TINY_F32, url: dir });
    const slow = new OpenAiEngine({ baseUrls: [server.url], openFiles: nodeFileSource, retries: 1, backoffMs: 10, timeoutMs: 1 });
    await expect(slow.load({ id: TINY_F32, url: dir })).rejects.toMatchObject({ code: 'server-timeout' });
  });

  it('its HTTP 500 (a token-id prompt, which it cannot take) is retried, then server-http 500', async () => {
    const e = new OpenAiEngine({ baseUrls: [server.url], openFiles: nodeFileSource, retries: 1, backoffMs: 10 });
    const err = await rejection(e.pool.post('/completions', { model: TINY_F32, prompt: [1, 450, 278], max_tokens: 1 }));
    expect(err).toMatchObject({ code: 'server-http', status: 500 });
    expect(e.poolStats.retries).toBe(1);
  });

  it('the server gone: server-unreachable', async () => {
    const other = await startLlamaServer([{ alias: TINY_F32, gguf: (await tinyGgufs())[TINY_F32] }], { dir: tmp });
    const e = new OpenAiEngine({ baseUrls: [other.url], openFiles: nodeFileSource, retries: 1, backoffMs: 10 });
    await e.load({ id: TINY_F32, url: dir });
    await other.stop();
    const err = await rejection(e.generate({ prompt: { text: 'Hello', bos: true }, maxTokens: 2 }));
    expect(err.code).toBe('server-unreachable');
    expect(err.message).toContain(other.url);
  });
});
