import { describe, expect, it } from 'vitest';
import { f16BitsToF32, roundToF16 } from '../../src/core/mlc/dtype.ts';
import {
  dequantizeGroupwise,
  dequantizeRow,
  groupLayout,
  nibbleAt,
  parseQuantization,
  quantizeGroupwise,
  type QuantizedMatrix,
} from '../../src/core/mlc/quantization.ts';

/** Packs nibbles (value i of a word at bits 4i..4i+3) by hand, independently of the module. */
function packWords(nibbles: number[]): Uint32Array {
  const words = new Uint32Array(Math.ceil(nibbles.length / 8));
  nibbles.forEach((q, i) => {
    words[Math.floor(i / 8)] += q * 16 ** (i % 8);
  });
  return words;
}

describe('q4 group layout', () => {
  it('pads K up to whole groups of 32 (intermediate 172 → 6 groups, 24 words)', () => {
    expect(groupLayout(172)).toEqual({ groups: 6, wordsPerRow: 24 });
    expect(groupLayout(64)).toEqual({ groups: 2, wordsPerRow: 8 });
  });

  it('parses the quantization names', () => {
    expect(parseQuantization('q4f16_1')).toMatchObject({ kind: 'group', modelDtype: 'float16', groupSize: 32 });
    expect(parseQuantization('q4f32_1')).toMatchObject({ kind: 'group', modelDtype: 'float32' });
    expect(parseQuantization('q0f32')).toMatchObject({ kind: 'none' });
    expect(() => parseQuantization('q3f16_1')).toThrow(/unsupported model: quantization "q3f16_1"/);
  });
});

describe('dequantization of hand-built words', () => {
  it('w = (q − 7)·scale, value i at bits 4i..4i+3, scale per group, padded K ignored', () => {
    // One row, K = 40: group 0 has 32 values, group 1 has 8 real values and 24 padding nibbles.
    const K = 40;
    const qs = Array.from({ length: 40 }, (_, k) => (k * 5 + 3) % 15); // 0..14
    const nibbles = [...qs, ...new Array(24).fill(0)];
    const qWeight = packWords(nibbles);
    expect(qWeight.length).toBe(8);
    const scale = new Float32Array([f16BitsToF32(0x3800) /* 0.5 */, f16BitsToF32(0x4200) /* 3 */]);
    const m: QuantizedMatrix = { N: 1, K, groups: 2, wordsPerRow: 8, qWeight, scale };
    const w = dequantizeRow(m, 0, new Float32Array(K));
    for (let k = 0; k < K; k++) {
      expect(nibbleAt(m, 0, k)).toBe(qs[k]);
      expect(w[k]).toBe((qs[k] - 7) * (k < 32 ? 0.5 : 3));
    }
  });

  it('a word of 0x76543210 holds 0..7 in order', () => {
    const m: QuantizedMatrix = { N: 1, K: 8, groups: 1, wordsPerRow: 4, qWeight: new Uint32Array([0x76543210, 0, 0, 0]), scale: new Float32Array([1]) };
    expect(Array.from(dequantizeRow(m, 0, new Float32Array(8)))).toEqual([-7, -6, -5, -4, -3, -2, -1, 0]);
  });
});

describe('quantization (mlc_llm formula)', () => {
  it('scale = max|w|/7 in the model dtype, q = clamp(round(w/scale + 7), 0, 14), padding zero', () => {
    const N = 3;
    const K = 45;
    const w = Float32Array.from({ length: N * K }, (_, i) => Math.sin(i * 1.7) * (1 + (i % 7)));
    const q = quantizeGroupwise(w, N, K, 'float16');
    expect(q.groups).toBe(2);
    expect(q.qWeight.length).toBe(N * 8);
    for (let n = 0; n < N; n++) {
      for (let g = 0; g < 2; g++) {
        const vals = Array.from(w.subarray(n * K + g * 32, n * K + Math.min(K, (g + 1) * 32)), roundToF16);
        const s = roundToF16(Math.max(...vals.map(Math.abs)) / 7);
        expect(q.scale[n * 2 + g]).toBe(s);
        vals.forEach((v, j) => expect(nibbleAt(q, n, g * 32 + j)).toBe(Math.min(14, Math.max(0, Math.round(v / s + 7)))));
      }
      for (let k = K; k < 64; k++) expect(nibbleAt(q, n, k)).toBe(0);
    }
    // Dequantized values are within half a step of the originals.
    const d = dequantizeGroupwise(q);
    for (let i = 0; i < N * K; i++) {
      const s = q.scale[Math.floor(i / K) * 2 + Math.floor((i % K) / 32)];
      expect(Math.abs(d[i] - w[i])).toBeLessThanOrEqual(s / 2 + Math.abs(w[i]) * 2 ** -10);
    }
  });

  it('an all-zero group gets scale 0 and dequantizes to zeros', () => {
    const q = quantizeGroupwise(new Float32Array(32), 1, 32, 'float32');
    expect(q.scale[0]).toBe(0);
    expect(Array.from(dequantizeGroupwise(q)).every((v) => v === 0)).toBe(true);
  });
});
