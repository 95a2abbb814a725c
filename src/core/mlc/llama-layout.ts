/**
 * Parameter names and shapes of an MLC Llama conversion (mlc_llm/model/llama/llama_model.py):
 * MLC fuses q/k/v into `self_attn.qkv_proj` (q, then k, then v rows) and gate/up into
 * `mlp.gate_up_proj` (gate rows, then up rows). Linear weights are [out, in].
 */
import type { LlamaConfig } from './chat-config.ts';

export const EMBED = 'model.embed_tokens';
export const FINAL_NORM = 'model.norm';
export const LM_HEAD = 'lm_head';

export interface LayerNames {
  qkv: string;
  o: string;
  gateUp: string;
  down: string;
  inputNorm: string;
  postNorm: string;
}

export function layerNames(i: number): LayerNames {
  const p = `model.layers.${i}`;
  return {
    qkv: `${p}.self_attn.qkv_proj`,
    o: `${p}.self_attn.o_proj`,
    gateUp: `${p}.mlp.gate_up_proj`,
    down: `${p}.mlp.down_proj`,
    inputNorm: `${p}.input_layernorm`,
    postNorm: `${p}.post_attention_layernorm`,
  };
}

/** A matrix parameter: N output rows of K inputs (an embedding is [vocab, hidden]). */
export interface MatrixParam {
  name: string;
  N: number;
  K: number;
}

/** Output widths of the fused projections. */
export function qkvRows(cfg: LlamaConfig): number {
  return (cfg.numHeads + 2 * cfg.numKvHeads) * cfg.headDim;
}

/** Every matrix parameter of the model, embedding first, lm_head last (absent when tied). */
export function llamaMatrices(cfg: LlamaConfig): MatrixParam[] {
  const H = cfg.hiddenSize;
  const out: MatrixParam[] = [{ name: EMBED, N: cfg.vocabSize, K: H }];
  for (let i = 0; i < cfg.numLayers; i++) {
    const n = layerNames(i);
    out.push(
      { name: n.qkv, N: qkvRows(cfg), K: H },
      { name: n.o, N: H, K: cfg.numHeads * cfg.headDim },
      { name: n.gateUp, N: 2 * cfg.intermediateSize, K: H },
      { name: n.down, N: H, K: cfg.intermediateSize },
    );
  }
  if (!cfg.tieWordEmbeddings) out.push({ name: LM_HEAD, N: cfg.vocabSize, K: H });
  return out;
}

/** Every RMSNorm weight (a vector of hidden_size), in model order. */
export function llamaNorms(cfg: LlamaConfig): string[] {
  const out: string[] = [];
  for (let i = 0; i < cfg.numLayers; i++) {
    const n = layerNames(i);
    out.push(n.inputNorm, n.postNorm);
  }
  out.push(FINAL_NORM);
  return out;
}

/** Logical parameter count (what "7B" counts). */
export function llamaParamCount(cfg: LlamaConfig): number {
  return llamaMatrices(cfg).reduce((a, m) => a + m.N * m.K, 0) + llamaNorms(cfg).length * cfg.hiddenSize;
}
