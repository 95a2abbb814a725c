/**
 * The training recipe end to end on CPU (train/ftlab_train.py, real torch + transformers + peft):
 * a tiny random Llama in Hugging Face format with the Llama-2 vocabulary, LoRA-trained for a few
 * steps on the first 24 examples of the paper's amazon_train_2000 (read in place from
 * ../shared, exported by `ftlab export-train`) in FT and FTICL (2 demos) format. Checked:
 * - the loss on the training examples falls;
 * - merged = base + (alpha/r)·B·A (train/tests/smoke_check.py, from the saved files) and the
 *   other tensors are untouched;
 * - a run resumed from its step-2 checkpoint ends where the uninterrupted run ended;
 * - `ftlab convert` of the merged model, loaded in the cpu engine, gives the log-probs of
 *   transformers' LlamaForCausalLM (float64) on the merged weights to 1e-5 nats (q0f32); the
 *   q4f16_1 conversion equals the cpu engine on its own dequantized weights;
 * - `ftlab delta --adapter` agrees with `ftlab delta --base --model merged`.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeltaReport } from '../../src/core/delta/stats.ts';
import { buildTensorCache, weightTensors, type TensorToWrite } from '../../src/core/mlc/writer.ts';
import { parseQuantization } from '../../src/core/mlc/quantization.ts';
import { openMlcWeights } from '../../src/cli/support/weight-sources.ts';
import { ensureTinyModels } from '../../scripts/make-tiny-model.ts';
import { createNodeCpuEngine } from '../../workers/backends/cpu/node.ts';
import { runCli } from '../cli/run-cli.ts';
import { PAPER_DATA } from '../helpers/paths.ts';
import { runPython, skipWithoutTrainPython } from '../helpers/train-python.ts';

const tmp = mkdtempSync(path.join(tmpdir(), 'ftlab-recipe-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const baseDir = path.join(tmp, 'base');
const AMAZON = path.join(PAPER_DATA, 'sentiment/amazon_train_2000.json');
const AMAZON_DEMOS = path.join(PAPER_DATA, 'sentiment/few_shot/amazon_few_shot.json');
const LONG = 15 * 60_000;

/** A few steps of the recipe at a learning rate that moves a random model visibly. */
const SMOKE_FLAGS = ['--limit', '24', '--epochs', '1', '--effective-batch', '8', '--micro-batch', '2', '--max-length', '384', '--lr', '2e-3', '--save-every', '2', '--max-steps', '3', '--no-progress'];

interface TrainResult {
  loss_before: number;
  loss_after: number;
  steps: number;
}

function train(method: 'ft' | 'fticl', out: string, flags: string[] = []): TrainResult {
  const data = path.join(tmp, `${method}.jsonl`);
  const extra = method === 'fticl' ? ['--shots', '2'] : [];
  const stdout = runPython('train/ftlab_train.py', ['--model', baseDir, '--data', data, '--out', out, '--dataset', 'amazon_train_2000', ...extra, ...SMOKE_FLAGS, ...flags]);
  return JSON.parse(stdout.trim().split('\n').pop()!) as TrainResult;
}

async function exportTrain(method: 'ft' | 'fticl'): Promise<void> {
  const args = ['export-train', '--data', AMAZON, '--task', 'sentiment', ...(method === 'fticl' ? ['--demos', AMAZON_DEMOS, '--shots', '2'] : [])];
  const r = await runCli(args);
  expect(r.code, r.err).toBe(0);
  writeFileSync(path.join(tmp, `${method}.jsonl`), r.out);
}

interface Reference {
  ids: number[];
  positions: { position: number; ids: number[]; logprobs: number[] }[];
}

const PROMPTS = [
  [1, 835, 10567, 29901, 13, 29902, 5360, 445, 3234, 29889, 13, 2277, 29937, 317, 296, 2073, 29901],
  [1, 450, 4996, 17354, 1701, 29916, 432, 17204, 975, 278, 17366, 11203, 29889],
];

/** Largest |cpu engine − reference| over the reference's top-10 at every position. */
async function worstDiff(mlcDir: string, refs: Reference[]): Promise<number> {
  const engine = createNodeCpuEngine();
  await engine.load({ id: path.basename(mlcDir), url: mlcDir });
  let worst = 0;
  try {
    for (const ref of refs) {
      for (const pos of ref.positions) {
        const r = await engine.scoreNext({ ids: ref.ids.slice(0, pos.position + 1) }, pos.ids);
        r.logprobs.forEach((lp, i) => (worst = Math.max(worst, Math.abs(lp - pos.logprobs[i]))));
      }
    }
  } finally {
    await engine.unload();
  }
  return worst;
}

