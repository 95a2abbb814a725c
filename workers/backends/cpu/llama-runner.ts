/**
 * The Llama forward pass over a KV cache, in plain TypeScript:
 *   embed → L × [RMSNorm → fused qkv → RoPE (rotate-half, HF layout) → causal GQA attention →
 *   o_proj → residual → RMSNorm → fused gate_up → SiLU(gate)·up → down_proj → residual]
 *   → final RMSNorm → lm_head (only at the positions whose logits are asked for).
 * New tokens go through in chunks (a batched prefill: every projection is one matmul over the
 * chunk's positions); decoding is a chunk of one. The cache remembers which ids it holds, so a
 * request that shares a prefix with the previous one only computes the rest.
 */
import type { LlamaConfig } from '../../../src/core/mlc/chat-config.ts';
import { matmul as blockedMatmul, readRow, type MatmulFn } from './linear.ts';
import type { LlamaWeights } from './weights.ts';

/** Positions per forward chunk: big enough to amortize dequantization, small enough for scratch. */
const MAX_CHUNK = 128;

export class LlamaRunner {
  readonly cfg: LlamaConfig;
  private readonly w: LlamaWeights;
  private readonly matmul: MatmulFn;
  private readonly chunk: number;
  private readonly kvDim: number;
  private readonly qkvDim: number;
  /** Ids whose keys/values are in the cache, in order. */
  private ids: number[] = [];
  private capacity = 0;
  private kCache: Float32Array[] = [];
  private vCache: Float32Array[] = [];
  private invFreq: Float64Array;
  private ropeCos = new Float64Array(0);
  private ropeSin = new Float64Array(0);
  private ropePositions = 0;
  // Scratch, sized for one chunk.
  private x: Float32Array;
  private xn: Float32Array;
  private qkv: Float32Array;
  private attn: Float32Array;
  private proj: Float32Array;
  private gu: Float32Array;
  private act: Float32Array;
  private scores = new Float64Array(0);
  private headAcc: Float64Array;

  constructor(cfg: LlamaConfig, weights: LlamaWeights, opts: { matmul?: MatmulFn; maxChunk?: number } = {}) {
    this.cfg = cfg;
    this.w = weights;
    this.matmul = opts.matmul ?? blockedMatmul;
    this.chunk = Math.max(1, Math.min(opts.maxChunk ?? MAX_CHUNK, cfg.prefillChunkSize));
    this.kvDim = cfg.numKvHeads * cfg.headDim;
    this.qkvDim = (cfg.numHeads + 2 * cfg.numKvHeads) * cfg.headDim;
    const T = this.chunk;
    const H = cfg.hiddenSize;
    this.x = new Float32Array(T * H);
    this.xn = new Float32Array(T * H);
    this.qkv = new Float32Array(T * this.qkvDim);
    this.attn = new Float32Array(T * cfg.numHeads * cfg.headDim);
    this.proj = new Float32Array(T * H);
    this.gu = new Float32Array(T * 2 * cfg.intermediateSize);
    this.act = new Float32Array(T * cfg.intermediateSize);
    const half = cfg.headDim / 2;
    this.headAcc = new Float64Array(cfg.headDim);
    this.invFreq = new Float64Array(half);
    for (let i = 0; i < half; i++) this.invFreq[i] = 1 / Math.pow(cfg.ropeTheta, (2 * i) / cfg.headDim);
  }

  /** Ids currently held by the KV cache. */
  get cachedIds(): readonly number[] {
    return this.ids;
  }

  /** Drops cached positions from `length` on. */
  truncate(length: number): void {
    if (length < this.ids.length) this.ids.length = Math.max(0, length);
  }

  reset(): void {
    this.ids = [];
  }

  /** Releases the cache's memory (the next call reallocates). */
  freeCache(): void {
    this.ids = [];
    this.capacity = 0;
    this.kCache = [];
    this.vCache = [];
  }

