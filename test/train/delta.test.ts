/**
 * ftlab delta against a direct numpy computation (train/tests/delta_reference.py, which reads the
 * files with the safetensors library in float64), on checkpoints and a LoRA adapter the test
 * writes; and in MLC names across formats (an HF checkpoint against its own conversions).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeltaReport } from '../../src/core/delta/stats.ts';
import { encodeSafetensors, type SafetensorsInput } from '../../src/core/safetensors/index.ts';
import { mulberry32 } from '../../src/core/random.ts';
import { ensureTinyModels, TINY_CONFIG, TINY_SEED } from '../../scripts/make-tiny-model.ts';
import { runCli } from '../cli/run-cli.ts';
import { hfTensors, writeHfFolder } from '../convert/hf-fixture.ts';
import { runPython, skipWithoutTrainPython } from '../helpers/train-python.ts';

const tmp = mkdtempSync(path.join(tmpdir(), 'ftlab-delta-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const baseDir = path.join(tmp, 'base');
const ftDir = path.join(tmp, 'ft');
const adapterDir = path.join(tmp, 'adapter');
const base = hfTensors(TINY_CONFIG, TINY_SEED);

function noise(seed: number, n: number, std: number): Float32Array {
  const rand = mulberry32(seed);
  return Float32Array.from({ length: n }, () => (rand() - 0.5) * 2 * std);
}

beforeAll(() => {
  const tiny = ensureTinyModels()['tiny-random-llama-f32'];
  writeHfFolder(baseDir, TINY_CONFIG, base, tiny);
  // A "fine-tuned" model: every tensor moved by its own amount (layer 1 more than layer 0), stored in bfloat16.
  const moved: SafetensorsInput[] = base.map((t, i) => {
    const std = (t.name.includes('layers.1.') ? 4e-3 : 1e-3) * (1 + (i % 3));
    const n = noise(1000 + i, t.data.length, std);
    return { ...t, dtype: 'BF16', data: t.data.map((v, j) => v + n[j]) };
  });
  writeHfFolder(ftDir, TINY_CONFIG, moved, tiny);
  // A LoRA adapter on q_proj and v_proj of both layers, rank 4, alpha 8, PEFT's names.
  const r = 4;
  const lora: SafetensorsInput[] = [];
  for (let layer = 0; layer < 2; layer++) {
    for (const [mod, out] of [['q_proj', 64], ['v_proj', 32]] as const) {
      const p = `base_model.model.model.layers.${layer}.self_attn.${mod}`;
      lora.push({ name: `${p}.lora_A.weight`, dtype: 'F32', shape: [r, 64], data: noise(layer * 10 + out, r * 64, 0.1) });
      lora.push({ name: `${p}.lora_B.weight`, dtype: 'F32', shape: [out, r], data: noise(layer * 10 + out + 5, out * r, 0.01) });
    }
  }
  mkdirSync(adapterDir, { recursive: true });
  writeFileSync(path.join(adapterDir, 'adapter_model.safetensors'), encodeSafetensors(lora));
  writeFileSync(path.join(adapterDir, 'adapter_config.json'), JSON.stringify({ peft_type: 'LORA', r, lora_alpha: 8, target_modules: ['q_proj', 'v_proj'], use_rslora: false }));
});

async function delta(args: string[]): Promise<DeltaReport> {
  const r = await runCli(['delta', ...args, '--json']);
  expect(r.code, r.err).toBe(0);
  return r.lines[0] as unknown as DeltaReport;
}

interface NumpyDelta {
  tensors: Record<string, number>;
  overall: number;
  count: number;
}

const close = (a: number, b: number, rel = 1e-9) => expect(Math.abs(a - b)).toBeLessThanOrEqual(rel * Math.abs(b));

describe.skipIf(skipWithoutTrainPython())('ftlab delta = numpy', () => {
  it('--base --model (HF, bfloat16 vs float32): every tensor, and overall', async () => {
    const ours = await delta(['--base', baseDir, '--model', ftDir]);
    const np = JSON.parse(runPython('train/tests/delta_reference.py', ['models', baseDir, ftDir])) as NumpyDelta;
    expect(ours.tensors.map((t) => t.name).sort()).toEqual(Object.keys(np.tensors).sort());
    for (const t of ours.tensors) close(t.meanAbs, np.tensors[t.name]);
    close(ours.overall.meanAbs, np.overall);
    expect(ours.overall.count).toBe(np.count);
    // Layer 1 moved four times as much as layer 0.
    expect(ours.layers.map((l) => l.layer)).toEqual([0, 1]);
    expect(ours.layers[1].meanAbs / ours.layers[0].meanAbs).toBeGreaterThan(3);
    expect(ours.kinds.map((k) => k.kind)).toContain('q_proj');
  });

  it('--adapter: ΔW = (alpha/r)·B·A per module', async () => {
    const ours = await delta(['--adapter', adapterDir]);
    const np = JSON.parse(runPython('train/tests/delta_reference.py', ['adapter', adapterDir])) as NumpyDelta;
    expect(ours.tensors.map((t) => t.name).sort()).toEqual(Object.keys(np.tensors).sort());
    for (const t of ours.tensors) close(t.meanAbs, np.tensors[t.name]);
    close(ours.overall.meanAbs, np.overall);
    expect(ours.details).toMatchObject({ r: 4, alpha: 8, scale: 2 });
    expect(ours.kinds.map((k) => k.kind).sort()).toEqual(['q_proj', 'v_proj']);
  });
});

describe('ftlab delta across formats (MLC names)', () => {
  it('an HF checkpoint against its own q0f32 conversion: zero; against q4f16_1: the quantization error', async () => {
    for (const q of ['q0f32', 'q4f16_1']) {
      const r = await runCli(['convert', '--hf', baseDir, '--out', path.join(tmp, q), '--quantization', q, '--json']);
      expect(r.code, r.err).toBe(0);
    }
    const same = await delta(['--base', baseDir, '--model', path.join(tmp, 'q0f32')]);
    expect(same.details.names).toBe('mlc');
    expect(same.tensors.map((t) => t.name)).toContain('model.layers.0.self_attn.qkv_proj.weight');
    expect(same.overall.meanAbs).toBe(0);
    const q4 = await delta(['--base', path.join(tmp, 'q0f32'), '--model', path.join(tmp, 'q4f16_1')]);
    // 4-bit groups of 32 with scale max|w|/7: a mean error of a few percent of a weight.
    expect(q4.overall.meanAbs).toBeGreaterThan(1e-3);
    expect(q4.overall.meanAbs).toBeLessThan(0.1);
    // The fine-tuned model in MLC names covers the same elements as in HF names.
    const hfNames = await delta(['--base', baseDir, '--model', ftDir]);
    const mlcNames = await delta(['--base', path.join(tmp, 'q0f32'), '--model', ftDir]);
    expect(mlcNames.overall.count).toBe(hfNames.overall.count);
    close(mlcNames.overall.meanAbs, hfNames.overall.meanAbs, 1e-12);
  });

  it('refuses unlike models and bad flags', async () => {
    let r = await runCli(['delta', '--base', baseDir]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--base DIR --model DIR/);
    r = await runCli(['delta', '--base', path.join(tmp, 'nope'), '--model', ftDir]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/neither an MLC folder/);
    const tiny = ensureTinyModels()['tiny-random-llama-f32'];
    r = await runCli(['delta', '--base', tiny, '--model', adapterDir]);
    expect(r.code).toBe(1);
  });
});
