/**
 * A Hugging Face-layout Llama folder written by the tests themselves: the tiny random model's
 * weights (scripts/make-tiny-model.ts) split back into HF names (qkv → q, k, v; gate_up → gate,
 * up), saved as two safetensors shards with model.safetensors.index.json, plus config.json and
 * the tokenizer files. Converting it must give back the generator's MLC model.
 */
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { LlamaConfig } from '../../src/core/mlc/chat-config.ts';
import { encodeSafetensors, type SafetensorsInput } from '../../src/core/safetensors/index.ts';
import type { DecodedDtype } from '../../src/core/safetensors/reader.ts';
import { randomLlamaWeights } from '../../scripts/make-tiny-model.ts';

export function hfConfigJson(cfg: LlamaConfig): Record<string, unknown> {
  return {
    architectures: ['LlamaForCausalLM'],
    model_type: 'llama',
    hidden_size: cfg.hiddenSize,
    intermediate_size: cfg.intermediateSize,
    num_attention_heads: cfg.numHeads,
    num_key_value_heads: cfg.numKvHeads,
    head_dim: cfg.headDim,
    num_hidden_layers: cfg.numLayers,
    rms_norm_eps: cfg.rmsNormEps,
    rope_theta: cfg.ropeTheta,
    max_position_embeddings: cfg.contextWindowSize,
    vocab_size: cfg.vocabSize,
    tie_word_embeddings: cfg.tieWordEmbeddings,
    hidden_act: 'silu',
    bos_token_id: 1,
    eos_token_id: 2,
    torch_dtype: 'float32',
  };
}

/** HF tensors of the generator's random weights, in HF names. */
export function hfTensors(cfg: LlamaConfig, seed: number, dtype: DecodedDtype = 'F32'): SafetensorsInput[] {
  const { matrices, norms } = randomLlamaWeights(cfg, seed);
  const out: SafetensorsInput[] = [];
  const rows = (name: string, from: number, to: number) => {
    const m = matrices.get(name)!;
    return { shape: [to - from, m.K], data: m.w.slice(from * m.K, to * m.K) };
  };
  const add = (name: string, t: { shape: number[]; data: Float32Array }) => out.push({ name, dtype, ...t });
  const whole = (name: string) => rows(name, 0, matrices.get(name)!.N);
  add('model.embed_tokens.weight', whole('model.embed_tokens'));
  const q = cfg.numHeads * cfg.headDim;
  const kv = cfg.numKvHeads * cfg.headDim;
  for (let i = 0; i < cfg.numLayers; i++) {
    const p = `model.layers.${i}`;
    add(`${p}.self_attn.q_proj.weight`, rows(`${p}.self_attn.qkv_proj`, 0, q));
    add(`${p}.self_attn.k_proj.weight`, rows(`${p}.self_attn.qkv_proj`, q, q + kv));
    add(`${p}.self_attn.v_proj.weight`, rows(`${p}.self_attn.qkv_proj`, q + kv, q + 2 * kv));
    add(`${p}.self_attn.o_proj.weight`, whole(`${p}.self_attn.o_proj`));
    add(`${p}.mlp.gate_proj.weight`, rows(`${p}.mlp.gate_up_proj`, 0, cfg.intermediateSize));
    add(`${p}.mlp.up_proj.weight`, rows(`${p}.mlp.gate_up_proj`, cfg.intermediateSize, 2 * cfg.intermediateSize));
    add(`${p}.mlp.down_proj.weight`, whole(`${p}.mlp.down_proj`));
    add(`${p}.input_layernorm.weight`, { shape: [cfg.hiddenSize], data: norms.get(`${p}.input_layernorm`)! });
    add(`${p}.post_attention_layernorm.weight`, { shape: [cfg.hiddenSize], data: norms.get(`${p}.post_attention_layernorm`)! });
  }
  add('model.norm.weight', { shape: [cfg.hiddenSize], data: norms.get('model.norm')! });
  if (!cfg.tieWordEmbeddings) add('lm_head.weight', whole('lm_head'));
  return out;
}

/** Writes the folder: two shards (first half of the tensors, second half) and their index. */
export function writeHfFolder(dir: string, cfg: LlamaConfig, tensors: SafetensorsInput[], tokenizerDir: string): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'config.json'), JSON.stringify(hfConfigJson(cfg), null, 2));
  const half = Math.ceil(tensors.length / 2);
  const shards = [tensors.slice(0, half), tensors.slice(half)];
  const weightMap: Record<string, string> = {};
  shards.forEach((part, i) => {
    const file = `model-0000${i + 1}-of-00002.safetensors`;
    writeFileSync(path.join(dir, file), encodeSafetensors(part, { format: 'pt' }));
    for (const t of part) weightMap[t.name] = file;
  });
  writeFileSync(path.join(dir, 'model.safetensors.index.json'), JSON.stringify({ metadata: {}, weight_map: weightMap }));
  for (const f of ['tokenizer.json', 'tokenizer_config.json']) copyFileSync(path.join(tokenizerDir, f), path.join(dir, f));
}