  /**
   * Makes the cache hold exactly `ids` and returns the logits at the requested positions
   * (indices into `ids`, each ≥ the reused prefix length is not required: positions already
   * cached are recomputed from the first requested one). Returns [positions.length, vocab].
   * `computed` says how many positions were run through the model.
   */
  run(ids: readonly number[], positions: readonly number[]): { logits: Float32Array; computed: number } {
    let keep = 0;
    const cached = this.ids;
    while (keep < cached.length && keep < ids.length && cached[keep] === ids[keep]) keep++;
    // Logits are only produced for positions computed now: recompute from the first one asked for.
    const firstWanted = positions.length ? Math.min(...positions) : ids.length;
    keep = Math.min(keep, firstWanted);
    this.truncate(keep);
    const V = this.cfg.vocabSize;
    const logits = new Float32Array(positions.length * V);
    for (let start = keep; start < ids.length; start += this.chunk) {
      const end = Math.min(ids.length, start + this.chunk);
      const rows: number[] = [];
      const dest: number[] = [];
      positions.forEach((p, i) => {
        if (p >= start && p < end) {
          rows.push(p - start);
          dest.push(i);
        }
      });
      this.forwardChunk(ids.slice(start, end), rows, logits, dest);
    }
    return { logits, computed: ids.length - keep };
  }

  private ensureCapacity(n: number): void {
    if (n <= this.capacity) return;
    const cap = Math.min(Math.max(n, this.capacity * 2, 256), Math.max(n, this.cfg.contextWindowSize));
    for (let l = 0; l < this.cfg.numLayers; l++) {
      const k = new Float32Array(cap * this.kvDim);
      const v = new Float32Array(cap * this.kvDim);
      if (this.kCache[l]) {
        k.set(this.kCache[l].subarray(0, this.ids.length * this.kvDim));
        v.set(this.vCache[l].subarray(0, this.ids.length * this.kvDim));
      }
      this.kCache[l] = k;
      this.vCache[l] = v;
    }
    this.capacity = cap;
  }

  private ensureRope(n: number): void {
    if (n <= this.ropePositions) return;
    const half = this.cfg.headDim / 2;
    const count = Math.max(n, this.ropePositions * 2, 256);
    const cos = new Float64Array(count * half);
    const sin = new Float64Array(count * half);
    for (let p = 0; p < count; p++) {
      for (let i = 0; i < half; i++) {
        const a = p * this.invFreq[i];
        cos[p * half + i] = Math.cos(a);
        sin[p * half + i] = Math.sin(a);
      }
    }
    this.ropeCos = cos;
    this.ropeSin = sin;
    this.ropePositions = count;
  }

  /** Rotate-half RoPE on one head vector at buf[off..off+headDim). */
  private rope(buf: Float32Array, off: number, pos: number): void {
    const half = this.cfg.headDim / 2;
    const cb = pos * half;
    for (let i = 0; i < half; i++) {
      const c = this.ropeCos[cb + i];
      const s = this.ropeSin[cb + i];
      const a = buf[off + i];
      const b = buf[off + i + half];
      buf[off + i] = a * c - b * s;
      buf[off + i + half] = b * c + a * s;
    }
  }

  private rmsNorm(src: Float32Array, dst: Float32Array, T: number, weight: Float32Array): void {
    const H = this.cfg.hiddenSize;
    const eps = this.cfg.rmsNormEps;
    for (let t = 0; t < T; t++) {
      const o = t * H;
      let ss = 0;
      for (let i = 0; i < H; i++) ss += src[o + i] * src[o + i];
      const r = 1 / Math.sqrt(ss / H + eps);
      for (let i = 0; i < H; i++) dst[o + i] = src[o + i] * r * weight[i];
    }
  }

