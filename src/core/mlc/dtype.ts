/**
 * Scalar formats MLC stores weights in, and their conversions to/from float32.
 * Little-endian throughout (every platform ftlab runs on is).
 */

/** Element types a tensor-cache record can declare. */
export type MlcDtype = 'float32' | 'float16' | 'bfloat16' | 'uint32' | 'int32';

/** Bytes one element takes in its declared dtype (before any `format` re-encoding). */
export function dtypeBytes(dtype: MlcDtype): number {
  return dtype === 'float16' || dtype === 'bfloat16' ? 2 : 4;
}

export function isMlcDtype(s: unknown): s is MlcDtype {
  return s === 'float32' || s === 'float16' || s === 'bfloat16' || s === 'uint32' || s === 'int32';
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** float32 → IEEE half bits, round to nearest even (overflow → ±Inf, NaN kept). */
export function f32ToF16Bits(value: number): number {
  f32[0] = value;
  const x = u32[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    // Subnormal half (or zero): shift the implicit-1 mantissa into place, round to nearest even.
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    const rest = mant & ((1 << shift) - 1);
    let h = mant >>> shift;
    if (rest > half || (rest === half && (h & 1))) h += 1;
    return sign | h;
  }
  let h = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && (h & 1))) h += 1; // may carry into the exponent: still right
  return sign | h;
}

/** IEEE half bits → float32 value (exact). */
export function f16BitsToF32(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

let f16Table: Float32Array | undefined;
/** All 65536 half values as float32: bulk decoding becomes one table lookup per element. */
function halfTable(): Float32Array {
  if (!f16Table) {
    f16Table = new Float32Array(65536);
    for (let i = 0; i < 65536; i++) f16Table[i] = f16BitsToF32(i);
  }
  return f16Table;
}

/** float32 → bfloat16 bits, round to nearest even (NaN stays NaN). */
export function f32ToBf16Bits(value: number): number {
  f32[0] = value;
  const x = u32[0];
  if ((x & 0x7fffffff) > 0x7f800000) return (x >>> 16) | 0x40;
  return ((x + 0x7fff + ((x >>> 16) & 1)) >>> 16) & 0xffff;
}

export function bf16BitsToF32(b: number): number {
  u32[0] = (b & 0xffff) << 16;
  return f32[0];
}

/** Round a float32 value to the nearest float16 / bfloat16 value (kept as a number). */
export const roundToF16 = (v: number): number => f16BitsToF32(f32ToF16Bits(v));
export const roundToBf16 = (v: number): number => bf16BitsToF32(f32ToBf16Bits(v));

export function decodeF16(src: Uint16Array, out = new Float32Array(src.length)): Float32Array {
  const t = halfTable();
  for (let i = 0; i < src.length; i++) out[i] = t[src[i]];
  return out;
}

export function decodeBf16(src: Uint16Array, out = new Float32Array(src.length)): Float32Array {
  const o32 = new Uint32Array(out.buffer, out.byteOffset, out.length);
  for (let i = 0; i < src.length; i++) o32[i] = src[i] << 16;
  return out;
}

export function encodeF16(src: ArrayLike<number>): Uint16Array {
  const out = new Uint16Array(src.length);
  for (let i = 0; i < src.length; i++) out[i] = f32ToF16Bits(src[i]);
  return out;
}

export function encodeBf16(src: ArrayLike<number>): Uint16Array {
  const out = new Uint16Array(src.length);
  for (let i = 0; i < src.length; i++) out[i] = f32ToBf16Bits(src[i]);
  return out;
}
