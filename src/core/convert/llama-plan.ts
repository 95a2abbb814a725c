/**
 * Which MLC tensors a Hugging Face Llama checkpoint becomes, in which order, from which HF
 * tensors: mlc_llm's own mapping (python/mlc_llm/model/llama/llama_loader.py), i.e.
 *   q_proj, k_proj, v_proj   → self_attn.qkv_proj  (rows stacked q, k, v; no permutation)
 *   gate_proj, up_proj       → mlp.gate_up_proj    (rows stacked gate, up)
 *   every other tensor       → the same name.
 * The order is mlc_llm's parameter order (the nn.Module's: embedding, then per layer attention,
 * MLP, the two norms, then the final norm and lm_head), which with the 32 MiB shard rule decides
 * which record lands in which shard.
 */
import type { LlamaConfig } from '../mlc/chat-config.ts';
import { EMBED, FINAL_NORM, layerNames, LM_HEAD } from '../mlc/llama-layout.ts';
import type { MlcDtype } from '../mlc/dtype.ts';
import { groupLayout, type Quantization } from '../mlc/quantization.ts';

export interface HfSource {
  /** HF tensor name, e.g. "model.layers.0.self_attn.q_proj.weight". */
  name: string;
  /** Its shape: [rows, K] for a matrix, [H] for a norm. */
  shape: number[];
}

export interface PlannedTensor {
  /** MLC parameter name without the suffix, e.g. "model.layers.0.self_attn.qkv_proj". */
  mlcName: string;
  kind: 'matrix' | 'norm';
  /** Output rows (a norm: its length) and inputs (a norm: 1). */
  N: number;
  K: number;
  /** Stacked along the output axis in this order. */
  sources: HfSource[];
}

export function planLlamaConversion(cfg: LlamaConfig): PlannedTensor[] {
  const H = cfg.hiddenSize;
  const q = cfg.numHeads * cfg.headDim;
  const kv = cfg.numKvHeads * cfg.headDim;
  const I = cfg.intermediateSize;
  const matrix = (mlcName: string, K: number, sources: [string, number][]): PlannedTensor => ({
    mlcName,
    kind: 'matrix',
    N: sources.reduce((a, [, rows]) => a + rows, 0),
    K,
    sources: sources.map(([name, rows]) => ({ name, shape: [rows, K] })),
  });
  const norm = (mlcName: string): PlannedTensor => ({ mlcName, kind: 'norm', N: H, K: 1, sources: [{ name: `${mlcName}.weight`, shape: [H] }] });
  const plan: PlannedTensor[] = [matrix(EMBED, H, [[`${EMBED}.weight`, cfg.vocabSize]])];
  for (let i = 0; i < cfg.numLayers; i++) {
    const n = layerNames(i);
    const hf = `model.layers.${i}`;
    plan.push(
      matrix(n.qkv, H, [[`${hf}.self_attn.q_proj.weight`, q], [`${hf}.self_attn.k_proj.weight`, kv], [`${hf}.self_attn.v_proj.weight`, kv]]),
      matrix(n.o, q, [[`${hf}.self_attn.o_proj.weight`, H]]),
      matrix(n.gateUp, H, [[`${hf}.mlp.gate_proj.weight`, I], [`${hf}.mlp.up_proj.weight`, I]]),
      matrix(n.down, I, [[`${hf}.mlp.down_proj.weight`, H]]),
      norm(n.inputNorm),
      norm(n.postNorm),
    );
  }
  plan.push(norm(FINAL_NORM));
  if (!cfg.tieWordEmbeddings) plan.push(matrix(LM_HEAD, H, [[`${LM_HEAD}.weight`, cfg.vocabSize]]));
  return plan;
}

/** The dtype unquantized tensors (norms; matrices in q0*) are stored in under a quantization. */
export function floatDtypeOf(quant: Quantization): MlcDtype {
  if (quant.kind === 'group') return quant.modelDtype;
  return quant.name === 'q0f16' ? 'float16' : quant.name === 'q0bf16' ? 'bfloat16' : 'float32';
}

export interface PlannedRecord {
  name: string;
  dtype: MlcDtype;
  shape: number[];
}

/** The records (names, dtypes, shapes) a plan writes under a quantization, in order. */
export function plannedRecords(plan: PlannedTensor[], quant: Quantization): PlannedRecord[] {
  const dtype = floatDtypeOf(quant);
  return plan.flatMap((t): PlannedRecord[] => {
    if (t.kind === 'norm') return [{ name: `${t.mlcName}.weight`, dtype, shape: [t.N] }];
    if (quant.kind === 'none') return [{ name: `${t.mlcName}.weight`, dtype, shape: [t.N, t.K] }];
    const { groups, wordsPerRow } = groupLayout(t.K);
    return [
      { name: `${t.mlcName}.q_weight`, dtype: 'uint32', shape: [t.N, wordsPerRow] },
      { name: `${t.mlcName}.q_scale`, dtype: quant.modelDtype, shape: [t.N, groups] },
    ];
  });
}
