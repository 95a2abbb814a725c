/**
 * Longest common subsequence over integer token ids, the core of ROUGE-L.
 *
 * Tokens are mapped to small integers first (see TokenIds) so that the O(n·m) inner loop
 * compares numbers, not strings. The DP storage is a module-level typed array that is grown
 * on demand and reused across calls: scoring thousands of pairs allocates nothing per cell.
 * (Module state is per realm, so a page and a worker each have their own buffers.)
 */

let rowBuffer: Int32Array = new Int32Array(1024);
let tableBuffer: Int32Array = new Int32Array(1 << 16);

/** Above this many entries a buffer is given back once a small comparison comes along. */
const KEEP_AT_MOST = 1 << 22;

function growTo(buffer: Int32Array, size: number): Int32Array {
  // Don't keep a huge table alive (16 MiB+) for the many short comparisons that follow a long one.
  if (buffer.length > KEEP_AT_MOST && size <= KEEP_AT_MOST >> 4) return new Int32Array(KEEP_AT_MOST >> 4);
  if (buffer.length >= size) return buffer;
  let capacity = buffer.length;
  while (capacity < size) capacity *= 2;
  return new Int32Array(capacity);
}

/**
 * LCS length of `a[0..aLength)` and `b[0..bLength)`, in O(aLength·bLength) time and one row of
 * memory (only the length is needed for ROUGE-L, so no table is kept).
 */
export function lcsLength(a: Int32Array, b: Int32Array, aLength = a.length, bLength = b.length): number {
  if (aLength === 0 || bLength === 0) return 0;
  // Keep the row along the shorter sequence: less memory to touch per outer step.
  if (bLength > aLength) return lcsLength(b, a, bLength, aLength);
  rowBuffer = growTo(rowBuffer, bLength + 1);
  const row = rowBuffer;
  row.fill(0, 0, bLength + 1);
  for (let i = 0; i < aLength; i++) {
    const ai = a[i];
    let diagonal = 0; // table[i-1][j-1]
    let left = 0; // table[i][j-1]
    for (let j = 1; j <= bLength; j++) {
      const up = row[j]; // table[i-1][j]
      const value = ai === b[j - 1] ? diagonal + 1 : up > left ? up : left;
      diagonal = up;
      row[j] = value;
      left = value;
    }
  }
  return row[bLength];
}

/**
 * rouge-score's `lcs_ind(ref, can)`: the indices into `ref` of ONE longest common subsequence,
 * ascending, read out of the full table by `_backtrack_norec` — on a match go diagonally, else
 * go left only when table[i][j-1] is strictly greater than table[i-1][j], else go up. Which
 * LCS is picked matters for rougeLsum's union, so the tie-breaking is reproduced exactly.
 */
export function lcsIndices(ref: Int32Array, can: Int32Array): number[] {
  const rows = ref.length;
  const cols = can.length;
  if (rows === 0 || cols === 0) return [];
  const width = cols + 1;
  tableBuffer = growTo(tableBuffer, (rows + 1) * width);
  const t = tableBuffer;
  t.fill(0, 0, width); // row 0
  for (let i = 1; i <= rows; i++) {
    const base = i * width;
    const above = base - width;
    const ri = ref[i - 1];
    t[base] = 0;
    for (let j = 1; j <= cols; j++) {
      if (ri === can[j - 1]) t[base + j] = t[above + j - 1] + 1;
      else {
        const up = t[above + j];
        const left = t[base + j - 1];
        t[base + j] = up > left ? up : left;
      }
    }
  }
  const indices: number[] = [];
  let i = rows;
  let j = cols;
  while (i > 0 && j > 0) {
    if (ref[i - 1] === can[j - 1]) {
      indices.push(i - 1);
      i -= 1;
      j -= 1;
    } else if (t[i * width + j - 1] > t[(i - 1) * width + j]) j -= 1;
    else i -= 1;
  }
  return indices.reverse();
}
