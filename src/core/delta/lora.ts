/**
 * A PEFT LoRA adapter as a weight delta: per adapted module, ΔW = scale · B · A with
 * A = lora_A [r, in], B = lora_B [out, r] and scale = lora_alpha / r (lora_alpha / √r with
 * rsLoRA), exactly what merge_and_unload adds to the base weight. ΔW is computed one row at a
 * time, so no more than one row of one module's ΔW exists at once.
 */
import { ArtifactCorruptError, UnsupportedModelError } from '../engine-errors.ts';

export const ADAPTER_CONFIG_FILE = 'adapter_config.json';
export const ADAPTER_WEIGHTS_FILE = 'adapter_model.safetensors';

export interface LoraConfig {
  r: number;
  alpha: number;
  rslora: boolean;
  /** Per-module overrides (PEFT's rank_pattern / alpha_pattern: key matched against the module name's end). */
  rankPattern: Record<string, number>;
  alphaPattern: Record<string, number>;
  targetModules: string[] | string | null;
  baseModel: string | null;
}

export function parseLoraConfig(json: unknown, file = ADAPTER_CONFIG_FILE): LoraConfig {
  if (!json || typeof json !== 'object' || Array.isArray(json)) throw new ArtifactCorruptError(file, 'expected a JSON object');
  const c = json as Record<string, unknown>;
  if (c.peft_type !== undefined && c.peft_type !== 'LORA') throw new UnsupportedModelError(`${file}: peft_type ${JSON.stringify(c.peft_type)} (ftlab delta reads LoRA adapters)`, 'pass a LoRA adapter folder');
  if (c.use_dora === true) throw new UnsupportedModelError(`${file}: a DoRA adapter (its ΔW is not scale·B·A)`, 'merge it (merge_and_unload) and compare the models with --base/--model');
  if (typeof c.r !== 'number' || !Number.isInteger(c.r) || c.r <= 0) throw new ArtifactCorruptError(file, `"r" must be a positive integer, got ${JSON.stringify(c.r)}`);
  if (typeof c.lora_alpha !== 'number') throw new ArtifactCorruptError(file, `"lora_alpha" must be a number, got ${JSON.stringify(c.lora_alpha)}`);
  const pattern = (v: unknown) => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, number>) : {});
  const tm = c.target_modules;
  return {
    r: c.r,
    alpha: c.lora_alpha,
    rslora: c.use_rslora === true,
    rankPattern: pattern(c.rank_pattern),
    alphaPattern: pattern(c.alpha_pattern),
    targetModules: Array.isArray(tm) ? tm.filter((x): x is string => typeof x === 'string') : typeof tm === 'string' ? tm : null,
    baseModel: typeof c.base_model_name_or_path === 'string' ? c.base_model_name_or_path : null,
  };
}

function patternValue(p: Record<string, number>, module: string): number | undefined {
  const key = Object.keys(p).find((k) => module === k || module.endsWith(`.${k}`));
  return key === undefined ? undefined : p[key];
}

/** The scale merge_and_unload applies to B·A for one module. */
export function loraScale(cfg: LoraConfig, module: string): { r: number; alpha: number; scale: number } {
  const r = patternValue(cfg.rankPattern, module) ?? cfg.r;
  const alpha = patternValue(cfg.alphaPattern, module) ?? cfg.alpha;
  return { r, alpha, scale: cfg.rslora ? alpha / Math.sqrt(r) : alpha / r };
}

export interface LoraModule {
  /** Module name without PEFT's prefix, e.g. "model.layers.0.self_attn.q_proj". */
  module: string;
  a: string;
  b: string;
}

const LORA_TENSOR = /^(?:base_model\.model\.)?(.+)\.lora_([AB])(?:\.[^.]+)?\.weight$/;

/** Pairs an adapter's lora_A / lora_B tensors by module; anything unpaired is an error. */
export function pairLoraTensors(names: string[], file = ADAPTER_WEIGHTS_FILE): LoraModule[] {
  const byModule = new Map<string, { a?: string; b?: string }>();
  for (const n of names) {
    if (/lora_embedding_[AB]/.test(n)) throw new UnsupportedModelError(`${file}: ${n} (LoRA on an embedding)`, 'merge it (merge_and_unload) and compare the models with --base/--model');
    const m = LORA_TENSOR.exec(n);
    if (!m) continue; // modules_to_save copies, biases: not part of ΔW = B·A
    const e = byModule.get(m[1]) ?? {};
    if (m[2] === 'A') e.a = n;
    else e.b = n;
    byModule.set(m[1], e);
  }
  const out: LoraModule[] = [];
  for (const [module, e] of byModule) {
    if (!e.a || !e.b) throw new ArtifactCorruptError(file, `module ${module} has lora_${e.a ? 'A' : 'B'} but no lora_${e.a ? 'B' : 'A'}`);
    out.push({ module, a: e.a, b: e.b });
  }
  if (out.length === 0) throw new ArtifactCorruptError(file, 'no lora_A / lora_B tensors: not a LoRA adapter');
  return out;
}

/** Σ|ΔW| and max |ΔW| of ΔW = scale · B[out, r] · A[r, in], one row at a time. */
export function loraDeltaAbs(a: Float32Array, b: Float32Array, r: number, inFeatures: number, outFeatures: number, scale: number): { sum: number; max: number } {
  if (a.length !== r * inFeatures || b.length !== outFeatures * r) throw new RangeError(`lora shapes: A ${a.length} ≠ ${r}×${inFeatures} or B ${b.length} ≠ ${outFeatures}×${r}`);
  const row = new Float64Array(inFeatures);
  let sum = 0;
  let max = 0;
  for (let o = 0; o < outFeatures; o++) {
    row.fill(0);
    for (let k = 0; k < r; k++) {
      const bk = b[o * r + k];
      if (bk === 0) continue;
      const base = k * inFeatures;
      for (let i = 0; i < inFeatures; i++) row[i] += bk * a[base + i];
    }
    for (let i = 0; i < inFeatures; i++) {
      const d = Math.abs(scale * row[i]);
      sum += d;
      if (d > max) max = d;
    }
  }
  return { sum, max };
}
