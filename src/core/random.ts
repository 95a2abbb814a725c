/**
 * Small deterministic PRNG and string hash shared by everything that must give the same
 * "random" result on every platform: seeded demonstration sampling, the test checkpoints'
 * random weights. Not for anything security-related.
 */

/** A PRNG returning floats in [0, 1). */
export type Random = () => number;

/** mulberry32: small, fast, and identical in Node, pages and workers. */
export function mulberry32(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** 32-bit FNV-1a over a string's UTF-16 code units. */
export function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}
