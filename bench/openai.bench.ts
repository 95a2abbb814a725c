/**
 * The openai backend (a client of an OpenAI-compatible server), in ratios within one run:
 *
 * 1. The client's own cost per sample: generation prompts sent through OpenAiEngine to the
 *    server double (a real HTTP server on 127.0.0.1) in front of a zero-cost engine (every call
 *    answers at once), against the baseline of calling that engine directly; the double's own
 *    answering time (JSON, the log-prob keys) is measured and subtracted. What is left is what the
 *    client (local tokenization, checks, JSON) and HTTP add per sample (budget: < 2 ms). A bare
 *    HTTP round trip of the same request and answer bytes (fetch against a server that replies a
 *    canned body, in this process as the double is) is measured too, to split that into HTTP on
 *    127.0.0.1 and the client's own logic.
 * 2. Classification: requests and prompt tokens sent per sample (the paper's first-token method
 *    is one forward pass: on a server, one request when the label ids are in the top-k, else one
 *    teacher-forced request per label).
 * 3. Samples/s against the real llama.cpp server (llama-cpp-python, tiny model as GGUF) at 1, 2,
 *    4 and 8 requests in flight, when its venv is built (`bash .ci/setup.d/40-llama-server.sh`).
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { exportGguf } from '../scripts/export-gguf.ts';
import type { Engine } from '../src/core/engine.ts';
import { classifyPrompt } from '../src/core/scoring/index.ts';
import { getTask } from '../src/core/tasks/index.ts';
import { createNodeCpuEngine } from '../workers/backends/cpu/node.ts';
import { nodeFileSource } from '../workers/backends/cpu/node-file-source.ts';
import { OpenAiEngine } from '../workers/backends/openai/index.ts';
import { TINY_F32, tinyModelDirs } from '../test/contract/tiny-models.ts';
import { startServerDouble } from '../test/openai/server-double.ts';
import { llamaServerPython, startLlamaServer } from '../test/openai/llama-server.ts';

const PROMPTS = Array.from({ length: 40 }, (_, i) => `### Input:\nA short text about item ${i}, and what happened to it on day ${i % 7}.\n### Question:`);
const NEW_TOKENS = 4;

/**
 * An engine that answers at once: the tiny model's tokenizer (so the server double's answers are
 * well-formed), a fixed 4-token generation, no model compute.
 */
function zeroCostEngine(tok: Engine): Engine & { afterProbe(): void } {
  const stats = { prefillTokens: 0, decodeTokens: 0, prefillMs: 0, decodeMs: 0 };
  let probed = false;
  const ids = [450, 338, 263, 1243];
  let text = '';
  return {
    load: tok.load.bind(tok),
    unload: tok.unload.bind(tok),
    tokenize: tok.tokenize.bind(tok),
    detokenize: tok.detokenize.bind(tok),
    // The client's probe at load asks for real log-probs; after it, every answer is instant.
    scoreNext: async (prompt, ids, opts) => (probed ? { logprobs: ids.map(() => -1), top: [{ id: ids[0] ?? 0, token: '', logprob: -1 }], promptTokens: 10, stats } : tok.scoreNext(prompt, ids, opts)),
    afterProbe: () => {
      probed = true;
    },
    loglikelihood: tok.loglikelihood.bind(tok),
    interrupt: tok.interrupt.bind(tok),
    stats: tok.stats.bind(tok),
    generate: async () => {
      text ||= await tok.detokenize(ids);
      return { text, tokenIds: ids, finishReason: 'length', promptTokens: 10, stats };
    },
  };
}

/**
 * fetch round trips of this exact request body and answer body against a server that does
 * nothing else: what HTTP on 127.0.0.1 costs per request, server side included (it runs in this
 * process, as the double does).
 */
