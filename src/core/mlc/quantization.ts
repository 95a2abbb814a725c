/**
 * MLC group quantization (q4f16_1, q4f32_1, q4bf16_1; layout "NK", as in mlc_llm's
 * group_quantization.py): a weight W[N, K] (out × in) becomes
 *   q_weight: uint32 [N, ceil(K/32)·4] — 8 int4 values per word, value i at bits 4i..4i+3,
 *   q_scale:  [N, ceil(K/32)] in the model dtype — one scale per group of 32 along K,
 * and w = (q − 7)·scale. K is padded up to whole groups; the padding nibbles are zero and
 * never read (they would dequantize to −7·scale).
 */
import { UnsupportedModelError } from '../engine-errors.ts';
import { roundToBf16, roundToF16, type MlcDtype } from './dtype.ts';

export type Quantization =
  | { kind: 'none'; name: string }
  | { kind: 'group'; name: string; bits: 4; groupSize: 32; elemsPerWord: 8; maxInt: 7; modelDtype: 'float16' | 'float32' | 'bfloat16' };

export const GROUP_SIZE = 32;
export const ELEMS_PER_WORD = 8;
export const MAX_INT = 7;

/** Interprets mlc-chat-config's `quantization` (q0* = unquantized; q4*_1 = group-quantized). */
export function parseQuantization(name: string): Quantization {
  if (/^q0(f16|f32|bf16)$/.test(name)) return { kind: 'none', name };
  const m = /^q4(f16|f32|bf16)_1$/.exec(name);
  if (m) {
    const modelDtype = m[1] === 'f16' ? 'float16' : m[1] === 'f32' ? 'float32' : 'bfloat16';
    return { kind: 'group', name, bits: 4, groupSize: GROUP_SIZE, elemsPerWord: ELEMS_PER_WORD, maxInt: MAX_INT, modelDtype };
  }
  throw new UnsupportedModelError(`quantization "${name}"`, 'the cpu backend reads q0f32/q0f16/q0bf16 and q4f16_1/q4f32_1/q4bf16_1');
}

/**
 * The dtype(s) the float tensors of a model quantized `quant` are stored in (q0f16 → float16;
 * q4f32_1 → float32 scales and norms). bfloat16 may be stored as float32 records in the
 * "f32-to-bf16" format, so float32 is accepted there too.
 */
export function floatDtypesOf(quant: Quantization): readonly MlcDtype[] {
  const dtype = quant.kind === 'group' ? quant.modelDtype : quant.name === 'q0f16' ? 'float16' : quant.name === 'q0bf16' ? 'bfloat16' : 'float32';
  return dtype === 'bfloat16' ? ['bfloat16', 'float32'] : [dtype];
}

/** Groups per row and uint32 words per row for an input size K. */
export function groupLayout(K: number): { groups: number; wordsPerRow: number } {
  const groups = Math.ceil(K / GROUP_SIZE);
  return { groups, wordsPerRow: groups * (GROUP_SIZE / ELEMS_PER_WORD) };
}

/** A group-quantized matrix as it sits in memory (scales already decoded to float32). */
export interface QuantizedMatrix {
  N: number;
  K: number;
  groups: number;
  wordsPerRow: number;
  qWeight: Uint32Array;
  scale: Float32Array;
}

function rounder(dtype: MlcDtype | 'float32'): (v: number) => number {
  if (dtype === 'float16') return roundToF16;
  if (dtype === 'bfloat16') return roundToBf16;
  return Math.fround;
}

/**
 * Quantizes W[N, K] (row-major) like mlc_llm: the weight is first cast to the model dtype,
 * scale = max|w|/7 per group (in the model dtype), q = clamp(round(w/scale + 7), 0, 14)
 * (round half up: w/scale + 7 is non-negative). An all-zero group gets scale 0 and q = 7.
 */
export function quantizeGroupwise(w: Float32Array, N: number, K: number, modelDtype: 'float16' | 'float32' | 'bfloat16'): QuantizedMatrix {
  if (w.length !== N * K) throw new RangeError(`quantizeGroupwise: ${w.length} values for a ${N}x${K} matrix`);
  const round = rounder(modelDtype);
  const { groups, wordsPerRow } = groupLayout(K);
  const qWeight = new Uint32Array(N * wordsPerRow);
  const scale = new Float32Array(N * groups);
  const vals = new Float32Array(GROUP_SIZE);
  for (let n = 0; n < N; n++) {
    for (let g = 0; g < groups; g++) {
      const k0 = g * GROUP_SIZE;
      const len = Math.min(GROUP_SIZE, K - k0);
      let maxAbs = 0;
      for (let j = 0; j < len; j++) {
        const v = round(w[n * K + k0 + j]);
        vals[j] = v;
        if (Math.abs(v) > maxAbs) maxAbs = Math.abs(v);
      }
      const s = round(maxAbs / MAX_INT);
      scale[n * groups + g] = s;
      for (let j = 0; j < len; j++) {
        const q = s === 0 ? MAX_INT : Math.min(2 * MAX_INT, Math.max(0, Math.round(vals[j] / s + MAX_INT)));
        const word = n * wordsPerRow + g * 4 + (j >> 3);
        qWeight[word] = (qWeight[word] | (q << (4 * (j & 7)))) >>> 0;
      }
    }
  }
  return { N, K, groups, wordsPerRow, qWeight, scale };
}

/** The int4 value at (n, k). */
export function nibbleAt(m: QuantizedMatrix, n: number, k: number): number {
  return (m.qWeight[n * m.wordsPerRow + (k >> 3)] >>> (4 * (k & 7))) & 0xf;
}

/** Dequantizes the whole matrix to float32 [N, K] (reference path; the engine dequantizes on the fly). */
export function dequantizeGroupwise(m: QuantizedMatrix): Float32Array {
  const out = new Float32Array(m.N * m.K);
  for (let n = 0; n < m.N; n++) dequantizeRow(m, n, out.subarray(n * m.K, (n + 1) * m.K));
  return out;
}

/** Dequantizes row n into out[0..K). */
export function dequantizeRow(m: QuantizedMatrix, n: number, out: Float32Array): Float32Array {
  const { K, groups, wordsPerRow, qWeight, scale } = m;
  const wBase = n * wordsPerRow;
  for (let g = 0; g < groups; g++) {
    const s = scale[n * groups + g];
    const kEnd = Math.min(K, (g + 1) * GROUP_SIZE);
    for (let k = g * GROUP_SIZE; k < kEnd; k++) {
      out[k] = (((qWeight[wBase + (k >> 3)] >>> (4 * (k & 7))) & 0xf) - MAX_INT) * s;
    }
  }
  return out;
}
