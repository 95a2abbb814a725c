/**
 * PEFT LoRA → llama.cpp adapter GGUF (src/core/gguf/lora.ts): names, dims, the RoPE row
 * permutation of q/k's lora_B, and when the scale is kept as alpha or folded into lora_b. The
 * served result is tested against the real server in test/openai/llama-server-lora.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { TINY_CONFIG } from '../../scripts/make-tiny-model.ts';
import { parseLoraConfig } from '../../src/core/delta/lora.ts';
import { loraGguf, permuteForGgufRope, type PeftLoraModule } from '../../src/core/gguf/index.ts';

const cfg = TINY_CONFIG;
const r = 2;
const seq = (n: number, from = 1) => Float32Array.from({ length: n }, (_, i) => from + i);
const q = cfg.numHeads * cfg.headDim;
const kv = cfg.numKvHeads * cfg.headDim;

function module(name: string, out: number, inF: number): PeftLoraModule {
  return { module: name, a: seq(r * inF), aShape: [r, inF], b: seq(out * r, 1000), bShape: [out, r] };
}

const mods = [module('model.layers.0.self_attn.q_proj', q, cfg.hiddenSize), module('model.layers.1.self_attn.k_proj', kv, cfg.hiddenSize), module('model.layers.1.mlp.down_proj', cfg.hiddenSize, cfg.intermediateSize)];

describe('loraGguf', () => {
  it('names each pair after the base tensor, dims innermost first, q/k lora_B rows permuted as the base q/k rows are', () => {
    const lora = parseLoraConfig({ peft_type: 'LORA', r, lora_alpha: 16 });
    const { metadata, tensors, alpha } = loraGguf('x', cfg, lora, mods);
    expect(alpha).toBe(16);
    expect(metadata.get('general.type')).toEqual({ type: 'string', value: 'adapter' });
    expect(metadata.get('adapter.type')).toEqual({ type: 'string', value: 'lora' });
    expect(metadata.get('adapter.lora.alpha')).toEqual({ type: 'float32', value: 16 });
    expect(tensors.map((t) => [t.name, t.dims])).toEqual([
      ['blk.0.attn_q.weight.lora_a', [cfg.hiddenSize, r]],
      ['blk.0.attn_q.weight.lora_b', [r, q]],
      ['blk.1.attn_k.weight.lora_a', [cfg.hiddenSize, r]],
      ['blk.1.attn_k.weight.lora_b', [r, kv]],
      ['blk.1.ffn_down.weight.lora_a', [cfg.intermediateSize, r]],
      ['blk.1.ffn_down.weight.lora_b', [r, cfg.hiddenSize]],
    ]);
    expect(tensors[0].data).toEqual(mods[0].a);
    expect(tensors[1].data).toEqual(permuteForGgufRope(mods[0].b, cfg.numHeads, cfg.headDim, r));
    expect(tensors[3].data).toEqual(permuteForGgufRope(mods[1].b, cfg.numKvHeads, cfg.headDim, r));
    expect(tensors[5].data).toEqual(mods[2].b);
  });

  it('rsLoRA or an alpha_pattern (scales llama.cpp\'s alpha/r cannot give): each lora_B times its scale, alpha 0', () => {
    const rs = loraGguf('x', cfg, parseLoraConfig({ peft_type: 'LORA', r, lora_alpha: 4, use_rslora: true }), [mods[2]]);
    expect(rs.alpha).toBe(0);
    expect(rs.tensors[1].data).toEqual(mods[2].b.map((v) => v * (4 / Math.sqrt(r))));
    const pat = loraGguf('x', cfg, parseLoraConfig({ peft_type: 'LORA', r, lora_alpha: 4, alpha_pattern: { down_proj: 8 } }), [mods[0], mods[2]]);
    expect(pat.alpha).toBe(0);
    expect(pat.tensors[3].data).toEqual(mods[2].b.map((v) => v * (8 / r)));
  });

  it('refuses an adapter of another model and modules llama.cpp cannot adapt, naming them', () => {
    const lora = parseLoraConfig({ peft_type: 'LORA', r, lora_alpha: 4 });
    expect(() => loraGguf('x', cfg, lora, [module('model.layers.0.self_attn.q_proj', q, 128)])).toThrow(/\[64, 128\].*blk\.0\.attn_q\.weight is \[64, 64\]: another base model's adapter/);
    expect(() => loraGguf('x', cfg, lora, [module('model.layers.9.mlp.up_proj', cfg.intermediateSize, cfg.hiddenSize)])).toThrow(/layer 9 does not exist in the base model \(2 layers\)/);
    expect(() => loraGguf('x', cfg, lora, [module('model.embed_tokens', 10, 10)])).toThrow(/a LoRA on model\.embed_tokens/);
    expect(() => loraGguf('x', cfg, lora, [])).toThrow(/not a LoRA adapter/);
  });
});
