/**
 * A LoRA adapter of the tiny f32 model, as PEFT saves one (adapter_config.json +
 * adapter_model.safetensors, HF module names, seeded noise), and the same model with the adapter
 * merged the way merge_and_unload merges it (W + (alpha/r)·B·A, in float64, stored float32) as an
 * MLC folder: the cpu engine on the merged folder is the reference for llama.cpp's server
 * applying the adapter's GGUF at run time.
 */
import fs from 'node:fs';
import path from 'node:path';
import { buildLlamaFolder, normals, randomLlamaWeights, TINY_MODELS } from '../../scripts/make-tiny-model.ts';
import { layerNames } from '../../src/core/mlc/llama-layout.ts';
import { fnv1a } from '../../src/core/random.ts';
import { encodeSafetensors, type SafetensorsInput } from '../../src/core/safetensors/writer.ts';

export const TINY_LORA = { r: 4, alpha: 8, seed: 7 } as const;
const HF_MODULES = ['self_attn.q_proj', 'self_attn.k_proj', 'self_attn.v_proj', 'self_attn.o_proj', 'mlp.gate_proj', 'mlp.up_proj', 'mlp.down_proj'] as const;

/** Writes `<root>/tiny-lora-adapter` and `<root>/tiny-lora-merged`; returns their paths. */
export function writeTinyLora(root: string): { adapterDir: string; mergedDir: string; scale: number } {
  const spec = TINY_MODELS[0]; // tiny-random-llama-f32
  const cfg = spec.config;
  const { r, alpha } = TINY_LORA;
  const scale = alpha / r;
  const weights = randomLlamaWeights(cfg, spec.seed);
  const q = cfg.numHeads * cfg.headDim;
  const kv = cfg.numKvHeads * cfg.headDim;
  const I = cfg.intermediateSize;
  const H = cfg.hiddenSize;
  const tensors: SafetensorsInput[] = [];
  for (let layer = 0; layer < cfg.numLayers; layer++) {
    const n = layerNames(layer);
    // [fused MLC matrix, first row there, out rows, in features]
    const where: Record<(typeof HF_MODULES)[number], [string, number, number, number]> = {
      'self_attn.q_proj': [n.qkv, 0, q, H],
      'self_attn.k_proj': [n.qkv, q, kv, H],
      'self_attn.v_proj': [n.qkv, q + kv, kv, H],
      'self_attn.o_proj': [n.o, 0, H, q],
      'mlp.gate_proj': [n.gateUp, 0, I, H],
      'mlp.up_proj': [n.gateUp, I, I, H],
      'mlp.down_proj': [n.down, 0, H, I],
    };
    for (const mod of HF_MODULES) {
      const [matrix, row0, out, inF] = where[mod];
      // ΔW's entries about half the base weights' (N(0, 1/in)): the adapted model answers differently.
      const prefix = `base_model.model.model.layers.${layer}.${mod}`;
      // Per-tensor seeds, as the tiny model's own weights have.
      const a = normals((TINY_LORA.seed ^ fnv1a(`${prefix}.lora_A`)) >>> 0, r * inF, 1 / Math.sqrt(inF));
      const b = normals((TINY_LORA.seed ^ fnv1a(`${prefix}.lora_B`)) >>> 0, out * r, 0.5 / Math.sqrt(r * scale * scale));
      tensors.push({ name: `${prefix}.lora_A.weight`, dtype: 'F32', shape: [r, inF], data: a }, { name: `${prefix}.lora_B.weight`, dtype: 'F32', shape: [out, r], data: b });
      const w = weights.matrices.get(matrix);
      if (!w) throw new Error(`no ${matrix} in the tiny model`);
      for (let o = 0; o < out; o++) {
        for (let i = 0; i < inF; i++) {
          let d = 0;
          for (let k = 0; k < r; k++) d += b[o * r + k] * a[k * inF + i];
          w.w[(row0 + o) * inF + i] += scale * d;
        }
      }
    }
  }
  const adapterDir = path.join(root, 'tiny-lora-adapter');
  fs.mkdirSync(adapterDir, { recursive: true });
  fs.writeFileSync(path.join(adapterDir, 'adapter_model.safetensors'), encodeSafetensors(tensors, { format: 'pt' }));
  fs.writeFileSync(
    path.join(adapterDir, 'adapter_config.json'),
    JSON.stringify({ peft_type: 'LORA', r, lora_alpha: alpha, lora_dropout: 0, target_modules: HF_MODULES.map((m) => m.split('.')[1]), base_model_name_or_path: spec.id, bias: 'none', task_type: 'CAUSAL_LM' }, null, 2),
  );
  const mergedDir = path.join(root, 'tiny-lora-merged');
  fs.mkdirSync(mergedDir, { recursive: true });
  for (const [p, bytes] of buildLlamaFolder({ ...spec, id: 'tiny-lora-merged' }, weights)) fs.writeFileSync(path.join(mergedDir, p), bytes);
  return { adapterDir, mergedDir, scale };
}
