/**
 * `mlc-chat-config.json`: the model's architecture (`model_config`), quantization, tokenizer
 * files and special token ids, as `mlc_llm gen_config` writes them. Only the Llama family is
 * read here; anything else is rejected with a clear error rather than half-run.
 */
import { ArtifactCorruptError, UnsupportedModelError } from '../engine-errors.ts';

export const CHAT_CONFIG_FILE = 'mlc-chat-config.json';

/** The architecture numbers a Llama forward pass needs (camelCase of `model_config`). */
export interface LlamaConfig {
  hiddenSize: number;
  numLayers: number;
  numHeads: number;
  numKvHeads: number;
  headDim: number;
  intermediateSize: number;
  rmsNormEps: number;
  /** RoPE theta (`position_embedding_base`, HF `rope_theta`). */
  ropeTheta: number;
  contextWindowSize: number;
  prefillChunkSize: number;
  vocabSize: number;
  /** When true the checkpoint has no `lm_head` and reuses `model.embed_tokens`. */
  tieWordEmbeddings: boolean;
}

export interface MlcChatConfig {
  modelType: string;
  /** e.g. "q4f16_1", "q0f32". */
  quantization: string;
  model: LlamaConfig;
  bosTokenId: number;
  /** All ids that end a generation (MLC allows one id or a list). */
  eosTokenIds: number[];
  padTokenId: number | undefined;
  tokenizerFiles: string[];
  /** The raw JSON, for fields this module does not interpret (conv_template, sampling defaults). */
  raw: Record<string, unknown>;
}

type Json = Record<string, unknown>;

function num(obj: Json, key: string, file: string, fallback?: number): number {
  const v = obj[key];
  if (v === undefined && fallback !== undefined) return fallback;
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw new ArtifactCorruptError(file, `field "${key}" must be a number, got ${JSON.stringify(v)}`);
  }
  return v;
}

function posInt(obj: Json, key: string, file: string, fallback?: number): number {
  const v = num(obj, key, file, fallback);
  if (!Number.isInteger(v) || v <= 0) throw new ArtifactCorruptError(file, `field "${key}" must be a positive integer, got ${v}`);
  return v;
}

/** Validates and normalizes a parsed mlc-chat-config.json (defaults follow mlc_llm's LlamaConfig). */
export function parseChatConfig(json: unknown, file = CHAT_CONFIG_FILE): MlcChatConfig {
  if (!json || typeof json !== 'object' || Array.isArray(json)) throw new ArtifactCorruptError(file, 'expected a JSON object');
  const raw = json as Json;
  const modelType = typeof raw.model_type === 'string' ? raw.model_type : 'llama';
  if (modelType !== 'llama') throw new UnsupportedModelError(`model_type "${modelType}" (only "llama" is implemented)`);
  const mc = raw.model_config;
  if (!mc || typeof mc !== 'object') throw new ArtifactCorruptError(file, 'missing "model_config" object');
  const m = mc as Json;
  const hiddenSize = posInt(m, 'hidden_size', file);
  const numHeads = posInt(m, 'num_attention_heads', file);
  const numKvHeads = posInt(m, 'num_key_value_heads', file, numHeads);
  const headDim = posInt(m, 'head_dim', file, Math.floor(hiddenSize / numHeads));
  if (numHeads % numKvHeads !== 0) {
    throw new ArtifactCorruptError(file, `num_attention_heads ${numHeads} is not a multiple of num_key_value_heads ${numKvHeads}`);
  }
  if (headDim % 2 !== 0) throw new ArtifactCorruptError(file, `head_dim ${headDim} must be even for rotary embeddings`);
  const ropeScaling = m.rope_scaling;
  if (ropeScaling && typeof ropeScaling === 'object') {
    throw new UnsupportedModelError('rope_scaling (Llama-3 style) is not implemented by the cpu backend');
  }
  // MLC puts these at the top level too, and the top level wins at runtime (gen_config overrides).
  const contextWindowSize = posInt(raw, 'context_window_size', file, posInt(m, 'context_window_size', file, 4096));
  const prefillChunkSize = posInt(raw, 'prefill_chunk_size', file, posInt(m, 'prefill_chunk_size', file, Math.min(contextWindowSize, 8192)));
  const vocabSize = posInt(m, 'vocab_size', file, typeof raw.vocab_size === 'number' ? raw.vocab_size : undefined);
  const model: LlamaConfig = {
    hiddenSize,
    numLayers: posInt(m, 'num_hidden_layers', file),
    numHeads,
    numKvHeads,
    headDim,
    intermediateSize: posInt(m, 'intermediate_size', file),
    rmsNormEps: num(m, 'rms_norm_eps', file, 1e-6),
    ropeTheta: num(m, 'position_embedding_base', file, typeof m.rope_theta === 'number' ? m.rope_theta : 10000),
    contextWindowSize,
    prefillChunkSize,
    vocabSize,
    tieWordEmbeddings: m.tie_word_embeddings === true,
  };
  const eos = raw.eos_token_id;
  if (Array.isArray(eos) && eos.some((x) => typeof x !== 'number')) throw new ArtifactCorruptError(file, `eos_token_id must be a number or a list of numbers, not ${JSON.stringify(eos)}`);
  const eosTokenIds = Array.isArray(eos) ? eos.filter((x): x is number => typeof x === 'number') : typeof eos === 'number' ? [eos] : [2];
  const bosTokenId = typeof raw.bos_token_id === 'number' ? raw.bos_token_id : 1;
  // Ids past the vocabulary index past the embedding: refused here rather than read as garbage later.
  const inVocab = (name: string, id: number, allowNegative = false): void => {
    if (allowNegative && id < 0) return;
    if (!Number.isInteger(id) || id < 0 || id >= vocabSize) throw new ArtifactCorruptError(file, `${name} ${id} is outside the vocabulary (vocab_size ${vocabSize}: ids 0..${vocabSize - 1})`);
  };
  inVocab('bos_token_id', bosTokenId);
  for (const id of eosTokenIds) inVocab('eos_token_id', id);
  if (typeof raw.pad_token_id === 'number') inVocab('pad_token_id', raw.pad_token_id, true);
  return {
    modelType,
    quantization: typeof raw.quantization === 'string' ? raw.quantization : 'q0f32',
    model,
    bosTokenId,
    eosTokenIds,
    padTokenId: typeof raw.pad_token_id === 'number' ? raw.pad_token_id : undefined,
    tokenizerFiles: Array.isArray(raw.tokenizer_files) ? raw.tokenizer_files.filter((x): x is string => typeof x === 'string') : ['tokenizer.json'],
    raw,
  };
}

