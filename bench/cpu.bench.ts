/**
 * cpu backend throughput: prefill and decode tokens/s of the blocked kernels against the naive
 * baseline (one position and one weight at a time, q4 nibbles unpacked by index arithmetic)
 * over the SAME weights in the same run, on the tiny models and on a larger random checkpoint
 * (hidden 512, 8 layers, GQA 8/4, intermediate 1376; written once to the OS temp dir).
 * Ratios are the result; absolute numbers depend on the machine and its load.
 */
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Engine } from '../src/core/engine.ts';
import { BENCH_CONFIG, ensureTinyModels, GENERATOR_VERSION, writeRandomLlama } from '../scripts/make-tiny-model.ts';
import { createNodeCpuEngine } from '../workers/backends/cpu/node.ts';

interface Rates {
  prefill: number;
  decode: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Distinct prompts (so the KV-cache prefix reuse cannot skip work): BOS, a varying token, then a fixed run. */
function prompt(rep: number, length: number): number[] {
  return [1, 1000 + rep, ...Array.from({ length: length - 2 }, (_, i) => 300 + ((i * 37) % 5000))];
}

async function measure(engine: Engine, promptTokens: number, decodeTokens: number, reps: number): Promise<Rates> {
  const pre: number[] = [];
  const dec: number[] = [];
  for (let rep = 0; rep <= reps; rep++) {
    const r = await engine.generate({ prompt: { ids: prompt(rep, promptTokens) }, maxTokens: decodeTokens + 1, stopAtEos: false });
    if (rep === 0) continue; // warm-up (JIT)
    pre.push((r.stats.prefillTokens / r.stats.prefillMs) * 1000);
    dec.push((r.stats.decodeTokens / r.stats.decodeMs) * 1000);
  }
  return { prefill: median(pre), decode: median(dec) };
}

async function compare(label: string, dir: string, promptTokens: number, decodeTokens: number, reps: number, naiveReps: number): Promise<void> {
  const blocked = createNodeCpuEngine();
  await blocked.load({ id: label, url: dir });
  const naive = createNodeCpuEngine({ kernels: 'naive' });
  await naive.load({ id: label, url: dir });
  const b = await measure(blocked, promptTokens, decodeTokens, reps);
  const n = await measure(naive, promptTokens, decodeTokens, naiveReps);
  const f = (x: number) => x.toFixed(1).padStart(8);
  console.log(
    `${label.padEnd(28)} prefill(${promptTokens} tok) ${f(b.prefill)} tok/s vs naive ${f(n.prefill)} → ×${(b.prefill / n.prefill).toFixed(2)}` +
      `   decode ${f(b.decode)} tok/s vs naive ${f(n.decode)} → ×${(b.decode / n.decode).toFixed(2)}`,
  );
}

export default async function cpuBench(): Promise<void> {
  const tiny = ensureTinyModels();
  const benchRoot = path.join(tmpdir(), `ftlab-bench-cpu-v${GENERATOR_VERSION}`);
  const big: Record<string, string> = {};
  for (const quantization of ['q4f16_1', 'q0f32']) {
    const id = `bench-random-llama-h512-${quantization}`;
    const dir = path.join(benchRoot, id);
    writeRandomLlama(dir, { id, seed: 7, quantization, config: BENCH_CONFIG });
    big[quantization] = dir;
  }
  console.log('blocked kernels vs the naive baseline, same weights, same run (median of reps after a warm-up)');
  await compare('tiny-random-llama-q4f16_1', tiny['tiny-random-llama-q4f16_1'], 64, 16, 3, 3);
  await compare('tiny-random-llama-f32', tiny['tiny-random-llama-f32'], 64, 16, 3, 3);
  await compare('random-llama-h512-8L q4f16_1', big.q4f16_1, 32, 8, 3, 1);
  await compare('random-llama-h512-8L f32', big.q0f32, 32, 8, 3, 1);
}