async function bareRoundTrips(request: unknown, answer: string, n: number): Promise<number> {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(answer);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/completions`;
  const body = JSON.stringify(request);
  const once = async () => JSON.parse(await (await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body })).text()) as unknown;
  for (let i = 0; i < 5; i++) await once(); // warm the connection
  const start = performance.now();
  for (let i = 0; i < n; i++) await once();
  const ms = performance.now() - start;
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
  return ms;
}

async function timeAll(engine: Engine, concurrency = 1): Promise<number> {
  const start = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < PROMPTS.length) {
        const text = PROMPTS[next++];
        await engine.generate({ prompt: { text, bos: true }, maxTokens: NEW_TOKENS, stopAtEos: false });
      }
    }),
  );
  return performance.now() - start;
}

export default async function openaiBench(): Promise<void> {
  const dir = tinyModelDirs()[TINY_F32];
  const cpu = createNodeCpuEngine();
  await cpu.load({ id: TINY_F32, url: dir });
  const zero = zeroCostEngine(cpu);
  const fast = await startServerDouble({ engine: zero, models: [TINY_F32], dialect: 'vllm', overlapMs: 0 });
  try {
    const client = new OpenAiEngine({ baseUrls: [fast.url], openFiles: nodeFileSource, concurrency: 1 });
    await client.load({ id: TINY_F32, url: dir });
    zero.afterProbe();
    await timeAll(zero); // warm both paths
    await timeAll(client);
    const direct = await timeAll(zero);
    const busyBefore = fast.busyMs;
    const viaHttp = await timeAll(client);
    const serverMs = fast.busyMs - busyBefore;
    const perSample = (viaHttp - serverMs - direct) / PROMPTS.length;
    // The last request and its answer, replayed over bare HTTP.
    const last = fast.requests.filter((r) => r.path === '/v1/completions').at(-1)?.body ?? {};
    const answer = await (await fetch(`${fast.url}/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(last) })).text();
    const bare = (await bareRoundTrips(last, answer, PROMPTS.length)) / PROMPTS.length;
    console.log(`client overhead per generation sample (${PROMPTS.length} prompts, server double on 127.0.0.1 over a zero-cost engine):`);
    console.log(`  the engine called directly   ${(direct / PROMPTS.length).toFixed(3)} ms/sample (baseline)`);
    console.log(`  through the openai client    ${(viaHttp / PROMPTS.length).toFixed(3)} ms/sample, of which the double's own answering ${(serverMs / PROMPTS.length).toFixed(3)} ms`);
    console.log(`  the client's own cost        ${perSample.toFixed(2)} ms/sample, HTTP on 127.0.0.1 included (budget 2 ms: ${perSample < 2 ? 'within' : 'OVER'})`);
    console.log(`    of which a bare HTTP round trip of the same bytes ${bare.toFixed(2)} ms (fetch + a do-nothing server in this process), the client's logic ${(perSample - bare).toFixed(2)} ms`);
    await client.unload();
  } finally {
    await fast.close();
  }

  const double = await startServerDouble({ engine: cpu, models: [TINY_F32], dialect: 'vllm' });
  try {
    const client = new OpenAiEngine({ baseUrls: [double.url], openFiles: nodeFileSource, concurrency: 1 });
    await client.load({ id: TINY_F32, url: dir });

    // Classification: what one sample sends.
    const task = getTask('sentiment');
    const before = { requests: client.poolStats.requests, seen: double.requests.length };
    const items = PROMPTS.slice(0, 10);
    let promptTokens = 0;
    for (const text of items) {
      await classifyPrompt(client, { task, prompt: { text, bos: true }, scoring: 'paper', tokenizer: null });
      promptTokens += (await client.tokenize(text, { bos: true })).length;
    }
    const sent = double.requests.slice(before.seen).filter((r) => r.path === '/v1/completions');
    console.log(`classification (paper first-token scoring, ${items.length} samples): ${(sent.length / items.length).toFixed(1)} requests and ~${Math.round((sent.reduce((n, r) => n + String(r.body.prompt).length, 0) / items.length))} prompt characters per sample (${(promptTokens / items.length).toFixed(0)} prompt tokens; the paper: one forward pass over them)`);
    await client.unload();
  } finally {
    await double.close();
  }

  let python: string | null = null;
  try {
    python = llamaServerPython();
  } catch {
    python = null;
  }
  if (!python) {
    console.log('real llama.cpp server: skipped (build it with `bash .ci/setup.d/40-llama-server.sh`)');
    await cpu.unload();
    return;
  }
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ftlab-bench-openai-'));
  const gguf = path.join(tmp, `${TINY_F32}.gguf`);
  await exportGguf(dir, gguf, { addBos: false });
  const server = await startLlamaServer([{ gguf, alias: TINY_F32 }], { dir: tmp });
  try {
    console.log(`real llama.cpp server (llama-cpp-python, ${TINY_F32} as GGUF, ${PROMPTS.length} generations of ${NEW_TOKENS} tokens):`);
    let base = 0;
    for (const n of [1, 2, 4, 8]) {
      const client = new OpenAiEngine({ baseUrls: [server.url], openFiles: nodeFileSource, concurrency: n });
      await client.load({ id: TINY_F32, url: dir });
      const ms = await timeAll(client, n);
      const rate = (PROMPTS.length / ms) * 1000;
      if (n === 1) base = rate;
      console.log(`  concurrency ${n}: ${rate.toFixed(1)} samples/s (${(rate / base).toFixed(2)}x concurrency 1)`);
      await client.unload();
    }
  } finally {
    await server.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
    await cpu.unload();
  }
}
