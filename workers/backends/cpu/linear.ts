/**
 * Matrix kernels of the cpu backend: y[T, N] = x[T, K] · Wᵀ for a dense float32 W[N, K] or a
 * q4 group-quantized one that stays packed in memory (a 7B model would not fit as float32).
 *
 * Plain TypeScript can't use SIMD, so speed comes from memory traffic and loop shape:
 *  - 4 weight rows at a time, each loaded x value feeding 4 accumulators;
 *  - prefill (T > 1): each block of 4 quantized rows is dequantized ONCE into a scratch buffer
 *    and reused for all T positions (the batch is what makes prefill fast);
 *  - decode (T = 1): quantized rows are never expanded: per group,
 *    Σ (q−7)·s·x = s·(Σ q·x − 7·Σ x), with Σ x per group computed once per call.
 * Accumulation is in double (JS numbers); storage is float32.
 */
import { GROUP_SIZE, MAX_INT, type QuantizedMatrix } from '../../../src/core/mlc/quantization.ts';

export interface DenseWeight {
  kind: 'dense';
  N: number;
  K: number;
  w: Float32Array;
}

/** A q4 matrix kept packed (see src/core/mlc/quantization.ts for the layout). */
export interface Q4Weight extends QuantizedMatrix {
  kind: 'q4';
}

export type LinearWeight = DenseWeight | Q4Weight;

/** y[T, N] = x[T, K] · Wᵀ. `x` and `out` may be longer than needed (scratch buffers). */
export type MatmulFn = (W: LinearWeight, x: Float32Array, T: number, out: Float32Array) => void;

// Scratch buffers grow on demand and are reused: no allocation per call in steady state.
let rowScratch = new Float32Array(0);
let padScratch = new Float32Array(0);
let groupSumScratch = new Float64Array(0);

function scratchRows(n: number): Float32Array {
  if (rowScratch.length < n) rowScratch = new Float32Array(n);
  return rowScratch;
}

/**
 * out[t·N + n0 + r] = Σ_k rows[r·K + k] · x[t·K + k] for r < R (R ≤ 4 rows stored at
 * `rows` from offset `ro`), for every t < T.
 */
function rowsTimesX(rows: Float32Array, ro: number, R: number, K: number, x: Float32Array, T: number, out: Float32Array, N: number, n0: number): void {
  if (R === 4) {
    const o0 = ro, o1 = ro + K, o2 = ro + 2 * K, o3 = ro + 3 * K;
    let t = 0;
    // 4 rows × 2 positions: 8 accumulators, each weight load feeds two positions.
    for (; t + 2 <= T; t += 2) {
      const xa = t * K;
      const xb = xa + K;
      let a0 = 0, a1 = 0, a2 = 0, a3 = 0, b0 = 0, b1 = 0, b2 = 0, b3 = 0;
      for (let k = 0; k < K; k++) {
        const u = x[xa + k];
        const v = x[xb + k];
        const w0 = rows[o0 + k], w1 = rows[o1 + k], w2 = rows[o2 + k], w3 = rows[o3 + k];
        a0 += w0 * u;
        a1 += w1 * u;
        a2 += w2 * u;
        a3 += w3 * u;
        b0 += w0 * v;
        b1 += w1 * v;
        b2 += w2 * v;
        b3 += w3 * v;
      }
      const oa = t * N + n0;
      const ob = oa + N;
      out[oa] = a0;
      out[oa + 1] = a1;
      out[oa + 2] = a2;
      out[oa + 3] = a3;
      out[ob] = b0;
      out[ob + 1] = b1;
      out[ob + 2] = b2;
      out[ob + 3] = b3;
    }
    for (; t < T; t++) {
      const xo = t * K;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (let k = 0; k < K; k++) {
        const xv = x[xo + k];
        s0 += rows[o0 + k] * xv;
        s1 += rows[o1 + k] * xv;
        s2 += rows[o2 + k] * xv;
        s3 += rows[o3 + k] * xv;
      }
      const oo = t * N + n0;
      out[oo] = s0;
      out[oo + 1] = s1;
      out[oo + 2] = s2;
      out[oo + 3] = s3;
    }
    return;
  }
  for (let r = 0; r < R; r++) {
    const o = ro + r * K;
    for (let t = 0; t < T; t++) {
      const xo = t * K;
      let s = 0;
      for (let k = 0; k < K; k++) s += rows[o + k] * x[xo + k];
      out[t * N + n0 + r] = s;
    }
  }
}

function denseMatmul(W: DenseWeight, x: Float32Array, T: number, out: Float32Array): void {
  const { N, K, w } = W;
  for (let n = 0; n < N; n += 4) rowsTimesX(w, n * K, Math.min(4, N - n), K, x, T, out, N, n);
}