  private forwardChunk(chunkIds: number[], logitRows: number[], logits: Float32Array, logitDest: number[]): void {
    const cfg = this.cfg;
    const T = chunkIds.length;
    const H = cfg.hiddenSize;
    const hd = cfg.headDim;
    const nH = cfg.numHeads;
    const nKV = cfg.numKvHeads;
    const group = nH / nKV;
    const I = cfg.intermediateSize;
    const start = this.ids.length;
    this.ensureCapacity(start + T);
    this.ensureRope(start + T);
    const { x, xn, qkv, attn, proj, gu, act } = this;
    for (let t = 0; t < T; t++) readRow(this.w.embed, chunkIds[t], x, t * H);
    if (this.scores.length < start + T) this.scores = new Float64Array(Math.max(start + T, this.scores.length * 2));
    const scores = this.scores;
    const scale = 1 / Math.sqrt(hd);
    const qkvDim = this.qkvDim;
    const kvDim = this.kvDim;

    for (let l = 0; l < cfg.numLayers; l++) {
      const lw = this.w.layers[l];
      const kc = this.kCache[l];
      const vc = this.vCache[l];
      this.rmsNorm(x, xn, T, lw.inputNorm);
      this.matmul(lw.qkv, xn, T, qkv);
      // RoPE on q and k, then k and v into the cache.
      for (let t = 0; t < T; t++) {
        const pos = start + t;
        const base = t * qkvDim;
        for (let h = 0; h < nH + nKV; h++) this.rope(qkv, base + h * hd, pos);
        const kOff = base + nH * hd;
        const vOff = kOff + kvDim;
        kc.set(qkv.subarray(kOff, kOff + kvDim), pos * kvDim);
        vc.set(qkv.subarray(vOff, vOff + kvDim), pos * kvDim);
      }
      // Causal attention: position t sees cache positions 0..start+t.
      for (let t = 0; t < T; t++) {
        const last = start + t;
        for (let h = 0; h < nH; h++) {
          const qo = t * qkvDim + h * hd;
          const kvh = Math.floor(h / group) * hd;
          let max = -Infinity;
          for (let j = 0; j <= last; j++) {
            const ko = j * kvDim + kvh;
            let s = 0;
            for (let d = 0; d < hd; d++) s += qkv[qo + d] * kc[ko + d];
            s *= scale;
            scores[j] = s;
            if (s > max) max = s;
          }
          let sum = 0;
          for (let j = 0; j <= last; j++) {
            const e = Math.exp(scores[j] - max);
            scores[j] = e;
            sum += e;
          }
          const acc = this.headAcc;
          acc.fill(0);
          for (let j = 0; j <= last; j++) {
            const p = scores[j];
            const vo = j * kvDim + kvh;
            for (let d = 0; d < hd; d++) acc[d] += p * vc[vo + d];
          }
          const ao = t * nH * hd + h * hd;
          for (let d = 0; d < hd; d++) attn[ao + d] = acc[d] / sum;
        }
      }
      this.matmul(lw.o, attn, T, proj);
      for (let i = 0; i < T * H; i++) x[i] += proj[i];
      this.rmsNorm(x, xn, T, lw.postNorm);
      this.matmul(lw.gateUp, xn, T, gu);
      for (let t = 0; t < T; t++) {
        const go = t * 2 * I;
        const ao = t * I;
        for (let i = 0; i < I; i++) {
          const g = gu[go + i];
          act[ao + i] = (g / (1 + Math.exp(-g))) * gu[go + I + i];
        }
      }
      this.matmul(lw.down, act, T, proj);
      for (let i = 0; i < T * H; i++) x[i] += proj[i];
    }
    for (const id of chunkIds) this.ids.push(id);

    if (logitRows.length === 0) return;
    // Final norm and lm_head at the requested rows only (vocab-wide matmuls are the costliest).
    const R = logitRows.length;
    const sel = new Float32Array(R * H);
    logitRows.forEach((row, i) => sel.set(x.subarray(row * H, (row + 1) * H), i * H));
    const seln = new Float32Array(R * H);
    this.rmsNorm(sel, seln, R, this.w.norm);
    const V = cfg.vocabSize;
    const out = new Float32Array(R * V);
    this.matmul(this.w.lmHead, seln, R, out);
    logitDest.forEach((d, i) => logits.set(out.subarray(i * V, (i + 1) * V), d * V));
  }
}