/** The mlc-chat-config.json a conversion of `model` would carry (used by the tiny-model generator). */
export function chatConfigJson(
  model: LlamaConfig,
  opts: { quantization: string; bosTokenId?: number; eosTokenId?: number; padTokenId?: number; tokenizerFiles?: string[]; extra?: Json },
): Json {
  return {
    version: '0.1.0',
    model_type: 'llama',
    quantization: opts.quantization,
    model_config: {
      hidden_size: model.hiddenSize,
      intermediate_size: model.intermediateSize,
      num_attention_heads: model.numHeads,
      num_hidden_layers: model.numLayers,
      rms_norm_eps: model.rmsNormEps,
      vocab_size: model.vocabSize,
      tie_word_embeddings: model.tieWordEmbeddings,
      position_embedding_base: model.ropeTheta,
      context_window_size: model.contextWindowSize,
      prefill_chunk_size: model.prefillChunkSize,
      num_key_value_heads: model.numKvHeads,
      head_dim: model.headDim,
      tensor_parallel_shards: 1,
      max_batch_size: 1,
    },
    vocab_size: model.vocabSize,
    context_window_size: model.contextWindowSize,
    sliding_window_size: -1,
    prefill_chunk_size: model.prefillChunkSize,
    attention_sink_size: -1,
    tensor_parallel_shards: 1,
    temperature: 1.0,
    presence_penalty: 0.0,
    frequency_penalty: 0.0,
    repetition_penalty: 1.0,
    top_p: 1.0,
    tokenizer_files: opts.tokenizerFiles ?? ['tokenizer.json', 'tokenizer_config.json'],
    tokenizer_info: { token_postproc_method: 'byte_fallback', prepend_space_in_encode: false, strip_space_in_decode: false },
    conv_template: {
      name: 'LM',
      system_template: '{system_message}',
      system_message: '',
      roles: { user: '', assistant: '' },
      seps: [''],
      role_content_sep: '',
      role_empty_sep: '',
      stop_str: [],
      stop_token_ids: [opts.eosTokenId ?? 2],
      system_prefix_token_ids: [opts.bosTokenId ?? 1],
    },
    pad_token_id: opts.padTokenId ?? 0,
    bos_token_id: opts.bosTokenId ?? 1,
    eos_token_id: opts.eosTokenId ?? 2,
    ...opts.extra,
  };
}
