/**
 * The openai backend's client logic against the zero-latency server double: errors after
 * retries (server down, wrong model name, timeout, 500, 4xx), retries that succeed (429, 500, a
 * dropped connection), N requests in flight, two base URLs, and what results record.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../src/core/engine.ts';
import { FtlabError } from '../../src/core/errors.ts';
import { createNodeCpuEngine } from '../../workers/backends/cpu/node.ts';
import { nodeFileSource } from '../../workers/backends/cpu/node-file-source.ts';
import { OpenAiEngine, type OpenAiEngineOptions } from '../../workers/backends/openai/index.ts';
import { TINY_F32, tinyModelDirs } from '../contract/tiny-models.ts';
import { startServerDouble, type ServerDouble } from './server-double.ts';

const PROMPT = { text: 'Review: the food was great.\nSentiment:', bos: true };

async function rejection(p: Promise<unknown>): Promise<FtlabError> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(FtlabError);
  return e as FtlabError;
}

/** A port nothing listens on (bound, then closed). */
async function deadPort(): Promise<number> {
  const s = http.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe('openai backend client', () => {
  let served: Engine;
  let a: ServerDouble;
  let b: ServerDouble;
  let dir: string;
  const engines: OpenAiEngine[] = [];
  const make = async (opts: Partial<OpenAiEngineOptions> = {}, load = true): Promise<OpenAiEngine> => {
    const e = new OpenAiEngine({ baseUrls: [a.url], openFiles: nodeFileSource, retries: 2, backoffMs: 1, ...opts });
    engines.push(e);
    if (load) await e.load({ id: TINY_F32, url: dir });
    return e;
  };

  beforeAll(async () => {
    dir = tinyModelDirs()[TINY_F32];
    served = createNodeCpuEngine();
    await served.load({ id: TINY_F32, url: dir });
    a = await startServerDouble({ engine: served, models: [TINY_F32, 'tiny-lora'], dialect: 'vllm' });
    b = await startServerDouble({ engine: served, models: [TINY_F32, 'tiny-lora'], dialect: 'vllm' });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await served?.unload();
  });

  it('server down: server-unreachable after the retries, naming the URL', async () => {
    const url = `http://127.0.0.1:${await deadPort()}/v1`;
    const e = new OpenAiEngine({ baseUrls: [url], openFiles: nodeFileSource, retries: 1, backoffMs: 1 });
    const err = await rejection(e.load({ id: TINY_F32, url: dir }));
    expect(err.code).toBe('server-unreachable');
    expect(err.message).toContain(url);
    expect(err.hint).toMatch(/running/);
  });

  it('a model name the server does not list: model-not-served, with the names it does serve', async () => {
    const e = await make({}, false);
    const err = await rejection(e.load({ id: 'tiny-typo', url: dir }));
    expect(err.code).toBe('model-not-served');
    expect(err.message).toContain('"tiny-random-llama-f32"');
  });

  it('a request that outlives the timeout: server-timeout (after its retries)', async () => {
    const e = await make({ timeoutMs: 2500, retries: 1 });
    a.faults.push({ delayMs: 6000 }, { delayMs: 6000 });
    const err = await rejection(e.generate({ prompt: PROMPT, maxTokens: 2 }));
    expect(err.code).toBe('server-timeout');
    expect(e.poolStats.retries).toBeGreaterThanOrEqual(1);
    a.faults.length = 0;
  }, 30_000);

  it('500 on every try: server-http 500 after the retries; 500 then success: retried', async () => {
    const e = await make({ retries: 2 });
    a.faults.push({ status: 500 }, { status: 500 }, { status: 500 });
    const err = await rejection(e.generate({ prompt: PROMPT, maxTokens: 2 }));
    expect(err).toMatchObject({ code: 'server-http', status: 500 });
    expect(err.message).toContain('injected 500');
    a.faults.push({ status: 500 }, { status: 503 });
    const ok = await e.generate({ prompt: PROMPT, maxTokens: 2, stopAtEos: false });
    expect(ok.tokenIds).toHaveLength(2);
  });

  it('429 (with Retry-After) and a dropped connection are retried', async () => {
    const e = await make({ retries: 3 });
    const before = e.poolStats.retries;
    a.faults.push({ status: 429, retryAfter: 0 }, { drop: true });
    const ok = await e.generate({ prompt: PROMPT, maxTokens: 2, stopAtEos: false });
    expect(ok.tokenIds).toHaveLength(2);
    expect(e.poolStats.retries - before).toBe(2);
  });

  it('a 4xx is the request\'s fault: raised at once with the server\'s message, never retried', async () => {
    const e = await make({ retries: 3 });
    const before = e.poolStats.requests;
    a.faults.push({ status: 400, body: JSON.stringify({ error: { message: 'max_tokens must be at least 1' } }) });
    const err = await rejection(e.generate({ prompt: PROMPT, maxTokens: 2 }));
    expect(err).toMatchObject({ code: 'server-http', status: 400 });
    expect(err.message).toContain('max_tokens must be at least 1');
    expect(e.poolStats.requests - before).toBe(1);
    a.faults.push({ status: 401 });
    expect((await rejection(e.generate({ prompt: PROMPT, maxTokens: 2 }))).hint).toMatch(/--api-key-env/);
  });

  it('keeps at most N requests in flight', async () => {
    const e = await make({ concurrency: 3 });
    a.maxInFlight = 0;
    a.faults.push(...Array.from({ length: 12 }, () => ({ delayMs: 20 })));
    await Promise.all(Array.from({ length: 12 }, () => e.generate({ prompt: PROMPT, maxTokens: 1 })));
    expect(a.maxInFlight).toBe(3);
  });

  it('spreads requests over two base URLs, and records which served each result', async () => {
    const e = await make({ baseUrls: [a.url, b.url], concurrency: 4 });
    const na = a.requests.length;
    const nb = b.requests.length;
    const results = await Promise.all(Array.from({ length: 8 }, () => e.generate({ prompt: PROMPT, maxTokens: 1 })));
    expect(a.requests.length - na).toBeGreaterThan(0);
    expect(b.requests.length - nb).toBeGreaterThan(0);
    const urls = new Set(results.flatMap((r) => r.servedBy!.urls));
    expect(urls).toEqual(new Set([a.url, b.url]));
    expect(results[0].servedBy).toMatchObject({ backend: 'openai', model: TINY_F32 });
  });

  it('never sends max_tokens 0, a token-id prompt or more than 20 logprobs', async () => {
    const e = await make();
    const start = a.requests.length;
    expect(await e.generate({ prompt: PROMPT, maxTokens: 0 })).toMatchObject({ tokenIds: [], finishReason: 'length' });
    await e.scoreNext(PROMPT, [1066, 22198], { topK: 50 });
    await e.generate({ prompt: { ids: await e.tokenize(PROMPT.text, { bos: true }) }, maxTokens: 1 });
    for (const r of a.requests.slice(start).filter((q) => q.path === '/v1/completions')) {
      expect(typeof r.body.prompt).toBe('string');
      expect(r.body.max_tokens).toBeGreaterThanOrEqual(1);
      expect(Number(r.body.logprobs ?? 0)).toBeLessThanOrEqual(20);
      expect(r.body.temperature).toBe(0);
    }
  });

  it('vLLM: label log-probs in one logprob_token_ids request, and the record says so', async () => {
    const e = await make();
    expect(e.capabilities).toMatchObject({ kind: 'vllm', addsBos: true, addSpecialTokensParam: true, tokenIdsInLogprobs: true, logprobTokenIds: true });
    const start = a.requests.length;
    const r = await e.scoreNext(PROMPT, [1066, 22198]);
    const sent = a.requests.slice(start).filter((q) => q.path === '/v1/completions');
    expect(sent).toHaveLength(1);
    expect(sent[0].body.logprob_token_ids).toEqual([1066, 22198]);
    expect(r.servedBy!.features).toContain('logprob-token-ids');
    const ref = await served.scoreNext(PROMPT, [1066, 22198]);
    expect(r.logprobs).toEqual(ref.logprobs);
  });

  it('a LoRA adapter is another model name: loaded, probed and recorded as its own model', async () => {
    const e = await make();
    await e.load({ id: 'tiny-lora', url: dir });
    const r = await e.generate({ prompt: PROMPT, maxTokens: 1 });
    expect(r.servedBy!.model).toBe('tiny-lora');
  });
});
