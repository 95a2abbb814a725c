import { cpSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ArtifactCorruptError,
  ArtifactMissingError,
  ContextWindowExceededError,
  EngineRequestError,
  ModelNotLoadedError,
} from '../../src/core/engine-errors.ts';
import type { LoadProgress } from '../../src/core/engine.ts';
import { parseChatConfig } from '../../src/core/mlc/chat-config.ts';
import { parseQuantization } from '../../src/core/mlc/quantization.ts';
import { loadTensorStore } from '../../src/core/mlc/reader.ts';
import { ensureTinyModels, TINY_CONFIG, TINY_SEED, writeRandomLlama } from '../../scripts/make-tiny-model.ts';
import { LlamaRunner } from '../../workers/backends/cpu/llama-runner.ts';
import { nodeFileSource } from '../../workers/backends/cpu/node-file-source.ts';
import { createNodeCpuEngine } from '../../workers/backends/cpu/node.ts';
import { llamaWeightsFromStore } from '../../workers/backends/cpu/weights.ts';

let models: Record<string, string>;
let tmp: string;
const F32 = 'tiny-random-llama-f32';
const Q4 = 'tiny-random-llama-q4f16_1';
const PROMPT = { text: 'Review: the food was great and the service friendly.\nSentiment:', bos: true };

