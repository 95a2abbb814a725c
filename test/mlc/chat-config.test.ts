import { describe, expect, it } from 'vitest';
import { ArtifactCorruptError, UnsupportedModelError } from '../../src/core/engine-errors.ts';
import { chatConfigJson, parseChatConfig, type LlamaConfig } from '../../src/core/mlc/chat-config.ts';
import { llamaMatrices, llamaParamCount } from '../../src/core/mlc/llama-layout.ts';

const cfg: LlamaConfig = {
  hiddenSize: 64,
  numLayers: 2,
  numHeads: 4,
  numKvHeads: 2,
  headDim: 16,
  intermediateSize: 172,
  rmsNormEps: 1e-5,
  ropeTheta: 10000,
  contextWindowSize: 4096,
  prefillChunkSize: 1024,
  vocabSize: 32000,
  tieWordEmbeddings: false,
};

describe('mlc-chat-config.json', () => {
  it('round-trips what the generator writes', () => {
    const parsed = parseChatConfig(chatConfigJson(cfg, { quantization: 'q4f16_1' }));
    expect(parsed.model).toEqual(cfg);
    expect(parsed.quantization).toBe('q4f16_1');
    expect(parsed.bosTokenId).toBe(1);
    expect(parsed.eosTokenIds).toEqual([2]);
  });

  it('fills MLC defaults: kv heads = heads, head_dim = hidden/heads, rope_theta fallback, eos lists', () => {
    const parsed = parseChatConfig({
      model_type: 'llama',
      quantization: 'q4f32_1',
      model_config: { hidden_size: 4096, num_hidden_layers: 32, num_attention_heads: 32, intermediate_size: 11008, rms_norm_eps: 1e-5, vocab_size: 32001, rope_theta: 500000 },
      context_window_size: 4096,
      eos_token_id: [2, 32000],
    });
    expect(parsed.model).toMatchObject({ numKvHeads: 32, headDim: 128, ropeTheta: 500000, prefillChunkSize: 4096, contextWindowSize: 4096 });
    expect(parsed.eosTokenIds).toEqual([2, 32000]);
  });

  it('token ids outside the vocabulary are refused at load, naming the field', () => {
    const base = { model_type: 'llama', model_config: { hidden_size: 64, num_hidden_layers: 1, num_attention_heads: 4, intermediate_size: 128, vocab_size: 100 } };
    expect(() => parseChatConfig({ ...base, eos_token_id: [2, 100] })).toThrow(/eos_token_id 100 is outside the vocabulary \(vocab_size 100: ids 0\.\.99\)/);
    expect(() => parseChatConfig({ ...base, bos_token_id: -1 })).toThrow(/bos_token_id -1 is outside the vocabulary/);
    expect(() => parseChatConfig({ ...base, pad_token_id: 512 })).toThrow(/pad_token_id 512/);
    expect(() => parseChatConfig({ ...base, eos_token_id: ['2'] })).toThrow(/eos_token_id must be a number or a list of numbers/);
    expect(parseChatConfig({ ...base, pad_token_id: -1 }).padTokenId).toBe(-1);
  });

  it('the top-level context window overrides model_config (as gen_config does)', () => {
    const json = chatConfigJson(cfg, { quantization: 'q0f32' });
    json.context_window_size = 1024;
    expect(parseChatConfig(json).model.contextWindowSize).toBe(1024);
  });

  it('rejects what it cannot run, and malformed fields with the field name', () => {
    expect(() => parseChatConfig({ model_type: 'mistral', model_config: {} })).toThrow(UnsupportedModelError);
    expect(() => parseChatConfig([])).toThrow(ArtifactCorruptError);
    expect(() => parseChatConfig({ model_type: 'llama' })).toThrow(/missing "model_config"/);
    const json = chatConfigJson(cfg, { quantization: 'q0f32' });
    (json.model_config as Record<string, unknown>).hidden_size = '64';
    expect(() => parseChatConfig(json)).toThrow(/mlc-chat-config\.json: field "hidden_size" must be a number/);
    const gqa = chatConfigJson({ ...cfg, numKvHeads: 3 }, { quantization: 'q0f32' });
    expect(() => parseChatConfig(gqa)).toThrow(/not a multiple of num_key_value_heads/);
  });
});

describe('Llama layout', () => {
  it('names the fused MLC parameters with [out, in] shapes', () => {
    const m = llamaMatrices(cfg);
    expect(m[0]).toEqual({ name: 'model.embed_tokens', N: 32000, K: 64 });
    expect(m[1]).toEqual({ name: 'model.layers.0.self_attn.qkv_proj', N: (4 + 2 * 2) * 16, K: 64 });
    expect(m[3]).toEqual({ name: 'model.layers.0.mlp.gate_up_proj', N: 344, K: 64 });
    expect(m[4]).toEqual({ name: 'model.layers.0.mlp.down_proj', N: 64, K: 172 });
    expect(m.at(-1)).toEqual({ name: 'lm_head', N: 32000, K: 64 });
    expect(llamaMatrices({ ...cfg, tieWordEmbeddings: true }).at(-1)?.name).toBe('model.layers.1.mlp.down_proj');
  });

  it('counts Llama-2-7b at 6.74B parameters', () => {
    const l7: LlamaConfig = { ...cfg, hiddenSize: 4096, numLayers: 32, numHeads: 32, numKvHeads: 32, headDim: 128, intermediateSize: 11008 };
    expect(llamaParamCount(l7)).toBe(6738415616);
  });
});
