import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  bf16BitsToF32,
  decodeBf16,
  decodeF16,
  encodeBf16,
  encodeF16,
  f16BitsToF32,
  f32ToBf16Bits,
  f32ToF16Bits,
} from '../../src/core/mlc/dtype.ts';

describe('float16', () => {
  it('decodes known bit patterns', () => {
    expect(f16BitsToF32(0x3c00)).toBe(1);
    expect(f16BitsToF32(0xc000)).toBe(-2);
    expect(f16BitsToF32(0x7bff)).toBe(65504);
    expect(f16BitsToF32(0x0001)).toBe(2 ** -24);
    expect(f16BitsToF32(0x3555)).toBeCloseTo(0.333251953125, 12);
    expect(f16BitsToF32(0x7c00)).toBe(Infinity);
    expect(Number.isNaN(f16BitsToF32(0x7e00))).toBe(true);
  });

  it('encodes with round-to-nearest-even, overflow to infinity, subnormals', () => {
    expect(f32ToF16Bits(1)).toBe(0x3c00);
    expect(f32ToF16Bits(65504)).toBe(0x7bff);
    expect(f32ToF16Bits(65520)).toBe(0x7c00); // halfway to the next binade rounds up to Inf
    expect(f32ToF16Bits(1 + 2 ** -11)).toBe(0x3c00); // tie → even
    expect(f32ToF16Bits(1 + 3 * 2 ** -11)).toBe(0x3c02); // tie → even (up)
    expect(f32ToF16Bits(2 ** -24)).toBe(0x0001);
    expect(f32ToF16Bits(2 ** -26)).toBe(0x0000);
    expect(f32ToF16Bits(-0)).toBe(0x8000);
  });

  it('every half value survives decode → encode', () => {
    for (let h = 0; h < 0x10000; h++) {
      if ((h & 0x7c00) === 0x7c00 && (h & 0x3ff)) continue; // NaN payloads
      expect(f32ToF16Bits(f16BitsToF32(h))).toBe(h);
    }
  });

  it('bulk decode agrees with the scalar one', () => {
    const src = new Uint16Array([0x3c00, 0x0001, 0xbc00, 0x7bff, 0x1234]);
    expect(Array.from(decodeF16(src))).toEqual(Array.from(src, f16BitsToF32));
    expect(Array.from(encodeF16(decodeF16(src)))).toEqual(Array.from(src));
  });
});

describe('bfloat16', () => {
  it('is the top half of a float32, rounded to nearest even', () => {
    expect(f32ToBf16Bits(1)).toBe(0x3f80);
    expect(bf16BitsToF32(0x3f80)).toBe(1);
    expect(bf16BitsToF32(0xc040)).toBe(-3);
    expect(f32ToBf16Bits(1 + 2 ** -8)).toBe(0x3f80); // tie → even
    expect(f32ToBf16Bits(1 + 3 * 2 ** -8)).toBe(0x3f82);
  });

  it('round trip is within half a bf16 ulp', () => {
    fc.assert(
      fc.property(fc.float({ noNaN: true, noDefaultInfinity: true, min: Math.fround(-1e30), max: Math.fround(1e30) }), (v) => {
        const r = bf16BitsToF32(f32ToBf16Bits(v));
        return Math.abs(r - v) <= Math.abs(v) * 2 ** -8 + 1e-38;
      }),
    );
    const src = new Float32Array([0.1, -2.5, 3e-5]);
    expect(Array.from(decodeBf16(encodeBf16(src)))).toEqual(Array.from(src, (v) => bf16BitsToF32(f32ToBf16Bits(v))));
  });
});