beforeAll(() => {
  models = ensureTinyModels();
  tmp = mkdtempSync(path.join(tmpdir(), 'ftlab-cpu-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function engineFor(id: string, dir = models[id], extra: { contextWindow?: number } = {}) {
  const engine = createNodeCpuEngine();
  await engine.load({ id, url: dir, ...extra });
  return engine;
}

/** A copy of the q4 model folder to damage. */
function copyOf(id: string, name: string): string {
  const dir = path.join(tmp, name);
  cpSync(models[id], dir, { recursive: true });
  return dir;
}

async function runnerFor(dir: string, maxChunk?: number): Promise<LlamaRunner> {
  const source = nodeFileSource(dir);
  const config = parseChatConfig(JSON.parse(readFileSync(path.join(dir, 'mlc-chat-config.json'), 'utf8')));
  const store = await loadTensorStore(source);
  return new LlamaRunner(config.model, llamaWeightsFromStore(store, config.model, parseQuantization(config.quantization)), { maxChunk });
}

const V = TINY_CONFIG.vocabSize;
function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe('cpu engine: loading', () => {
  it('loads the tiny models and reports progress to done', async () => {
    for (const id of [F32, Q4]) {
      const seen: LoadProgress[] = [];
      const engine = createNodeCpuEngine();
      const info = await engine.load({ id, url: models[id] }, (p) => seen.push(p));
      expect(info).toEqual({ id, backend: 'cpu', vocabSize: 32000, contextWindow: 4096, bosId: 1, eosId: 2 });
      expect(seen.at(-1)).toMatchObject({ phase: 'done', fraction: 1 });
      expect(seen.map((p) => p.fraction)).toEqual([...seen.map((p) => p.fraction)].sort((a, b) => a - b));
    }
  });

  it('tokenizes with and without BOS, and calls before load fail clearly', async () => {
    const engine = await engineFor(Q4);
    expect(await engine.tokenize('Hello world', { bos: true })).toEqual([1, 15043, 3186]);
    expect(await engine.detokenize([1, 15043, 3186])).toBe('Hello world');
    await engine.unload();
    await expect(engine.tokenize('x')).rejects.toThrow(ModelNotLoadedError);
    await expect(engine.generate({ prompt: PROMPT, maxTokens: 1 })).rejects.toThrow(/cannot generate: no model is loaded/);
  });
});

describe('cpu engine: numerics', () => {
  for (const id of [F32, Q4]) {
    it(`incremental decoding with the KV cache equals full recomputation (${id})`, async () => {
      const ids = [1, 15043, 29892, 590, 1024, 338, 263, 1243, 310, 278, 11286, 29889, 13, 4806];
      const full = await runnerFor(models[id]);
      const all = full.run(ids, ids.map((_, i) => i)).logits;
      // Chunks of 3 across the prompt, then one token at a time.
      const inc = await runnerFor(models[id], 3);
      const P = 5;
      const parts = [inc.run(ids.slice(0, P), [...Array(P).keys()]).logits];
      for (let n = P + 1; n <= ids.length; n++) {
        const r = inc.run(ids.slice(0, n), [n - 1]);
        expect(r.computed).toBe(1);
        parts.push(r.logits);
      }
      const stitched = new Float32Array(ids.length * V);
      let off = 0;
      for (const p of parts) {
        stitched.set(p, off);
        off += p.length;
      }
      // float32 storage, double accumulation: agreement to ~1e-6; the q4 decode path also
      // regroups its sums (Σq·x − 7Σx), hence the 1e-4 margin.
      expect(maxAbsDiff(all, stitched)).toBeLessThan(1e-4);
    });
  }

  it('scoreNext equals the first step of loglikelihood', async () => {
    for (const id of [F32, Q4]) {
      const engine = await engineFor(id);
      const cont = await engine.tokenize(' positive');
      const ll = await engine.loglikelihood(PROMPT, cont);
      const fresh = await engineFor(id);
      const s = await fresh.scoreNext(PROMPT, [cont[0], 2], { topK: 5 });
      expect(ll.tokens[0].logprob).toBeCloseTo(s.logprobs[0], 5);
      expect(ll.tokens).toHaveLength(cont.length);
      expect(ll.logprob).toBeCloseTo(
        ll.tokens.reduce((a, t) => a + t.logprob, 0),
        10,
      );
      // top-k is sorted, consistent with the candidates, and log-probs are normalized.
      expect(s.top).toHaveLength(5);
      const tops = s.top!.map((t) => t.logprob);
      expect(tops).toEqual([...tops].sort((a, b) => b - a));
      expect(tops[0]).toBeLessThan(0);
      const everything = await fresh.scoreNext(PROMPT, [...Array(V).keys()]);
      const total = everything.logprobs.reduce((a, lp) => a + Math.exp(lp), 0);
      expect(total).toBeCloseTo(1, 6);
      expect(Math.max(...everything.logprobs)).toBeCloseTo(tops[0], 6);
    }
  });

  it('greedy generation is deterministic and agrees with teacher forcing', async () => {
    const a = await engineFor(Q4);
    const b = await engineFor(Q4);
    const ra = await a.generate({ prompt: PROMPT, maxTokens: 12, stopAtEos: false });
    const rb = await b.generate({ prompt: PROMPT, maxTokens: 12, stopAtEos: false });
    const again = await a.generate({ prompt: PROMPT, maxTokens: 12, stopAtEos: false });
    expect(ra.tokenIds).toHaveLength(12);
    expect(rb.tokenIds).toEqual(ra.tokenIds);
    expect(again.tokenIds).toEqual(ra.tokenIds);
    expect(ra.finishReason).toBe('length');
    expect(ra.text).toBe(await a.detokenize(ra.tokenIds));
    // Every generated token was the argmax under teacher forcing.
    const ll = await b.loglikelihood(PROMPT, ra.tokenIds);
    expect(ll.isGreedy).toBe(true);
    const other = await b.loglikelihood(PROMPT, [...ra.tokenIds.slice(0, -1), (ra.tokenIds.at(-1)! + 1) % V]);
    expect(other.isGreedy).toBe(false);
  });

  it('q4f16_1 stays within a bounded distance of float32 on the same weights', async () => {
    // Random weights are the worst case for 4-bit quantization (no outlier structure), and the
    // notes measured ≈1–3 nats of logit movement on tiny random models; this model's logits
    // spread less (hidden 64, 1/√K init; measured here: 0.98 nats max, 0.19 mean over the
    // vocabulary, out of an 8.5-nat spread), so the bound is 1.5 nats on any token's log-prob
    // and 0.25 nats on average (deterministic weights: the margin is not for noise). A layout bug (wrong nibble order, group axis, padding) gives errors
    // of the size of the logits themselves (≥ 3 nats here) and fails this.
    const all = [...Array(V).keys()];
    const f = await (await engineFor(F32)).scoreNext(PROMPT, all);
    const q = await (await engineFor(Q4)).scoreNext(PROMPT, all);
    let max = 0;
    let sum = 0;
    for (let i = 0; i < V; i++) {
      const d = Math.abs(f.logprobs[i] - q.logprobs[i]);
      max = Math.max(max, d);
      sum += d;
    }
    expect(max).toBeGreaterThan(0);
    expect(max).toBeLessThan(1.5);
    expect(sum / V).toBeLessThan(0.25);
  });

  it('float16 and bfloat16 storage decode to nearly the float32 model', async () => {
    const variants = {
      f16: { id: 'v-f16', seed: TINY_SEED, quantization: 'q0f16', config: TINY_CONFIG },
      bf16: { id: 'v-bf16', seed: TINY_SEED, quantization: 'q0f32', config: TINY_CONFIG, bf16Storage: true },
    };
    const all = [...Array(V).keys()];
    const ref = await (await engineFor(F32)).scoreNext(PROMPT, all);
    for (const [name, spec] of Object.entries(variants)) {
      const dir = path.join(tmp, name);
      writeRandomLlama(dir, spec);
      const s = await (await engineFor(spec.id, dir)).scoreNext(PROMPT, all);
      const max = Math.max(...s.logprobs.map((lp, i) => Math.abs(lp - ref.logprobs[i])));
      // bf16 keeps 8 mantissa bits (≈0.4% per weight), f16 11 bits (≈0.05%).
      expect(max).toBeGreaterThan(0);
      expect(max).toBeLessThan(name === 'f16' ? 0.01 : 0.1);
    }
  });
});

describe('cpu engine: generation control', () => {
  it('cuts at a stop string', async () => {
    const engine = await engineFor(Q4);
    const free = await engine.generate({ prompt: PROMPT, maxTokens: 10, stopAtEos: false });
    const piece = await engine.detokenize(free.tokenIds.slice(3, 4));
    const stop = piece.trim().slice(0, 3);
    const at = free.text.indexOf(stop);
    expect(at).toBeGreaterThan(0);
    const r = await engine.generate({ prompt: PROMPT, maxTokens: 10, stop: [stop, 'zzzz-never'] });
    expect(r.finishReason).toBe('stop');
    expect(r.text).toBe(free.text.slice(0, at));
  });

  it('ends at EOS when asked to, and not otherwise', async () => {
    const free = await (await engineFor(Q4)).generate({ prompt: PROMPT, maxTokens: 3, stopAtEos: false });
    // Make the first greedy token this model's EOS.
    const dir = copyOf(Q4, 'eos');
    const cfgPath = path.join(dir, 'mlc-chat-config.json');
    const cfg = JSON.parse(readFileSync(cfgPath, 'utf8')) as Record<string, unknown>;
    cfg.eos_token_id = free.tokenIds[0];
    writeFileSync(cfgPath, JSON.stringify(cfg));
    const engine = await engineFor(Q4, dir);
    const r = await engine.generate({ prompt: PROMPT, maxTokens: 3 });
    expect(r).toMatchObject({ finishReason: 'eos', text: '', tokenIds: [] });
    const r2 = await engine.generate({ prompt: PROMPT, maxTokens: 3, stopAtEos: false });
    expect(r2.tokenIds).toEqual(free.tokenIds);
  });

  it('interrupt() stops between decode steps', async () => {
    const engine = createNodeCpuEngine({ yieldEveryMs: 0 });
    await engine.load({ id: Q4, url: models[Q4] });
    const pending = engine.generate({ prompt: PROMPT, maxTokens: 400, stopAtEos: false });
    setTimeout(() => void engine.interrupt(), 30);
    const r = await pending;
    expect(r.finishReason).toBe('interrupted');
    expect(r.tokenIds.length).toBeGreaterThan(0);
    expect(r.tokenIds.length).toBeLessThan(400);
  });

  it('maxTokens 0 returns nothing; stats accumulate', async () => {
    const engine = await engineFor(Q4);
    const r = await engine.generate({ prompt: PROMPT, maxTokens: 0 });
    expect(r).toMatchObject({ text: '', tokenIds: [], finishReason: 'length' });
    await engine.generate({ prompt: PROMPT, maxTokens: 4, stopAtEos: false });
    const s = await engine.stats();
    expect(s.calls).toBe(2);
    expect(s.decodeTokens).toBe(3);
    expect(s.prefillTokens).toBeGreaterThan(0);
  });
});

describe('cpu engine: errors', () => {
  it('prompt + maxTokens beyond the context window → ContextWindowExceededError', async () => {
    const engine = await engineFor(Q4, models[Q4], { contextWindow: 24 });
    const n = (await engine.tokenize(PROMPT.text, { bos: true })).length;
    const err = await engine.generate({ prompt: PROMPT, maxTokens: 25 - n }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ContextWindowExceededError);
    expect((err as ContextWindowExceededError).code).toBe('context-window-exceeded');
    expect((err as Error).message).toBe(`prompt (${n} tokens) + ${25 - n} new tokens exceed the context window of 24 tokens`);
    await expect(engine.generate({ prompt: PROMPT, maxTokens: 24 - n })).resolves.toMatchObject({ finishReason: expect.any(String) });
    await expect(engine.scoreNext({ ids: new Array(25).fill(5) }, [1])).rejects.toThrow(ContextWindowExceededError);
    await expect(engine.loglikelihood({ ids: new Array(20).fill(5) }, new Array(5).fill(6))).rejects.toThrow(ContextWindowExceededError);
  });

  it('bad requests are named', async () => {
    const engine = await engineFor(Q4);
    await expect(engine.scoreNext({ ids: [] }, [1])).rejects.toThrow(EngineRequestError);
    await expect(engine.scoreNext({ ids: [1] }, [32000])).rejects.toThrow(/token id 32000 is outside the vocabulary/);
    await expect(engine.loglikelihood({ ids: [1] }, '')).rejects.toThrow(/continuation has no tokens/);
  });

  it('missing shard, truncated shard, bad JSON, shape mismatch → named artifact errors', async () => {
    const missing = copyOf(Q4, 'missing');
    unlinkSync(path.join(missing, 'params_shard_0.bin'));
    const e1 = await engineFor(Q4, missing).catch((e: unknown) => e);
    expect(e1).toBeInstanceOf(ArtifactMissingError);
    expect((e1 as ArtifactMissingError).file).toBe('params_shard_0.bin');

    const truncated = copyOf(Q4, 'truncated');
    const shard = path.join(truncated, 'params_shard_0.bin');
    writeFileSync(shard, readFileSync(shard).subarray(0, 1000));
    const e2 = await engineFor(Q4, truncated).catch((e: unknown) => e);
    expect(e2).toBeInstanceOf(ArtifactCorruptError);
    expect((e2 as Error).message).toMatch(/params_shard_0\.bin: 1000 bytes but tensor-cache\.json says \d+ \(truncated\)/);

    const badJson = copyOf(Q4, 'bad-json');
    writeFileSync(path.join(badJson, 'mlc-chat-config.json'), '{"model_type": "llama",');
    await expect(engineFor(Q4, badJson)).rejects.toThrow(/model file mlc-chat-config\.json: not valid JSON/);

    const shape = copyOf(Q4, 'shape');
    const cfgPath = path.join(shape, 'mlc-chat-config.json');
    const cfg = JSON.parse(readFileSync(cfgPath, 'utf8')) as { model_config: Record<string, unknown> };
    cfg.model_config.intermediate_size = 160;
    writeFileSync(cfgPath, JSON.stringify(cfg));
    const e4 = await engineFor(Q4, shape).catch((e: unknown) => e);
    expect(e4).toBeInstanceOf(ArtifactCorruptError);
    expect((e4 as ArtifactCorruptError).tensor).toBe('model.layers.0.mlp.gate_up_proj.q_weight');

    const noTok = copyOf(Q4, 'no-tokenizer');
    unlinkSync(path.join(noTok, 'tokenizer.json'));
    await expect(engineFor(Q4, noTok)).rejects.toThrow(/tokenizer\.json could not be read/);
  });
});
