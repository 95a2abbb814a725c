/**
 * ftlab convert without Python: an HF folder the test writes from the tiny random model's own
 * weights must convert to an MLC folder the cpu engine runs exactly like the generator's (same
 * weights, same quantization: identical log-probs), byte-stable from run to run. The check
 * against transformers' LlamaForCausalLM is test/train/recipe.test.ts (it needs torch).
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planLlamaConversion, plannedRecords } from '../../src/core/convert/llama-plan.ts';
import { diffParams, llama2_7bLibraryParams, LLAMA2_7B } from '../../src/core/convert/prebuilt.ts';
import { parseHfLlamaConfig } from '../../src/core/convert/hf-config.ts';
import type { LlamaConfig } from '../../src/core/mlc/chat-config.ts';
import { parseQuantization } from '../../src/core/mlc/quantization.ts';
import { parseManifest } from '../../src/core/manifest.ts';
import { ensureTinyModels, TINY_CONFIG, TINY_SEED } from '../../scripts/make-tiny-model.ts';
import { createNodeCpuEngine } from '../../workers/backends/cpu/node.ts';
import { runCli } from '../cli/run-cli.ts';
import { hfConfigJson, hfTensors, writeHfFolder } from './hf-fixture.ts';

const tmp = mkdtempSync(path.join(tmpdir(), 'ftlab-convert-'));
const hfDir = path.join(tmp, 'hf');
let tiny: Record<string, string>;
beforeAll(() => {
  tiny = ensureTinyModels();
  writeHfFolder(hfDir, TINY_CONFIG, hfTensors(TINY_CONFIG, TINY_SEED), tiny['tiny-random-llama-f32']);
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const PROMPT = [1, 450, 4996, 17354, 1701, 29916, 432, 17204, 975, 278, 17366, 11203, 29889, 13, 13];
const CANDIDATES = [278, 29889, 13, 2, 1576, 319, 450, 3869];

async function logprobsAt(dir: string, positions: number[]): Promise<number[][]> {
  const engine = createNodeCpuEngine();
  await engine.load({ id: path.basename(dir), url: dir });
  try {
    const out: number[][] = [];
    for (const p of positions) out.push((await engine.scoreNext({ ids: PROMPT.slice(0, p + 1) }, CANDIDATES)).logprobs);
    return out;
  } finally {
    await engine.unload();
  }
}

const fileHashes = (dir: string) => {
  const m = parseManifest(readFileSync(path.join(dir, 'ftlab-manifest.json'), 'utf8'));
  return Object.fromEntries(m.files.map((f) => [f.path, f.sha256]));
};

describe('ftlab convert (HF safetensors → MLC)', () => {
  for (const [quantization, generated] of [
    ['q0f32', 'tiny-random-llama-f32'],
    ['q4f16_1', 'tiny-random-llama-q4f16_1'],
  ] as const) {
    it(`${quantization}: the cpu engine gives the generator's model's log-probs exactly`, async () => {
      const out = path.join(tmp, `out-${quantization}`);
      const r = await runCli(['convert', '--hf', hfDir, '--out', out, '--quantization', quantization, '--json', '--id', `conv-${quantization}`]);
      expect(r.code).toBe(0);
      // Progress on stderr (not a terminal): the first and the last tensor.
      expect(r.err).toBe('convert: 1/15 tensors (7%) model.embed_tokens\nconvert: 15/15 tensors (100%) lm_head\n');
      const res = r.lines[0] as { manifest: { method: string; quantization: string }; library: { none?: string }; unused: string[] };
      expect(res.manifest).toMatchObject({ method: 'base', quantization });
      expect(res.library.none).toMatch(/not Llama-2-7b/);
      expect(res.unused).toEqual([]);
      const positions = [0, 5, PROMPT.length - 1];
      expect(await logprobsAt(out, positions)).toEqual(await logprobsAt(tiny[generated], positions));
    });
  }

  it('is byte-stable: converting again writes the same bytes; shards follow the 32 MiB rule', async () => {
    const a = path.join(tmp, 'stable-a');
    const b = path.join(tmp, 'stable-b');
    for (const out of [a, b]) expect((await runCli(['convert', '--hf', hfDir, '--out', out, '--quantization', 'q0f32', '--json', '--id', 'same'])).code).toBe(0);
    const ha = fileHashes(a);
    expect(fileHashes(b)).toEqual(ha);
    // The manifest's own hashes are true, and its bytes too are stable.
    for (const [f, sha] of Object.entries(ha)) expect(createHash('sha256').update(readFileSync(path.join(a, f))).digest('hex')).toBe(sha);
    expect(readFileSync(path.join(a, 'ftlab-manifest.json'))).toEqual(readFileSync(path.join(b, 'ftlab-manifest.json')));
    // 2 × 32000 × 64 floats = 16 MB of embedding + lm_head, 1.3 MB of layers: one shard under 32 MiB.
    expect(Object.keys(ha).filter((f) => f.startsWith('params_shard_'))).toEqual(['params_shard_0.bin']);
    const cache = JSON.parse(readFileSync(path.join(a, 'tensor-cache.json'), 'utf8')) as { records: { records: { name: string }[] }[] };
    expect(cache.records[0].records.slice(0, 7).map((r) => r.name)).toEqual([
      'model.embed_tokens.weight',
      'model.layers.0.self_attn.qkv_proj.weight',
      'model.layers.0.self_attn.o_proj.weight',
      'model.layers.0.mlp.gate_up_proj.weight',
      'model.layers.0.mlp.down_proj.weight',
      'model.layers.0.input_layernorm.weight',
      'model.layers.0.post_attention_layernorm.weight',
    ]);
  });

  it('reads a run card into the manifest and copies it into the folder', async () => {
    const card = path.join(tmp, 'card.json');
    writeFileSync(card, JSON.stringify({ schema: 'ftlab-run-card', baseModel: 'tiny-random-llama', method: 'fticl', modelId: 'tiny-fticl', data: { dataset: 'amazon_train_2000', examples: 64, shots: 2, template: 0 } }));
    const out = path.join(tmp, 'carded');
    const r = await runCli(['convert', '--hf', hfDir, '--out', out, '--quantization', 'q4f32_1', '--run-card', card, '--json']);
    expect(r.code).toBe(0);
    const m = parseManifest(readFileSync(path.join(out, 'ftlab-manifest.json'), 'utf8'));
    expect(m).toMatchObject({ id: 'tiny-fticl', method: 'fticl', baseModel: 'tiny-random-llama', training: { dataset: 'amazon_train_2000', size: 64, shots: 2 }, template: 0, quantization: 'q4f32_1' });
    expect(m.files.map((f) => f.path)).toContain('ftlab-run-card.json');
  });

  it('refuses bad input with one clear error and writes nothing', async () => {
    const out = path.join(tmp, 'refused');
    // An existing, non-empty --out.
    let r = await runCli(['convert', '--hf', hfDir, '--out', path.join(tmp, 'stable-a'), '--quantization', 'q0f32']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/exists and is not empty.*--force/);
    r = await runCli(['convert', '--hf', hfDir, '--out', out, '--quantization', 'q3f16_0']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--quantization must be one of q0f32, q0f16, q4f16_1, q4f32_1/);
    // A checkpoint whose tensor disagrees with config.json.
    const bad = path.join(tmp, 'hf-bad');
    const tensors = hfTensors(TINY_CONFIG, TINY_SEED);
    const wrongHeads = { ...TINY_CONFIG, numKvHeads: 4 };
    writeHfFolder(bad, wrongHeads, tensors, tiny['tiny-random-llama-f32']);
    r = await runCli(['convert', '--hf', bad, '--out', out, '--quantization', 'q0f32']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/k_proj\.weight.*shape \[32, 64\] does not match config\.json, which implies \[64, 64\]/);
    // A missing tensor.
    const missing = path.join(tmp, 'hf-missing');
    writeHfFolder(missing, TINY_CONFIG, tensors.filter((t) => t.name !== 'model.layers.1.mlp.up_proj.weight'), tiny['tiny-random-llama-f32']);
    r = await runCli(['convert', '--hf', missing, '--out', out, '--quantization', 'q0f32']);
    expect(r.err).toMatch(/lacks model\.layers\.1\.mlp\.up_proj\.weight/);
    expect(() => readFileSync(path.join(out, 'tensor-cache.json'))).toThrow();
    // Not a Llama.
    const cfg = { ...hfConfigJson(TINY_CONFIG), model_type: 'mistral', architectures: ['MistralForCausalLM'] };
    expect(() => parseHfLlamaConfig(cfg)).toThrow(/model_type "mistral"/);
    expect(() => parseHfLlamaConfig({ ...hfConfigJson(TINY_CONFIG), rope_scaling: { type: 'llama3' } })).toThrow(/rope_scaling/);
  });
});

describe('Llama-2-7b binds the prebuilt web-llm libraries', () => {
  const cfg: LlamaConfig = { ...TINY_CONFIG, ...LLAMA2_7B, rmsNormEps: 1e-5, contextWindowSize: 4096 };
  for (const q of ['q4f16_1', 'q4f32_1'] as const) {
    it(`${q}: the conversion's records are the library's parameter list (325 records)`, () => {
      const written = plannedRecords(planLlamaConversion(cfg), parseQuantization(q));
      expect(written).toHaveLength(325);
      expect(diffParams(written, llama2_7bLibraryParams(q))).toEqual([]);
    });
  }
  it('a wrong shape is reported against the library', () => {
    const written = plannedRecords(planLlamaConversion({ ...cfg, intermediateSize: 11264 }), parseQuantization('q4f16_1'));
    expect(diffParams(written, llama2_7bLibraryParams('q4f16_1'))[0]).toMatch(/gate_up_proj\.q_weight: uint32\[22528, 512\], the library expects uint32\[22016, 512\]/);
  });
});
