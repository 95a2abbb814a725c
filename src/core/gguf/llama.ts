/**
 * What a Llama checkpoint becomes in GGUF, as llama.cpp's own convert_hf_to_gguf.py writes it:
 * the `llama.*` hyper-parameters, an SPM (`tokenizer.ggml.model = "llama"`) vocabulary, and
 * tensor names `token_embd`, `blk.N.attn_q`, ... `output`.
 *
 * Two facts make the GGUF model compute what the Hugging Face / MLC one does:
 * - RoPE layout. HF and MLC rotate the halves of each head (rotate_half); llama.cpp's llama
 *   architecture rotates adjacent pairs. The converter therefore interleaves each head's q and k
 *   rows: new row 2j = old row j, new row 2j+1 = old row j + headDim/2 (`permuteForGgufRope`).
 * - Token scores. llama.cpp's SPM tokenizer merges the pair whose merged piece has the highest
 *   score. A tokenizer.json carries merge ranks instead; with the scores all equal (what a
 *   converter without tokenizer.model writes: -1000) it tokenizes most prompts differently from
 *   Llama-2 (236 of 250 amazon prompts). Llama-2's vocabulary is ordered by score, so score = -id
 *   ranks merges exactly as the original model does.
 */
import type { LlamaConfig } from '../mlc/chat-config.ts';
import type { GgufValue } from './writer.ts';

/** llama.cpp token types (llama_token_type). */
export const GGUF_TOKEN_TYPE = { normal: 1, unknown: 2, control: 3, byte: 6 } as const;

export interface LlamaGgufTokenizer {
  /** Pieces by id ("<unk>", "<s>", "</s>", "<0x00>", …, "▁the", …). */
  pieces: readonly string[];
  /** Ids of the special (added) tokens. */
  specialIds: ReadonlySet<number>;
  bosId: number;
  eosId: number;
  unkId: number;
  /** Whether llama.cpp prepends BOS when it tokenizes a text prompt (`tokenizer.ggml.add_bos_token`). */
  addBos: boolean;
}

const BYTE_PIECE = /^<0x[0-9A-F]{2}>$/;

/** The metadata of a float32 Llama GGUF. */
export function llamaGgufMetadata(name: string, cfg: LlamaConfig, tok: LlamaGgufTokenizer): Map<string, GgufValue> {
  const n = tok.pieces.length;
  const types = new Int32Array(n);
  const scores = new Float32Array(n);
  for (let id = 0; id < n; id++) {
    const piece = tok.pieces[id];
    if (id === tok.unkId) types[id] = GGUF_TOKEN_TYPE.unknown;
    else if (tok.specialIds.has(id)) types[id] = GGUF_TOKEN_TYPE.control;
    else if (BYTE_PIECE.test(piece)) types[id] = GGUF_TOKEN_TYPE.byte;
    else {
      types[id] = GGUF_TOKEN_TYPE.normal;
      scores[id] = -id;
    }
  }
  const u32 = (value: number): GgufValue => ({ type: 'uint32', value });
  return new Map<string, GgufValue>([
    ['general.architecture', { type: 'string', value: 'llama' }],
    ['general.name', { type: 'string', value: name }],
    ['general.file_type', u32(0)], // all float32
    ['general.alignment', u32(32)],
    ['llama.context_length', u32(cfg.contextWindowSize)],
    ['llama.embedding_length', u32(cfg.hiddenSize)],
    ['llama.block_count', u32(cfg.numLayers)],
    ['llama.feed_forward_length', u32(cfg.intermediateSize)],
    ['llama.rope.dimension_count', u32(cfg.headDim)],
    ['llama.attention.head_count', u32(cfg.numHeads)],
    ['llama.attention.head_count_kv', u32(cfg.numKvHeads)],
    ['llama.attention.key_length', u32(cfg.headDim)],
    ['llama.attention.value_length', u32(cfg.headDim)],
    ['llama.attention.layer_norm_rms_epsilon', { type: 'float32', value: cfg.rmsNormEps }],
    ['llama.rope.freq_base', { type: 'float32', value: cfg.ropeTheta }],
    ['llama.vocab_size', u32(n)],
    ['tokenizer.ggml.model', { type: 'string', value: 'llama' }],
    ['tokenizer.ggml.tokens', { type: 'array', of: 'string', value: tok.pieces }],
    ['tokenizer.ggml.scores', { type: 'array', of: 'float32', value: scores }],
    ['tokenizer.ggml.token_type', { type: 'array', of: 'int32', value: types }],
    ['tokenizer.ggml.bos_token_id', u32(tok.bosId)],
    ['tokenizer.ggml.eos_token_id', u32(tok.eosId)],
    ['tokenizer.ggml.unknown_token_id', u32(tok.unkId)],
    ['tokenizer.ggml.add_bos_token', { type: 'bool', value: tok.addBos }],
    ['tokenizer.ggml.add_eos_token', { type: 'bool', value: false }],
  ]);
}

/** GGUF tensor names (llama.cpp's LLM_TENSOR_NAMES for LLM_ARCH_LLAMA). */
export const llamaGgufTensorName = {
  embed: 'token_embd.weight',
  outputNorm: 'output_norm.weight',
  output: 'output.weight',
  layer: (i: number) => ({
    attnNorm: `blk.${i}.attn_norm.weight`,
    q: `blk.${i}.attn_q.weight`,
    k: `blk.${i}.attn_k.weight`,
    v: `blk.${i}.attn_v.weight`,
    o: `blk.${i}.attn_output.weight`,
    ffnNorm: `blk.${i}.ffn_norm.weight`,
    gate: `blk.${i}.ffn_gate.weight`,
    up: `blk.${i}.ffn_up.weight`,
    down: `blk.${i}.ffn_down.weight`,
  }),
} as const;

/**
 * Rows of a [heads·headDim, K] q or k projection reordered from the rotate-half layout to
 * llama.cpp's adjacent-pair RoPE (convert_hf_to_gguf.py's LlamaModel.permute).
 */
export function permuteForGgufRope(w: Float32Array, heads: number, headDim: number, K: number): Float32Array {
  if (w.length !== heads * headDim * K) throw new RangeError(`expected ${heads}×${headDim} rows of ${K}, got ${w.length} values`);
  const out = new Float32Array(w.length);
  const half = headDim / 2;
  for (let h = 0; h < heads; h++) {
    for (let j = 0; j < half; j++) {
      const base = h * headDim;
      out.set(w.subarray((base + j) * K, (base + j + 1) * K), (base + 2 * j) * K);
      out.set(w.subarray((base + j + half) * K, (base + j + half + 1) * K), (base + 2 * j + 1) * K);
    }
  }
  return out;
}
