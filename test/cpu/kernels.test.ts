import { describe, expect, it } from 'vitest';
import { dequantizeGroupwise, quantizeGroupwise } from '../../src/core/mlc/quantization.ts';
import { matmul, matmulNaive, readRow, type LinearWeight } from '../../workers/backends/cpu/linear.ts';

const rand = (n: number, seed: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 12.9898 + seed * 78.233) * 2);

function q4(N: number, K: number, seed: number): LinearWeight {
  const q = quantizeGroupwise(rand(N * K, seed), N, K, 'float16');
  return { kind: 'q4', ...q };
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe('matmul kernels', () => {
  // N not a multiple of 4, K with a padded last group (172 → 192), T = 1 (decode) and T > 1 (prefill).
  for (const [N, K] of [
    [7, 64],
    [64, 172],
    [13, 45],
  ]) {
    for (const T of [1, 3, 9]) {
      it(`blocked == naive for dense and q4, N=${N} K=${K} T=${T}`, () => {
        const x = rand(T * K, 99);
        const dense: LinearWeight = { kind: 'dense', N, K, w: rand(N * K, 5) };
        const quant = q4(N, K, 6);
        for (const W of [dense, quant]) {
          const a = new Float32Array(T * N);
          const b = new Float32Array(T * N);
          matmul(W, x, T, a);
          matmulNaive(W, x, T, b);
          expect(maxAbsDiff(a, b)).toBeLessThan(1e-4);
        }
      });
    }
  }

  it('q4 matmul equals a dense matmul over the dequantized matrix', () => {
    const N = 10;
    const K = 172;
    const W = q4(N, K, 3);
    if (W.kind !== 'q4') throw new Error('q4 expected');
    const dense: LinearWeight = { kind: 'dense', N, K, w: dequantizeGroupwise(W) };
    const x = rand(2 * K, 4);
    const a = new Float32Array(2 * N);
    const b = new Float32Array(2 * N);
    matmul(W, x, 2, a);
    matmul(dense, x, 2, b);
    expect(maxAbsDiff(a, b)).toBeLessThan(1e-4);
  });

  it('reads embedding rows from dense and q4 tables', () => {
    const W = q4(5, 40, 8);
    if (W.kind !== 'q4') throw new Error('q4 expected');
    const full = dequantizeGroupwise(W);
    const out = new Float32Array(80);
    readRow(W, 3, out, 40);
    expect(Array.from(out.subarray(40))).toEqual(Array.from(full.subarray(120, 160)));
  });
});
