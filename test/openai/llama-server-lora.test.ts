/**
 * A LoRA adapter served as a model of its own by the REAL llama.cpp server, the way vLLM serves
 * the paper's FT / FTICL adapters next to the base model (`--lora-modules`): the tiny f32 model's
 * GGUF plus a PEFT adapter exported by ftlab (scripts/export-gguf.ts --adapter) under its own
 * alias (llama-cpp-python: `lora_path`), scored through the openai backend, against the cpu
 * engine on the same adapter merged into the weights (merge_and_unload's W + (alpha/r)·B·A).
 * Also here (the one real server running): generation streamed over server-sent events.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { exportGguf, exportLoraGguf } from '../../scripts/export-gguf.ts';
import type { Engine, StreamedToken } from '../../src/core/engine.ts';
import { nodeFileSource } from '../../workers/backends/cpu/node-file-source.ts';
import { createNodeCpuEngine } from '../../workers/backends/cpu/node.ts';
import { OpenAiEngine } from '../../workers/backends/openai/index.ts';
import { TINY_F32, tinyModelDirs } from '../contract/tiny-models.ts';
import { watchedFetch } from './body-watch.ts';
import { OPENAI_TOLERANCE, startLlamaServer, type LlamaServer } from './llama-server.ts';
import { writeTinyLora } from './tiny-lora.ts';

vi.setConfig({ testTimeout: 240_000, hookTimeout: 240_000 });

const LORA_ALIAS = 'tiny-random-llama-f32-lora';
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ftlab-llama-lora-'));
let server: LlamaServer;
let lora: ReturnType<typeof writeTinyLora>;
let exported: { alpha: number; modules: number };
const engines: Engine[] = [];

beforeAll(async () => {
  const baseDir = tinyModelDirs()[TINY_F32];
  lora = writeTinyLora(tmp);
  const gguf = path.join(tmp, 'base.gguf');
  const loraGguf = path.join(tmp, 'lora.gguf');
  await exportGguf(baseDir, gguf, { addBos: false });
  exported = await exportLoraGguf(baseDir, lora.adapterDir, loraGguf);
  server = await startLlamaServer(
    [
      { alias: TINY_F32, gguf },
      { alias: LORA_ALIAS, gguf, lora: loraGguf },
    ],
    { dir: tmp },
  );
});
afterAll(async () => {
  await Promise.all(engines.map((e) => e.unload()));
  await server?.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

async function served(alias: string): Promise<Engine> {
  const e = new OpenAiEngine({ baseUrls: [server.url], openFiles: nodeFileSource, retries: 1, backoffMs: 50 });
  await e.load({ id: alias, url: tinyModelDirs()[TINY_F32] });
  engines.push(e);
  return e;
}

async function cpu(id: string, dir: string): Promise<Engine> {
  const e = createNodeCpuEngine();
  await e.load({ id, url: dir });
  engines.push(e);
  return e;
}

const PROMPT = { text: 'Review: the battery died after two days.\nSentiment:', bos: true } as const;
// A text continuation goes without its leading space (the server tokenizes prompt + continuation
// as one text; the cpu engine's word-initial "▁" is the same token), as in the Engine contract.
const CONTINUATION = 'negative, sadly';
/** The first token of each label word, as the paper scores a label. */
async function labelIds(e: Engine): Promise<number[]> {
  return Promise.all([' positive', ' negative'].map(async (w) => (await e.tokenize(w.trim(), { bos: false }))[0]));
}

describe('a LoRA adapter served as its own model on llama.cpp\'s server', () => {
  it('the export keeps PEFT\'s alpha (one scale alpha/r for every module) and every adapted module', () => {
    expect(exported).toEqual({ alpha: 8, modules: 14 });
  });

  it('the LoRA alias is the merged model: same greedy ids, label log-probs and log-likelihood as the cpu engine on the merged weights', async () => {
    const [adapted, merged] = await Promise.all([served(LORA_ALIAS), cpu('tiny-lora-merged', lora.mergedDir)]);
    const g = await adapted.generate({ prompt: PROMPT, maxTokens: 8, stopAtEos: false });
    const m = await merged.generate({ prompt: PROMPT, maxTokens: 8, stopAtEos: false });
    expect(g.tokenIds).toEqual(m.tokenIds);
    expect(g.servedBy).toMatchObject({ backend: 'openai', model: LORA_ALIAS });

    const labels = await labelIds(merged);
    const sg = await adapted.scoreNext(PROMPT, labels);
    const sm = await merged.scoreNext(PROMPT, labels);
    const gap = Math.max(...sg.logprobs.map((lp, i) => Math.abs(lp - sm.logprobs[i])));
    const lg = await adapted.loglikelihood(PROMPT, CONTINUATION);
    const lm = await merged.loglikelihood(PROMPT, CONTINUATION);
    console.log(`[llama-server lora] |Δ log-prob| vs the merged cpu model: labels ${gap.toExponential(2)}, log-likelihood ${Math.abs(lg.logprob - lm.logprob).toExponential(2)}`);
    expect(gap).toBeLessThan(OPENAI_TOLERANCE);
    expect(Math.abs(lg.logprob - lm.logprob)).toBeLessThan(OPENAI_TOLERANCE * lm.tokens.length);
  });

  it('and not the base model: the base alias on the same server answers as the unadapted cpu engine, differently from the adapter', async () => {
    const [base, adapted, cpuBase] = await Promise.all([served(TINY_F32), served(LORA_ALIAS), cpu(TINY_F32, tinyModelDirs()[TINY_F32])]);
    const labels = await labelIds(cpuBase);
    const sb = await base.scoreNext(PROMPT, labels);
    const sa = await adapted.scoreNext(PROMPT, labels);
    const sc = await cpuBase.scoreNext(PROMPT, labels);
    sb.logprobs.forEach((lp, i) => expect(Math.abs(lp - sc.logprobs[i])).toBeLessThan(OPENAI_TOLERANCE));
    // The adapter moves the label log-probs by far more than the servers' float tolerance.
    expect(Math.max(...sa.logprobs.map((lp, i) => Math.abs(lp - sb.logprobs[i])))).toBeGreaterThan(100 * OPENAI_TOLERANCE);
  });
});

describe('streamed generation on llama.cpp\'s server (server-sent events)', () => {
  it('each token reaches onToken while the request is open; the result equals the unstreamed one', async () => {
    const watch = watchedFetch();
    const e = new OpenAiEngine({ baseUrls: [server.url], openFiles: nodeFileSource, retries: 1, backoffMs: 50, fetchImpl: watch.fetchImpl });
    await e.load({ id: LORA_ALIAS, url: tinyModelDirs()[TINY_F32] });
    engines.push(e);
    const req = { prompt: PROMPT, maxTokens: 6, stopAtEos: false, logprobs: { top: 2 } } as const;
    const plain = await e.generate(req);
    const tokens: StreamedToken[] = [];
    const open: boolean[] = [];
    const result = await e.generate({ ...req, onToken: (t) => (tokens.push(t), open.push(watch.openBodies() > 0)) });
    expect({ ...result, stats: undefined }).toEqual({ ...plain, stats: undefined });
    expect(tokens.map((t) => t.id)).toEqual(result.tokenIds);
    expect(tokens.at(-1)?.text).toBe(result.text);
    // llama-cpp-python sends one event per token: they came while the answer's body was still open.
    console.log(`[llama-server stream] tokens handed over while the answer was still arriving: ${open.filter(Boolean).length} of ${open.length}`);
    expect(open.filter(Boolean).length).toBeGreaterThanOrEqual(open.length - 1);
  });
});
