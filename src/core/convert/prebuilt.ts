/**
 * The prebuilt web-llm model libraries a converted Llama-2-7b binds to. A library binds weights
 * by name and shape only, so any Llama-2-7b (base, FT, FTICL) converted with the same
 * quantization runs on the chat model's library. The parameter list below is the one the
 * q4 libraries load (mlc-ai/Llama-2-7b-chat-hf-q4f16_1-MLC's tensor-cache.json: 325 records),
 * written out by hand from those numbers, not derived from llama-plan.ts, so that a slip in the
 * plan shows up as a mismatch here.
 */
import type { LlamaConfig } from '../mlc/chat-config.ts';
import type { PlannedRecord } from './llama-plan.ts';

/** Llama-2-7b's architecture numbers (meta-llama/Llama-2-7b-hf config.json). */
export const LLAMA2_7B = {
  hiddenSize: 4096,
  numLayers: 32,
  numHeads: 32,
  numKvHeads: 32,
  headDim: 128,
  intermediateSize: 11008,
  vocabSize: 32000,
  tieWordEmbeddings: false,
} as const;

/** web-llm 0.2.86's prebuilt libraries (file names under its modelLibURLPrefix + modelVersion). */
export const LLAMA2_7B_LIBS = {
  q4f16_1: 'Llama-2-7b-chat-hf-q4f16_1_cs1k-webgpu.wasm',
  q4f32_1: 'Llama-2-7b-chat-hf-q4f32_1_cs1k-webgpu.wasm',
} as const;
export type PrebuiltQuantization = keyof typeof LLAMA2_7B_LIBS;

export function isLlama2_7b(cfg: LlamaConfig): boolean {
  return (Object.keys(LLAMA2_7B) as (keyof typeof LLAMA2_7B)[]).every((k) => cfg[k] === LLAMA2_7B[k]);
}

/** The parameter list the prebuilt Llama-2-7b library of a q4 quantization expects. */
export function llama2_7bLibraryParams(quant: PrebuiltQuantization): PlannedRecord[] {
  const scale = quant === 'q4f16_1' ? 'float16' : 'float32';
  const q = (name: string, rows: number, words: number, groups: number): PlannedRecord[] => [
    { name: `${name}.q_weight`, dtype: 'uint32', shape: [rows, words] },
    { name: `${name}.q_scale`, dtype: scale, shape: [rows, groups] },
  ];
  const out: PlannedRecord[] = [...q('model.embed_tokens', 32000, 512, 128)];
  for (let i = 0; i < 32; i++) {
    const p = `model.layers.${i}`;
    out.push(
      ...q(`${p}.self_attn.qkv_proj`, 12288, 512, 128),
      ...q(`${p}.self_attn.o_proj`, 4096, 512, 128),
      ...q(`${p}.mlp.gate_up_proj`, 22016, 512, 128),
      ...q(`${p}.mlp.down_proj`, 4096, 1376, 344),
      { name: `${p}.input_layernorm.weight`, dtype: scale, shape: [4096] },
      { name: `${p}.post_attention_layernorm.weight`, dtype: scale, shape: [4096] },
    );
  }
  out.push({ name: 'model.norm.weight', dtype: scale, shape: [4096] }, ...q('lm_head', 32000, 512, 128));
  return out;
}

/** Differences between what a conversion writes and what a library loads (empty: it binds). */
export function diffParams(written: PlannedRecord[], expected: PlannedRecord[]): string[] {
  const got = new Map(written.map((r) => [r.name, r]));
  const problems: string[] = [];
  for (const e of expected) {
    const w = got.get(e.name);
    if (!w) problems.push(`missing ${e.name}`);
    else if (w.dtype !== e.dtype || w.shape.join(',') !== e.shape.join(',')) {
      problems.push(`${e.name}: ${w.dtype}[${w.shape.join(', ')}], the library expects ${e.dtype}[${e.shape.join(', ')}]`);
    }
    got.delete(e.name);
  }
  for (const name of got.keys()) problems.push(`extra ${name} (the library does not load it)`);
  return problems;
}