/** The cpu engine's own log-probs on a folder, in the same shape as a Reference. */
async function cpuReference(mlcDir: string, like: Reference[]): Promise<Reference[]> {
  const engine = createNodeCpuEngine();
  await engine.load({ id: path.basename(mlcDir), url: mlcDir });
  try {
    const out: Reference[] = [];
    for (const ref of like) {
      const positions = [];
      for (const pos of ref.positions) positions.push({ ...pos, logprobs: (await engine.scoreNext({ ids: ref.ids.slice(0, pos.position + 1) }, pos.ids)).logprobs });
      out.push({ ids: ref.ids, positions });
    }
    return out;
  } finally {
    await engine.unload();
  }
}

/** An unquantized (float32) MLC copy of an MLC folder's weights, dequantized. */
async function dequantizedCopy(mlcDir: string, out: string): Promise<void> {
  const src = await openMlcWeights(mlcDir);
  const tensors: TensorToWrite[] = [];
  try {
    for (const [name, shape] of src.shapes) {
      const data = await src.read(name);
      tensors.push(...(shape.length === 2 ? weightTensors(name.replace(/\.weight$/, ''), data, shape[0], shape[1], parseQuantization('q0f32')) : [{ name, dtype: 'float32' as const, shape, data }]));
    }
  } finally {
    await src.close();
  }
  cpSync(mlcDir, out, { recursive: true });
  rmSync(path.join(out, 'ftlab-manifest.json'));
  for (const [file, bytes] of buildTensorCache(tensors).files) writeFileSync(path.join(out, file), bytes);
  const cfgFile = path.join(out, 'mlc-chat-config.json');
  writeFileSync(cfgFile, JSON.stringify({ ...JSON.parse(readFileSync(cfgFile, 'utf8')), quantization: 'q0f32' }));
}

