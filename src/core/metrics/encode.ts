/**
 * Turns texts into ROUGE token ids fast: the same tokens as tokenizeRouge (runs of [a-z0-9] in
 * the lowercased text, optionally stemmed), but without building token strings for unstemmed
 * tokens. Each token is hashed straight from the text's char codes and interned in an
 * open-addressing table whose slots are invalidated by a generation stamp, so starting a new
 * comparison costs O(1) and scoring allocates almost nothing. Ids are dense (0, 1, 2, …) and
 * only meaningful within one comparison (between two `reset()` calls).
 *
 * This module keeps per-realm state (reused buffers); it is synchronous and not re-entrant,
 * which is fine in JS's single thread per realm.
 */
import type { PorterStemmer } from './porter.ts';

const STEM_MIN_LENGTH_EXCLUSIVE = 3;
const FNV_OFFSET = 0x811c9dc5 | 0;
const FNV_PRIME = 16777619;

function isTokenChar(code: number): boolean {
  return (code >= 97 && code <= 122) || (code >= 48 && code <= 57);
}

function hashRange(source: string, start: number, end: number): number {
  let h = FNV_OFFSET;
  for (let i = start; i < end; i++) h = Math.imul(h ^ source.charCodeAt(i), FNV_PRIME);
  return h;
}

/** A token vocabulary for one comparison: token text ↔ dense id. */
export class TokenInterner {
  private slotIds = new Int32Array(1024);
  private slotStamps = new Int32Array(1024);
  private generation = 1;
  /** Per id: where its text lives (a source string and a range in it) and its hash. */
  private sources: string[] = [];
  private starts = new Int32Array(256);
  private ends = new Int32Array(256);
  private hashes = new Int32Array(256);
  size = 0;

  /** Forgets every token; ids restart at 0. */
  reset(): void {
    // Drop references to old texts once the table has been big, so they can be collected.
    if (this.sources.length > 4096) this.sources = [];
    this.size = 0;
    this.generation += 1;
    if (this.generation === 0x7fffffff) {
      this.slotStamps.fill(0);
      this.generation = 1;
    }
  }

  /** The id of source[start, end) (whose hash is `hash`), adding it when new. */
  intern(source: string, start: number, end: number, hash: number): number {
    const mask = this.slotIds.length - 1;
    const length = end - start;
    let slot = hash & mask;
    for (;;) {
      if (this.slotStamps[slot] !== this.generation) break;
      const id = this.slotIds[slot];
      if (this.hashes[id] === hash && this.ends[id] - this.starts[id] === length && this.sameText(id, source, start, length)) {
        return id;
      }
      slot = (slot + 1) & mask;
    }
    const id = this.size++;
    this.remember(id, source, start, end, hash);
    this.slotStamps[slot] = this.generation;
    this.slotIds[slot] = id;
    if (this.size * 2 > this.slotIds.length) this.growTable();
    return id;
  }

  private sameText(id: number, source: string, start: number, length: number): boolean {
    const other = this.sources[id];
    const otherStart = this.starts[id];
    for (let k = 0; k < length; k++) {
      if (other.charCodeAt(otherStart + k) !== source.charCodeAt(start + k)) return false;
    }
    return true;
  }

  private remember(id: number, source: string, start: number, end: number, hash: number): void {
    if (id >= this.starts.length) {
      const capacity = this.starts.length * 2;
      const grow = (old: Int32Array) => {
        const next = new Int32Array(capacity);
        next.set(old);
        return next;
      };
      this.starts = grow(this.starts);
      this.ends = grow(this.ends);
      this.hashes = grow(this.hashes);
    }
    this.sources[id] = source;
    this.starts[id] = start;
    this.ends[id] = end;
    this.hashes[id] = hash;
  }

  private growTable(): void {
    const capacity = this.slotIds.length * 2;
    this.slotIds = new Int32Array(capacity);
    this.slotStamps = new Int32Array(capacity);
    this.generation = 1;
    const mask = capacity - 1;
    for (let id = 0; id < this.size; id++) {
      let slot = this.hashes[id] & mask;
      while (this.slotStamps[slot] === this.generation) slot = (slot + 1) & mask;
      this.slotStamps[slot] = this.generation;
      this.slotIds[slot] = id;
    }
  }
}

/** A reusable output buffer for one encoded text: ids and the "\n"-line of each token. */
export class EncodedBuffer {
  ids = new Int32Array(256);
  lines = new Int32Array(256);
  count = 0;

  ensure(capacity: number): void {
    if (this.ids.length >= capacity) return;
    let size = this.ids.length;
    while (size < capacity) size *= 2;
    this.ids = new Int32Array(size);
    this.lines = new Int32Array(size);
  }

  /** A view of the ids (valid until this buffer is encoded into again). */
  view(): Int32Array {
    return this.ids.subarray(0, this.count);
  }
}

/**
 * Encodes `text` into `out` with `interner`'s ids. Tokens longer than 3 characters go through
 * `stemmer` when one is given (rouge-score's rule). Returns `out` for chaining.
 */
export function encodeRouge(text: string, stemmer: PorterStemmer | null, interner: TokenInterner, out: EncodedBuffer): EncodedBuffer {
  const lower = text.toLowerCase();
  const n = lower.length;
  // A token takes at least one char plus a separator: n / 2 + 1 slots always suffice.
  out.ensure((n >> 1) + 2);
  const ids = out.ids;
  const lines = out.lines;
  let count = 0;
  let line = 0;
  let i = 0;
  while (i < n) {
    let code = lower.charCodeAt(i);
    if (!isTokenChar(code)) {
      if (code === 10) line += 1;
      i += 1;
      continue;
    }
    const start = i;
    let h = FNV_OFFSET;
    do {
      h = Math.imul(h ^ code, FNV_PRIME);
      i += 1;
      code = i < n ? lower.charCodeAt(i) : -1;
    } while (isTokenChar(code));
    let id: number;
    if (stemmer !== null && i - start > STEM_MIN_LENGTH_EXCLUSIVE) {
      const stem = stemmer.stem(lower.slice(start, i));
      if (stem.length === 0) continue; // rouge-score drops empty tokens (a stem never is)
      id = interner.intern(stem, 0, stem.length, hashRange(stem, 0, stem.length));
    } else {
      id = interner.intern(lower, start, i, h);
    }
    ids[count] = id;
    lines[count] = line;
    count += 1;
  }
  out.count = count;
  return out;
}
