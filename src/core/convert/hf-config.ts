/**
 * A Hugging Face `config.json` of a Llama-architecture model, read into ftlab's LlamaConfig.
 * Anything the cpu engine and web-llm's Llama library would not compute the same way (another
 * architecture, biases, RoPE scaling, another activation) is refused here, before a byte is
 * written, rather than converted into a model that runs but computes something else.
 */
import { ArtifactCorruptError, UnsupportedModelError } from '../engine-errors.ts';
import type { LlamaConfig } from '../mlc/chat-config.ts';

export const HF_CONFIG_FILE = 'config.json';

export interface HfLlamaConfig {
  model: LlamaConfig;
  bosTokenId: number;
  eosTokenId: number;
  padTokenId: number | undefined;
  /** `torch_dtype` / `dtype` as saved, e.g. "bfloat16" (informational). */
  savedDtype: string | undefined;
  /** `_name_or_path` when the saving library wrote one. */
  nameOrPath: string | undefined;
}

type Json = Record<string, unknown>;

export function parseHfLlamaConfig(json: unknown, file = HF_CONFIG_FILE): HfLlamaConfig {
  if (!json || typeof json !== 'object' || Array.isArray(json)) throw new ArtifactCorruptError(file, 'expected a JSON object');
  const c = json as Json;
  const hint = 'ftlab convert reads Llama-architecture checkpoints (LlamaForCausalLM: Llama-2, TinyLlama, ...)';
  const archs = Array.isArray(c.architectures) ? c.architectures : [];
  if (c.model_type !== 'llama' && !archs.includes('LlamaForCausalLM')) {
    throw new UnsupportedModelError(`${file}: model_type ${JSON.stringify(c.model_type)} / architectures ${JSON.stringify(archs)}`, hint);
  }
  const int = (key: string, fallback?: number): number => {
    const v = c[key] ?? fallback;
    if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) throw new ArtifactCorruptError(file, `field "${key}" must be a positive integer, got ${JSON.stringify(v)}`);
    return v;
  };
  const numHeads = int('num_attention_heads');
  const hiddenSize = int('hidden_size');
  const numKvHeads = int('num_key_value_heads', numHeads);
  const headDim = int('head_dim', Math.floor(hiddenSize / numHeads));
  if (numHeads % numKvHeads !== 0) throw new ArtifactCorruptError(file, `num_attention_heads ${numHeads} is not a multiple of num_key_value_heads ${numKvHeads}`);
  if (c.rope_scaling !== undefined && c.rope_scaling !== null) throw new UnsupportedModelError(`${file}: rope_scaling ${JSON.stringify(c.rope_scaling)} (Llama-3 style scaling)`, hint);
  if (c.attention_bias === true || c.mlp_bias === true) throw new UnsupportedModelError(`${file}: attention_bias / mlp_bias (Llama has no biases)`, hint);
  const act = c.hidden_act ?? 'silu';
  if (act !== 'silu') throw new UnsupportedModelError(`${file}: hidden_act ${JSON.stringify(act)} (Llama uses silu)`, hint);
  const eps = c.rms_norm_eps ?? 1e-6;
  if (typeof eps !== 'number' || !(eps > 0)) throw new ArtifactCorruptError(file, `field "rms_norm_eps" must be a positive number, got ${JSON.stringify(eps)}`);
  // transformers 5 moved rope_theta into rope_parameters; read either.
  const ropeParams = c.rope_parameters as Json | undefined;
  const theta = c.rope_theta ?? ropeParams?.rope_theta ?? 10000;
  if (typeof theta !== 'number' || !(theta > 0)) throw new ArtifactCorruptError(file, `rope_theta must be a positive number, got ${JSON.stringify(theta)}`);
  if (ropeParams && ropeParams.rope_type !== undefined && ropeParams.rope_type !== 'default') {
    throw new UnsupportedModelError(`${file}: rope_parameters.rope_type ${JSON.stringify(ropeParams.rope_type)}`, hint);
  }
  const contextWindowSize = int('max_position_embeddings', 4096);
  const tokenId = (key: string, fallback: number | undefined): number | undefined => {
    const v = c[key];
    if (typeof v === 'number' && Number.isInteger(v) && v >= 0) return v;
    if (Array.isArray(v) && typeof v[0] === 'number') return v[0];
    return fallback;
  };
  const dtype = c.torch_dtype ?? c.dtype;
  return {
    model: {
      hiddenSize,
      numLayers: int('num_hidden_layers'),
      numHeads,
      numKvHeads,
      headDim,
      intermediateSize: int('intermediate_size'),
      rmsNormEps: eps,
      ropeTheta: theta,
      contextWindowSize,
      // web-llm's prebuilt Llama libraries are compiled for 1024-token prefill chunks ("cs1k").
      prefillChunkSize: Math.min(contextWindowSize, 1024),
      vocabSize: int('vocab_size'),
      tieWordEmbeddings: c.tie_word_embeddings === true,
    },
    bosTokenId: tokenId('bos_token_id', 1) as number,
    eosTokenId: tokenId('eos_token_id', 2) as number,
    padTokenId: tokenId('pad_token_id', undefined),
    savedDtype: typeof dtype === 'string' ? dtype : undefined,
    nameOrPath: typeof c._name_or_path === 'string' && c._name_or_path !== '' ? c._name_or_path : undefined,
  };
}