describe.skipIf(skipWithoutTrainPython())('training recipe on CPU: train → merge → convert → cpu engine', () => {
  const results: Partial<Record<'ft' | 'fticl', TrainResult>> = {};

  beforeAll(async () => {
    const tiny = ensureTinyModels()['tiny-random-llama-f32'];
    runPython('train/make_tiny_llama.py', [baseDir, '--tokenizer-from', tiny, '--seed', '7']);
    await exportTrain('ft');
    await exportTrain('fticl');
  }, LONG);

  for (const method of ['ft', 'fticl'] as const) {
    it(`${method}: the loss falls, and merged = base + (alpha/r)·B·A`, () => {
      const out = path.join(tmp, method);
      const r = train(method, out);
      results[method] = r;
      console.info(`${method}: eval loss ${r.loss_before.toFixed(4)} → ${r.loss_after.toFixed(4)} in ${r.steps} steps`);
      expect(r.steps).toBe(3);
      expect(r.loss_after).toBeLessThan(r.loss_before - 0.02);
      const card = JSON.parse(readFileSync(path.join(out, 'ftlab-run-card.json'), 'utf8')) as Record<string, { [k: string]: unknown }>;
      expect(card.data).toMatchObject({ dataset: 'amazon_train_2000', examples: 24, shots: method === 'fticl' ? 2 : 0 });
      expect(card.method).toBe(method);
      expect(card.versions.torch).toBeTruthy();
      const merge = JSON.parse(runPython('train/tests/smoke_check.py', ['merge', baseDir, path.join(out, 'adapter'), path.join(out, 'merged')])) as Record<string, number>;
      expect(merge.modules).toBe(8); // q, k, v, o in 2 layers
      expect(merge.scale).toBe(2); // alpha 16 / r 8
      expect(merge.maxDelta).toBeGreaterThan(1e-4); // the adapter moved the weights...
      expect(merge.maxErrorAdapted).toBeLessThan(1e-6); // ...by exactly (alpha/r)·B·A (float32 rounding)
      expect(merge.maxChangeElsewhere).toBe(0);
    }, LONG);
  }

  it('a run resumed from its checkpoint ends where the uninterrupted run ended', () => {
    const resumed = path.join(tmp, 'ft-resumed');
    cpSync(path.join(tmp, 'ft', 'checkpoints'), path.join(resumed, 'checkpoints'), { recursive: true });
    const r = train('ft', resumed);
    expect(r.steps).toBe(3);
    expect(r.loss_before).toBe(results.ft!.loss_before);
    expect(Math.abs(r.loss_after - results.ft!.loss_after)).toBeLessThan(1e-6);
  }, LONG);

  it('--full (the paper\'s full fine-tuning) moves every tensor; --precision bf16 keeps a bf16 base and a bf16 merge that converts', async () => {
    const full = path.join(tmp, 'ft-full');
    const r = train('ft', full, ['--full', '--max-steps', '2', '--lr', '1e-3']);
    expect(r.loss_after).toBeLessThan(r.loss_before);
    const d = await runCli(['delta', '--base', baseDir, '--model', path.join(full, 'merged'), '--json']);
    expect(d.code, d.err).toBe(0);
    const report = d.lines[0] as unknown as DeltaReport;
    expect(report.tensors.every((t) => t.meanAbs > 0)).toBe(true);
    expect(JSON.parse(readFileSync(path.join(full, 'ftlab-run-card.json'), 'utf8')).recipe).toMatchObject({ full: true, base_dtype: 'float32' });

    const bf16 = path.join(tmp, 'ft-bf16');
    const b = train('ft', bf16, ['--precision', 'bf16', '--max-steps', '2']);
    expect(b.loss_after).toBeLessThan(b.loss_before);
    expect(JSON.parse(readFileSync(path.join(bf16, 'ftlab-run-card.json'), 'utf8')).recipe).toMatchObject({ precision: 'bf16', base_dtype: 'bfloat16' });
    const conv = await runCli(['convert', '--hf', path.join(bf16, 'merged'), '--out', path.join(tmp, 'ft-bf16-q4f16_1'), '--quantization', 'q4f16_1', '--json']);
    expect(conv.code, conv.err).toBe(0);
  }, LONG);

  it('converted (q0f32), the cpu engine gives transformers\' log-probs to 1e-5 nats; q4f16_1 equals the cpu engine on its dequantized weights', async () => {
    for (const method of ['ft', 'fticl'] as const) {
      const merged = path.join(tmp, method, 'merged');
      const refs = JSON.parse(runPython('train/tests/smoke_check.py', ['logits', merged, writeIds()])) as Reference[];
      const f32 = path.join(tmp, `${method}-q0f32`);
      const conv = await runCli(['convert', '--hf', merged, '--out', f32, '--quantization', 'q0f32', '--run-card', path.join(tmp, method, 'ftlab-run-card.json'), '--json']);
      expect(conv.code, conv.err).toBe(0);
      const manifest = JSON.parse(readFileSync(path.join(f32, 'ftlab-manifest.json'), 'utf8')) as { method: string; training: { shots: number } };
      expect(manifest).toMatchObject({ method, training: { shots: method === 'fticl' ? 2 : 0 } });
      const vsTransformers = await worstDiff(f32, refs);
      console.info(`${method}: cpu engine (q0f32 conversion) vs transformers float64: max |Δ log-prob| ${vsTransformers.toExponential(2)} nats`);
      expect(vsTransformers).toBeLessThan(1e-5);

      const q4 = path.join(tmp, `${method}-q4f16_1`);
      expect((await runCli(['convert', '--hf', merged, '--out', q4, '--quantization', 'q4f16_1', '--json'])).code).toBe(0);
      const deq = path.join(tmp, `${method}-q4-dequantized`);
      await dequantizedCopy(q4, deq);
      const vsDequantized = await worstDiff(q4, await cpuReference(deq, refs));
      console.info(`${method}: cpu engine q4f16_1 vs its dequantized float32 copy: ${vsDequantized.toExponential(2)} nats`);
      expect(vsDequantized).toBeLessThan(1e-5);
    }
  }, LONG);

  it('ftlab delta --adapter equals ftlab delta between the base and the merged model', async () => {
    for (const method of ['ft', 'fticl'] as const) {
      const a = await runCli(['delta', '--adapter', path.join(tmp, method, 'adapter'), '--json']);
      const m = await runCli(['delta', '--base', baseDir, '--model', path.join(tmp, method, 'merged'), '--json']);
      expect(a.code, a.err).toBe(0);
      expect(m.code, m.err).toBe(0);
      const adapter = a.lines[0] as unknown as DeltaReport;
      const models = m.lines[0] as unknown as DeltaReport;
      const byName = new Map(models.tensors.map((t) => [t.name, t]));
      for (const t of adapter.tensors) {
        const mt = byName.get(t.name)!;
        // merged − base in float32 vs scale·B·A in float64: equal to float32 rounding of the weights.
        expect(Math.abs(mt.meanAbs - t.meanAbs)).toBeLessThan(1e-3 * t.meanAbs + 1e-9);
      }
      expect(models.tensors.filter((t) => !adapter.tensors.some((x) => x.name === t.name)).every((t) => t.meanAbs === 0)).toBe(true);
      expect(adapter.overall.meanAbs).toBeGreaterThan(0);
    }
  }, LONG);
});

function writeIds(): string {
  const file = path.join(tmp, 'prompts.json');
  writeFileSync(file, JSON.stringify(PROMPTS));
  return file;
}
