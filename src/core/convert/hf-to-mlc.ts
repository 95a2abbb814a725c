/**
 * Converts a Hugging Face Llama checkpoint's tensors into MLC records, one MLC tensor at a time:
 * read its HF sources (a fused tensor: two or three), stack them, encode or quantize, hand the
 * records to the caller, forget them. Peak memory is one fused float32 tensor (for Llama-2-7b,
 * gate_up_proj: 22016 × 4096 floats, 360 MB) plus its encoding, never the model.
 */
import { ArtifactCorruptError } from '../engine-errors.ts';
import type { Quantization } from '../mlc/quantization.ts';
import { weightTensors, type TensorToWrite } from '../mlc/writer.ts';
import { floatDtypeOf, type PlannedTensor } from './llama-plan.ts';

/** The tensors of a (possibly sharded) HF checkpoint, read by name. */
export interface HfTensorSource {
  /** Every tensor name with its shape, across all shard files. */
  shapes: ReadonlyMap<string, number[]>;
  /** Where a tensor lives, for error messages. */
  fileOf(name: string): string;
  read(name: string): Promise<Float32Array>;
}

/** Tensors HF checkpoints may carry that are not weights (older transformers saved these buffers). */
const IGNORED = /\.rotary_emb\.inv_freq$/;

/**
 * Checks the checkpoint against the plan before anything is written: every source present with
 * its shape. Returns the checkpoint's tensors the plan does not use (tied lm_head, buffers).
 */
export function checkSources(plan: PlannedTensor[], src: HfTensorSource, checkpoint: string): string[] {
  const missing: string[] = [];
  for (const t of plan) {
    for (const s of t.sources) {
      const shape = src.shapes.get(s.name);
      if (!shape) missing.push(s.name);
      else if (shape.join(',') !== s.shape.join(',')) {
        throw new ArtifactCorruptError(src.fileOf(s.name), `shape [${shape.join(', ')}] does not match config.json, which implies [${s.shape.join(', ')}]`, s.name);
      }
    }
  }
  if (missing.length > 0) {
    const more = missing.length > 4 ? ` and ${missing.length - 4} more` : '';
    throw new ArtifactCorruptError(checkpoint, `the checkpoint lacks ${missing.slice(0, 4).join(', ')}${more} (a Llama checkpoint in Hugging Face names is expected)`);
  }
  const used = new Set(plan.flatMap((t) => t.sources.map((s) => s.name)));
  return [...src.shapes.keys()].filter((n) => !used.has(n) && !IGNORED.test(n));
}

/** Yields the MLC records of each planned tensor in plan order (one or two records each). */
export async function* convertLlamaTensors(plan: PlannedTensor[], quant: Quantization, src: HfTensorSource): AsyncGenerator<{ planned: PlannedTensor; records: TensorToWrite[] }> {
  const floatDtype = floatDtypeOf(quant);
  for (const t of plan) {
    const w = new Float32Array(t.N * t.K);
    let offset = 0;
    for (const s of t.sources) {
      const values = await src.read(s.name);
      w.set(values, offset);
      offset += values.length;
    }
    const records: TensorToWrite[] =
      t.kind === 'norm' ? [{ name: `${t.mlcName}.weight`, dtype: floatDtype, shape: [t.N], data: w }] : weightTensors(t.mlcName, w, t.N, t.K, quant, floatDtype);
    yield { planned: t, records };
  }
}
