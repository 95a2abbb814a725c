/**
 * mean |Δw| of a PEFT LoRA adapter (ΔW = scale·B·A per module, one module at a time, one row at a
 * time), read through a ByteSource: the same loop for `ftlab delta --adapter DIR` (a file on
 * disk) and the Models view's worker (a fetched folder, or files chosen from disk). With the
 * model the adapter is for, every adapted module's shape is checked against that model's
 * Llama layout first: an adapter for another model is refused, not measured.
 */
import { ArtifactCorruptError } from '../engine-errors.ts';
import { FtlabError } from '../errors.ts';
import type { LlamaConfig } from '../mlc/chat-config.ts';
import { readSafetensorsHeader, readSafetensorsTensor, type ByteSource } from '../safetensors/reader.ts';
import { loraDeltaAbs, loraScale, pairLoraTensors, parseLoraConfig, ADAPTER_CONFIG_FILE } from './lora.ts';
import type { DeltaProgress } from './mlc-folders.ts';
import { DeltaAccumulator, type DeltaReport } from './stats.ts';

/** A LoRA adapter whose modules do not fit the model it is measured on. */
export class AdapterMismatchError extends FtlabError {
  constructor(model: string, detail: string, trainedFrom: string | null) {
    super('adapter-mismatch', `the adapter does not fit ${model}: ${detail}`, `measure it on the model it was trained from${trainedFrom ? ` (adapter_config.json names ${trainedFrom})` : ''}`);
  }
}

const LLAMA_MODULE = /(?:^|\.)layers\.(\d+)\.(?:self_attn|mlp)\.(q_proj|k_proj|v_proj|o_proj|gate_proj|up_proj|down_proj)$/;

/** [out, in] of a Hugging Face Llama module a LoRA adapter can adapt, with its layer; undefined for another name. */
export function llamaModuleShape(cfg: LlamaConfig, module: string): { layer: number; kind: string; shape: [number, number] } | undefined {
  const m = LLAMA_MODULE.exec(module);
  if (!m) return undefined;
  const H = cfg.hiddenSize;
  const q = cfg.numHeads * cfg.headDim;
  const kv = cfg.numKvHeads * cfg.headDim;
  const I = cfg.intermediateSize;
  const shapes: Record<string, [number, number]> = { q_proj: [q, H], k_proj: [kv, H], v_proj: [kv, H], o_proj: [H, q], gate_proj: [I, H], up_proj: [I, H], down_proj: [H, I] };
  return { layer: Number(m[1]), kind: m[2], shape: shapes[m[2]] };
}

export interface AdapterDeltaOptions {
  /** What the adapter is called in errors and the report (a folder path or URL). */
  adapter: string;
  /** The adapter_config.json's name, for its errors. */
  configFile?: string;
  /** The model the adapter is applied to: its modules' shapes are checked against it. */
  model?: { name: string; config: LlamaConfig };
}

export async function adapterDelta(configJson: unknown, weights: ByteSource, opts: AdapterDeltaOptions, onModule?: DeltaProgress): Promise<DeltaReport> {
  const cfg = parseLoraConfig(configJson, opts.configFile ?? ADAPTER_CONFIG_FILE);
  const header = await readSafetensorsHeader(weights);
  const modules = pairLoraTensors([...header.tensors.keys()], weights.file);
  const shapes = modules.map((m) => {
    const sa = header.tensors.get(m.a)!.shape;
    const sb = header.tensors.get(m.b)!.shape;
    const { r, scale } = loraScale(cfg, m.module);
    if (sa.length !== 2 || sb.length !== 2 || sa[0] !== r || sb[1] !== r) {
      throw new ArtifactCorruptError(weights.file, `lora_A [${sa.join(', ')}] and lora_B [${sb.join(', ')}] do not fit rank ${r} (adapter_config.json)`, m.module);
    }
    return { ...m, r, scale, inFeatures: sa[1], outFeatures: sb[0] };
  });
  if (opts.model) {
    const { name, config } = opts.model;
    for (const m of shapes) {
      const want = llamaModuleShape(config, m.module);
      if (!want) throw new AdapterMismatchError(name, `it adapts ${m.module}, which a Llama model does not have`, cfg.baseModel);
      if (want.layer >= config.numLayers) throw new AdapterMismatchError(name, `it adapts ${m.module}, but the model has ${config.numLayers} layers (0..${config.numLayers - 1})`, cfg.baseModel);
      if (want.shape[0] !== m.outFeatures || want.shape[1] !== m.inFeatures) {
        throw new AdapterMismatchError(name, `its ${m.module} is [${m.outFeatures}, ${m.inFeatures}], the model's ${want.kind} is [${want.shape.join(', ')}]`, cfg.baseModel);
      }
    }
  }
  const acc = new DeltaAccumulator();
  let done = 0;
  for (const m of shapes) {
    const a = await readSafetensorsTensor(weights, header, m.a);
    const b = await readSafetensorsTensor(weights, header, m.b);
    const { sum, max } = loraDeltaAbs(a, b, m.r, m.inFeatures, m.outFeatures, m.scale);
    acc.add(`${m.module}.weight`, [m.outFeatures, m.inFeatures], sum, max, m.outFeatures * m.inFeatures);
    onModule?.(++done, shapes.length, m.module);
  }
  return acc.report('adapter', {
    adapter: opts.adapter,
    r: cfg.r,
    alpha: cfg.alpha,
    rslora: cfg.rslora,
    scale: cfg.rslora ? cfg.alpha / Math.sqrt(cfg.r) : cfg.alpha / cfg.r,
    baseModel: cfg.baseModel,
    ...(opts.model ? { model: opts.model.name } : {}),
  });
}
