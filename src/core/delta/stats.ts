/**
 * The paper's weight-delta statistic, mean |Δw|, accumulated tensor by tensor and summarized per
 * tensor, per layer, per module kind and overall. Means are element-weighted (a layer's mean is
 * Σ|Δw| over all its elements divided by their count), sums kept in float64.
 */

export interface DeltaTensor {
  name: string;
  /** Decoder layer index, or null for embeddings, the final norm and lm_head. */
  layer: number | null;
  /** Module kind: "q_proj", "qkv_proj", "down_proj", "input_layernorm", "embed_tokens", ... */
  kind: string;
  shape: number[];
  count: number;
  meanAbs: number;
  maxAbs: number;
}

export interface DeltaGroup {
  count: number;
  meanAbs: number;
}

export interface DeltaReport {
  /** "models": two checkpoints compared; "adapter": ΔW = scale·B·A of a LoRA adapter. */
  mode: 'models' | 'adapter';
  overall: DeltaGroup;
  layers: (DeltaGroup & { layer: number })[];
  kinds: (DeltaGroup & { kind: string })[];
  /** Embeddings, final norm, lm_head: the tensors outside the decoder layers. */
  other: DeltaGroup;
  tensors: DeltaTensor[];
  /** For an adapter: its rank, alpha and scale; for models: the two sources. */
  details: Record<string, unknown>;
}

const LAYER = /(?:^|\.)layers\.(\d+)\./;

/** Layer index and module kind of a tensor or module name (HF, MLC or PEFT naming). */
export function classifyName(name: string): { layer: number | null; kind: string } {
  const m = LAYER.exec(name);
  const parts = name.replace(/\.(weight|q_weight|q_scale)$/, '').split('.');
  return { layer: m ? Number(m[1]) : null, kind: parts[parts.length - 1] };
}

export class DeltaAccumulator {
  private readonly tensors: DeltaTensor[] = [];

  /** Records one tensor's Σ|Δw|, max |Δw| and element count. */
  add(name: string, shape: number[], sumAbs: number, maxAbs: number, count: number): DeltaTensor {
    const t: DeltaTensor = { name, ...classifyName(name), shape, count, meanAbs: count ? sumAbs / count : 0, maxAbs };
    this.tensors.push(t);
    return t;
  }

  report(mode: DeltaReport['mode'], details: Record<string, unknown>): DeltaReport {
    const group = (ts: DeltaTensor[]): DeltaGroup => {
      const count = ts.reduce((a, t) => a + t.count, 0);
      const sum = ts.reduce((a, t) => a + t.meanAbs * t.count, 0);
      return { count, meanAbs: count ? sum / count : 0 };
    };
    const layerIds = [...new Set(this.tensors.flatMap((t) => (t.layer === null ? [] : [t.layer])))].sort((a, b) => a - b);
    const kinds = [...new Set(this.tensors.map((t) => t.kind))];
    return {
      mode,
      overall: group(this.tensors),
      layers: layerIds.map((layer) => ({ layer, ...group(this.tensors.filter((t) => t.layer === layer)) })),
      kinds: kinds.map((kind) => ({ kind, ...group(this.tensors.filter((t) => t.kind === kind)) })),
      other: group(this.tensors.filter((t) => t.layer === null)),
      tensors: [...this.tensors],
      details,
    };
  }
}

/** Σ|a − b| and max |a − b| of two same-length arrays. */
export function absDiff(a: Float32Array, b: Float32Array): { sum: number; max: number } {
  if (a.length !== b.length) throw new RangeError(`absDiff: ${a.length} vs ${b.length} values`);
  let sum = 0;
  let max = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    sum += d;
    if (d > max) max = d;
  }
  return { sum, max };
}
