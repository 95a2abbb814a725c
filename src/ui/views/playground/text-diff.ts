/**
 * Word-level highlighting for the Playground: which words of an output and of its reference make
 * up their longest common subsequence (what ROUGE-L counts), and which words differ between two
 * outputs. Words are compared as ROUGE compares them (lowercase, letters and digits only); the
 * score itself is src/core/metrics', this only marks the text.
 */

export interface WordSegment {
  /** The text as written, including the whitespace/punctuation after the word. */
  text: string;
  /** Comparable form ('' for pure punctuation/space: never matched). */
  norm: string;
  /** Part of the common subsequence (LCS mode) or unchanged (diff mode). */
  common: boolean;
}

/** Splits text into words, each carrying the separators that follow it; nothing is lost. */
export function segmentWords(text: string): WordSegment[] {
  const out: WordSegment[] = [];
  const re = /(\S+)(\s*)/gu;
  const lead = /^\s+/u.exec(text);
  if (lead) out.push({ text: lead[0], norm: '', common: false });
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) {
    out.push({ text: m[0], norm: m[1].toLowerCase().replace(/[^a-z0-9]+/g, ''), common: false });
  }
  return out;
}

/** Marks the segments of a and b on one longest common subsequence of their words. */
export function markCommon(a: string, b: string): { a: WordSegment[]; b: WordSegment[]; common: number } {
  const sa = segmentWords(a);
  const sb = segmentWords(b);
  const ia = sa.map((s, i) => i).filter((i) => sa[i].norm !== '');
  const ib = sb.map((s, i) => i).filter((i) => sb[i].norm !== '');
  const n = ia.length;
  const m = ib.length;
  // Classic DP table (outputs are short: the paper generates at most 60 tokens).
  const dp = Array.from({ length: n + 1 }, () => new Uint16Array(m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      dp[i][j] = sa[ia[i]].norm === sb[ib[j]].norm ? dp[i + 1][j + 1] + 1 : Math.max(dp[i + 1][j], dp[i][j + 1]);
    }
  }
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (sa[ia[i]].norm === sb[ib[j]].norm) {
      sa[ia[i]].common = true;
      sb[ib[j]].common = true;
      i++;
      j++;
    } else if (dp[i + 1][j] >= dp[i][j + 1]) i++;
    else j++;
  }
  return { a: sa, b: sb, common: dp[0][0] };
}