/** Dequantizes rows [n0, n0+R) of W into dst[r·K + k]. */
function dequantRows(W: Q4Weight, n0: number, R: number, dst: Float32Array): void {
  const { K, groups, wordsPerRow, qWeight, scale } = W;
  for (let r = 0; r < R; r++) {
    const n = n0 + r;
    const wb = n * wordsPerRow;
    const sb = n * groups;
    const db = r * K;
    for (let g = 0; g < groups; g++) {
      const s = scale[sb + g];
      const k0 = g * GROUP_SIZE;
      const kEnd = Math.min(K, k0 + GROUP_SIZE);
      let wi = wb + (k0 >> 3);
      let k = k0;
      // Whole words first (8 values each), then the tail of a padded last group.
      for (; k + 8 <= kEnd; k += 8, wi++) {
        const word = qWeight[wi];
        const d = db + k;
        dst[d] = ((word & 15) - MAX_INT) * s;
        dst[d + 1] = (((word >>> 4) & 15) - MAX_INT) * s;
        dst[d + 2] = (((word >>> 8) & 15) - MAX_INT) * s;
        dst[d + 3] = (((word >>> 12) & 15) - MAX_INT) * s;
        dst[d + 4] = (((word >>> 16) & 15) - MAX_INT) * s;
        dst[d + 5] = (((word >>> 20) & 15) - MAX_INT) * s;
        dst[d + 6] = (((word >>> 24) & 15) - MAX_INT) * s;
        dst[d + 7] = ((word >>> 28) - MAX_INT) * s;
      }
      for (let j = 0; k < kEnd; k++, j++) dst[db + k] = (((qWeight[wi] >>> (4 * j)) & 15) - MAX_INT) * s;
    }
  }
}

/** Decode path: one position, rows never expanded. */
function q4Matvec(W: Q4Weight, x: Float32Array, xOff: number, out: Float32Array, outOff: number): void {
  const { N, K, groups, wordsPerRow, qWeight, scale } = W;
  const Kp = groups * GROUP_SIZE;
  if (padScratch.length < Kp) padScratch = new Float32Array(Kp);
  if (groupSumScratch.length < groups) groupSumScratch = new Float64Array(groups);
  const xp = padScratch;
  const gs = groupSumScratch;
  for (let k = 0; k < K; k++) xp[k] = x[xOff + k];
  for (let k = K; k < Kp; k++) xp[k] = 0; // padding nibbles must meet zeros
  for (let g = 0; g < groups; g++) {
    let s = 0;
    for (let k = g * GROUP_SIZE, e = k + GROUP_SIZE; k < e; k++) s += xp[k];
    gs[g] = MAX_INT * s;
  }
  for (let n = 0; n < N; n++) {
    const wb = n * wordsPerRow;
    const sb = n * groups;
    let acc = 0;
    for (let g = 0; g < groups; g++) {
      let sq = 0;
      let k = g * GROUP_SIZE;
      for (let wi = wb + g * 4, we = wi + 4; wi < we; wi++, k += 8) {
        const word = qWeight[wi];
        sq +=
          (word & 15) * xp[k] +
          ((word >>> 4) & 15) * xp[k + 1] +
          ((word >>> 8) & 15) * xp[k + 2] +
          ((word >>> 12) & 15) * xp[k + 3] +
          ((word >>> 16) & 15) * xp[k + 4] +
          ((word >>> 20) & 15) * xp[k + 5] +
          ((word >>> 24) & 15) * xp[k + 6] +
          (word >>> 28) * xp[k + 7];
      }
      acc += scale[sb + g] * (sq - gs[g]);
    }
    out[outOff + n] = acc;
  }
}

function q4Matmul(W: Q4Weight, x: Float32Array, T: number, out: Float32Array): void {
  if (T === 1) {
    q4Matvec(W, x, 0, out, 0);
    return;
  }
  const { N, K } = W;
  const rows = scratchRows(4 * K);
  for (let n = 0; n < N; n += 4) {
    const R = Math.min(4, N - n);
    dequantRows(W, n, R, rows);
    rowsTimesX(rows, 0, R, K, x, T, out, N, n);
  }
}

/** The blocked kernels (what the engine runs). */
export const matmul: MatmulFn = (W, x, T, out) => {
  if (W.kind === 'dense') denseMatmul(W, x, T, out);
  else q4Matmul(W, x, T, out);
};

/**
 * The naive baseline: one position at a time, one weight at a time, each q4 value unpacked by
 * index arithmetic. Same math, no blocking: the bench's reference point and the tests' oracle.
 */
export const matmulNaive: MatmulFn = (W, x, T, out) => {
  const { N, K } = W;
  for (let t = 0; t < T; t++) {
    for (let n = 0; n < N; n++) {
      let s = 0;
      for (let k = 0; k < K; k++) {
        let w: number;
        if (W.kind === 'dense') w = W.w[n * K + k];
        else {
          const q = (W.qWeight[n * W.wordsPerRow + Math.floor(k / 8)] >>> (4 * (k % 8))) & 15;
          w = (q - MAX_INT) * W.scale[n * W.groups + Math.floor(k / GROUP_SIZE)];
        }
        s += w * x[t * K + k];
      }
      out[t * N + n] = s;
    }
  }
};

/** Row `n` of W (an embedding lookup) into out[offset..offset+K). */
export function readRow(W: LinearWeight, n: number, out: Float32Array, offset: number): void {
  if (W.kind === 'dense') {
    out.set(W.w.subarray(n * W.K, (n + 1) * W.K), offset);
    return;
  }
  const rows = scratchRows(W.K);
  dequantRows(W, n, 1, rows);
  out.set(rows.subarray(0, W.K), offset);
}
