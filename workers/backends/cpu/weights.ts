/**
 * Turns a loaded TensorStore into the Llama weights the forward pass runs on, checking every
 * name and shape against mlc-chat-config.json (a mismatch names the tensor). Quantized
 * matrices stay packed (Q4Weight); float tensors are float32 in memory.
 */
import { ArtifactCorruptError, UnsupportedModelError } from '../../../src/core/engine-errors.ts';
import type { LlamaConfig } from '../../../src/core/mlc/chat-config.ts';
import { EMBED, FINAL_NORM, layerNames, LM_HEAD, qkvRows } from '../../../src/core/mlc/llama-layout.ts';
import { floatDtypesOf, groupLayout, type Quantization } from '../../../src/core/mlc/quantization.ts';
import type { TensorStore } from '../../../src/core/mlc/reader.ts';
import type { LinearWeight } from './linear.ts';

export interface LayerWeights {
  qkv: LinearWeight;
  o: LinearWeight;
  gateUp: LinearWeight;
  down: LinearWeight;
  inputNorm: Float32Array;
  postNorm: Float32Array;
}

export interface LlamaWeights {
  embed: LinearWeight;
  layers: LayerWeights[];
  norm: Float32Array;
  lmHead: LinearWeight;
}

function matrix(store: TensorStore, name: string, N: number, K: number, quant: Quantization): LinearWeight {
  if (store.has(`${name}.q_weight`)) {
    if (quant.kind !== 'group') {
      throw new UnsupportedModelError(`${name} is quantized but mlc-chat-config.json says quantization "${quant.name}"`);
    }
    const { groups, wordsPerRow } = groupLayout(K);
    const qWeight = store.uint32(`${name}.q_weight`, [N, wordsPerRow]);
    const scale = store.float32(`${name}.q_scale`, [N, groups]);
    return { kind: 'q4', N, K, groups, wordsPerRow, qWeight, scale };
  }
  if (!store.has(`${name}.weight`) && quant.kind === 'group') {
    throw new ArtifactCorruptError(store.indexFile, `no record named ${name}.q_weight (nor ${name}.weight)`, `${name}.q_weight`);
  }
  return { kind: 'dense', N, K, w: store.float32(`${name}.weight`, [N, K]) };
}

/**
 * Every float tensor's stored dtype against what the quantization name says: a "q4f16_1" folder
 * whose scales are float32 (or a "q0f32" one holding float16) was mislabelled or mixed up.
 */
export function checkDtypes(store: TensorStore, quant: Quantization): void {
  const allowed = floatDtypesOf(quant);
  for (const name of store.names()) {
    const { dtype } = store.get(name);
    if (dtype === 'uint32') {
      if (quant.kind !== 'group') throw new ArtifactCorruptError(store.indexFile, `dtype uint32 (packed int4) but mlc-chat-config.json says quantization "${quant.name}" (unquantized)`, name);
      continue;
    }
    if (!allowed.includes(dtype)) {
      throw new ArtifactCorruptError(store.indexFile, `dtype ${dtype} but mlc-chat-config.json says quantization "${quant.name}" (${allowed.join(' or ')} tensors)`, name);
    }
  }
}

export function llamaWeightsFromStore(store: TensorStore, cfg: LlamaConfig, quant: Quantization): LlamaWeights {
  checkDtypes(store, quant);
  const H = cfg.hiddenSize;
  const vec = (name: string) => store.float32(`${name}.weight`, [H]);
  const layers: LayerWeights[] = [];
  for (let i = 0; i < cfg.numLayers; i++) {
    const n = layerNames(i);
    layers.push({
      qkv: matrix(store, n.qkv, qkvRows(cfg), H, quant),
      o: matrix(store, n.o, H, cfg.numHeads * cfg.headDim, quant),
      gateUp: matrix(store, n.gateUp, 2 * cfg.intermediateSize, H, quant),
      down: matrix(store, n.down, H, cfg.intermediateSize, quant),
      inputNorm: vec(n.inputNorm),
      postNorm: vec(n.postNorm),
    });
  }
  const embed = matrix(store, EMBED, cfg.vocabSize, H, quant);
  return {
    embed,
    layers,
    norm: vec(FINAL_NORM),
    lmHead: cfg.tieWordEmbeddings ? embed : matrix(store, LM_HEAD, cfg.vocabSize, H, quant),
  };
}
