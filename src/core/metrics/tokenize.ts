/**
 * rouge-score 0.1.2's default tokenizer (rouge_score/tokenize.py):
 *   text.lower() → every run of characters outside [a-z0-9] becomes one space → split on
 *   whitespace → (optionally) Porter-stem tokens longer than 3 characters → drop empty tokens.
 *
 * Which is the same as: the maximal runs of ASCII [a-z0-9] in the lowercased text. Only three
 * kinds of characters lowercase INTO [a-z0-9]: A–Z, U+0130 'İ' (→ "i" + U+0307, so it yields
 * an 'i' that ends the token) and U+212A KELVIN SIGN (→ 'k'). JavaScript's toLowerCase() maps
 * those exactly like Python's str.lower() (checked over every code point), and any other
 * difference between the two lowercasings only affects characters that become separators.
 */
import { PorterStemmer } from './porter.ts';

/** Tokens longer than this are stemmed (rouge-score: `len(x) > 3`). */
const STEM_MIN_LENGTH_EXCLUSIVE = 3;

const CODE_0 = 48;
const CODE_9 = 57;
const CODE_A_LOWER = 97;
const CODE_Z_LOWER = 122;

function isRougeTokenChar(code: number): boolean {
  return (code >= CODE_A_LOWER && code <= CODE_Z_LOWER) || (code >= CODE_0 && code <= CODE_9);
}

/** The stemmer `stem: true` uses: one memoizing instance shared by every call. */
export const sharedStemmer = new PorterStemmer();

/**
 * Calls `visit(token, lineIndex)` for each token in order. `lineIndex` counts "\n" before the
 * token, which is what rougeLsum needs (tokens never span a newline, so tokenizing each line
 * separately, as rouge-score does, gives the same tokens).
 */
export function forEachRougeToken(
  text: string,
  stemmer: PorterStemmer | null,
  visit: (token: string, lineIndex: number) => void,
): void {
  const lower = text.toLowerCase();
  const n = lower.length;
  let line = 0;
  let i = 0;
  while (i < n) {
    const code = lower.charCodeAt(i);
    if (!isRougeTokenChar(code)) {
      if (code === 10) line += 1;
      i += 1;
      continue;
    }
    const start = i;
    i += 1;
    while (i < n && isRougeTokenChar(lower.charCodeAt(i))) i += 1;
    const raw = lower.slice(start, i);
    const token = stemmer !== null && raw.length > STEM_MIN_LENGTH_EXCLUSIVE ? stemmer.stem(raw) : raw;
    // rouge-score's final filter drops empty tokens; a stem is never empty, but stay faithful.
    if (token.length > 0) visit(token, line);
  }
}

/** rouge-score's `tokenize(text, stemmer)`: the token strings, stemmed when `stem` is true. */
export function tokenizeRouge(text: string, options: { stem?: boolean } = {}): string[] {
  const tokens: string[] = [];
  forEachRougeToken(text, options.stem ? sharedStemmer : null, (token) => tokens.push(token));
  return tokens;
}
