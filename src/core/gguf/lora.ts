/**
 * A PEFT LoRA adapter (adapter_config.json + adapter_model.safetensors, what train/ saves) as a
 * llama.cpp LoRA adapter GGUF, the file llama.cpp's server applies on top of the base model's
 * GGUF and serves under a model alias of its own (llama-cpp-python: `lora_path`).
 *
 * What llama.cpp reads (src/llama-adapter.cpp): `general.type = "adapter"`, `adapter.type =
 * "lora"`, `general.architecture` equal to the base model's, `adapter.lora.alpha`, and per adapted
 * base tensor `<base name>.lora_a` with ne [in, r] and `<base name>.lora_b` with ne [r, out], i.e.
 * PEFT's A [r, in] and B [out, r] as they are (row-major, dims innermost first). At run time it
 * adds scale·B·A·x with scale = alpha / r (r read from lora_b), and with alpha = 0 scale = 1.
 *
 * Two facts make it compute what merge_and_unload computes:
 * - RoPE layout: the base GGUF's q and k rows are permuted for llama.cpp's adjacent-pair RoPE
 *   (llama.ts), so B's rows (the output side) of q_proj and k_proj get the same permutation;
 *   A (the input side) does not change.
 * - Scale: PEFT's scale is alpha / r per module (rank_pattern may change r), alpha / √r with
 *   rsLoRA, and alpha_pattern may change alpha. When llama.cpp's alpha / r gives every module's
 *   scale, the file carries PEFT's alpha and B as trained; otherwise each B is multiplied by its
 *   module's scale and alpha is 0 (llama.cpp's "scale 1").
 */
import type { LlamaConfig } from '../mlc/chat-config.ts';
import { ArtifactCorruptError, UnsupportedModelError } from '../engine-errors.ts';
import { loraScale, type LoraConfig } from '../delta/lora.ts';
import type { GgufTensor, GgufValue } from './writer.ts';
import { llamaGgufTensorName, permuteForGgufRope } from './llama.ts';

/** One adapted module's tensors as PEFT stores them. */
export interface PeftLoraModule {
  /** HF module name without PEFT's prefix, e.g. "model.layers.0.self_attn.q_proj". */
  module: string;
  /** lora_A [r, in], row-major. */
  a: Float32Array;
  aShape: readonly number[];
  /** lora_B [out, r], row-major. */
  b: Float32Array;
  bShape: readonly number[];
}

/** The base GGUF tensor a Hugging Face Llama module is, with its shape and RoPE permutation. */
interface BaseTensor {
  name: string;
  out: number;
  in: number;
  /** Heads whose rows are permuted for llama.cpp's RoPE (q: heads, k: KV heads), else null. */
  ropeHeads: number | null;
}

const HF_LAYER_MODULE = /^model\.layers\.(\d+)\.(self_attn\.(?:q|k|v|o)_proj|mlp\.(?:gate|up|down)_proj)$/;

/** Where an adapted HF module lands in llama.cpp's Llama, or a clear error for what it cannot take. */
export function baseTensorFor(module: string, cfg: LlamaConfig, file: string): BaseTensor {
  const H = cfg.hiddenSize;
  const q = cfg.numHeads * cfg.headDim;
  const kv = cfg.numKvHeads * cfg.headDim;
  if (module === 'lm_head') return { name: llamaGgufTensorName.output, out: cfg.vocabSize, in: H, ropeHeads: null };
  const m = HF_LAYER_MODULE.exec(module);
  if (!m) throw new UnsupportedModelError(`${file}: a LoRA on ${module} (llama.cpp adapts the attention and MLP projections and lm_head of a Llama)`, 'merge the adapter (train/ saves merged weights too) and export the merged model');
  const layer = Number(m[1]);
  if (layer >= cfg.numLayers) throw new ArtifactCorruptError(file, `layer ${layer} does not exist in the base model (${cfg.numLayers} layers): another base model's adapter?`, module);
  const n = llamaGgufTensorName.layer(layer);
  switch (m[2]) {
    case 'self_attn.q_proj':
      return { name: n.q, out: q, in: H, ropeHeads: cfg.numHeads };
    case 'self_attn.k_proj':
      return { name: n.k, out: kv, in: H, ropeHeads: cfg.numKvHeads };
    case 'self_attn.v_proj':
      return { name: n.v, out: kv, in: H, ropeHeads: null };
    case 'self_attn.o_proj':
      return { name: n.o, out: H, in: q, ropeHeads: null };
    case 'mlp.gate_proj':
      return { name: n.gate, out: cfg.intermediateSize, in: H, ropeHeads: null };
    case 'mlp.up_proj':
      return { name: n.up, out: cfg.intermediateSize, in: H, ropeHeads: null };
    default:
      return { name: n.down, out: H, in: cfg.intermediateSize, ropeHeads: null };
  }
}

/** Whether llama.cpp's alpha / r reproduces PEFT's scale for every module. */
function alphaOverRankHolds(lora: LoraConfig, modules: readonly PeftLoraModule[]): boolean {
  return !lora.rslora && modules.every((m) => loraScale(lora, m.module).alpha === lora.alpha);
}

/** The adapter GGUF's metadata and tensors (lora_a then lora_b per module, in the order given). */
export function loraGguf(name: string, cfg: LlamaConfig, lora: LoraConfig, modules: readonly PeftLoraModule[], file = 'adapter_model.safetensors'): { metadata: Map<string, GgufValue>; tensors: GgufTensor[]; alpha: number } {
  if (modules.length === 0) throw new ArtifactCorruptError(file, 'no lora_A / lora_B tensors: not a LoRA adapter');
  const keepAlpha = alphaOverRankHolds(lora, modules);
  const tensors: GgufTensor[] = [];
  for (const m of modules) {
    const base = baseTensorFor(m.module, cfg, file);
    const { r, scale } = loraScale(lora, m.module);
    const [ar, ain] = m.aShape;
    const [bout, br] = m.bShape;
    if (m.aShape.length !== 2 || m.bShape.length !== 2 || ar !== r || br !== r) {
      throw new ArtifactCorruptError(file, `lora_A [${m.aShape.join(', ')}] and lora_B [${m.bShape.join(', ')}] do not fit rank ${r} (adapter_config.json)`, m.module);
    }
    if (ain !== base.in || bout !== base.out) {
      throw new ArtifactCorruptError(file, `ΔW would be [${bout}, ${ain}] but the base model's ${base.name} is [${base.out}, ${base.in}]: another base model's adapter?`, m.module);
    }
    let b = base.ropeHeads === null ? m.b : permuteForGgufRope(m.b, base.ropeHeads, cfg.headDim, r);
    if (!keepAlpha) b = b.map((v) => v * scale);
    tensors.push({ name: `${base.name}.lora_a`, dims: [ain, r], data: m.a }, { name: `${base.name}.lora_b`, dims: [r, bout], data: b });
  }
  const alpha = keepAlpha ? lora.alpha : 0;
  const metadata = new Map<string, GgufValue>([
    ['general.architecture', { type: 'string', value: 'llama' }],
    ['general.type', { type: 'string', value: 'adapter' }],
    ['general.name', { type: 'string', value: name }],
    ['general.alignment', { type: 'uint32', value: 32 }],
    ['adapter.type', { type: 'string', value: 'lora' }],
    // 0: the scales are folded into lora_b (llama.cpp then applies B·A with scale 1).
    ['adapter.lora.alpha', { type: 'float32', value: alpha }],
  ]);
  return { metadata, tensors, alpha };
}
