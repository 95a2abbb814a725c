/**
 * Llama-2 tokenization (sentencepiece BPE, 32,000 pieces) through llama-tokenizer-js, which
 * reproduces the Llama-1/Llama-2 tokenizer (the two share one vocabulary) in plain JS, so it
 * runs the same in Node, a page and a worker without loading any model file.
 *
 * What Hugging Face's Llama tokenizer does, and what the paper relied on:
 * - sentencepiece's "dummy prefix": a space is prepended to the text before encoding, so
 *   "### Input" becomes "▁###" + "▁Input". `tokenizer(text, add_special_tokens=False)` (the
 *   paper's k-shot prompts) still gets that prefix; only the BOS id is left out. So the default
 *   here is `addPrefixSpace: true`.
 * - BOS (id 1) is added by `add_special_tokens=True` (the default, used by train.py) or, in the
 *   paper's zero-shot prompts, written as the literal text "<s> " that the tokenizer turns into
 *   the BOS id. This module never parses "<s>" inside text: BOS is a flag, text is text.
 */
import llamaTokenizer from 'llama-tokenizer-js';

export const BOS_ID = 1;
export const EOS_ID = 2;
export const UNK_ID = 0;
export const VOCAB_SIZE = 32000;

export interface EncodeOptions {
  /** Prepend the BOS id (1). Default false. */
  bos?: boolean;
  /** sentencepiece's dummy prefix space (HF's default for Llama). Default true. */
  addPrefixSpace?: boolean;
}

export interface DecodeOptions {
  /** Drop a leading BOS id. Default true. */
  skipBos?: boolean;
  /** Remove the dummy prefix space from the decoded text. Default true. */
  stripPrefixSpace?: boolean;
}

/** Token ids of `text` with the Llama-2 tokenizer. */
export function encode(text: string, opts: EncodeOptions = {}): number[] {
  const bos = opts.bos ?? false;
  const addPrefixSpace = opts.addPrefixSpace ?? true;
  // llama-tokenizer-js returns [] for "" even when BOS is asked for; HF returns [1].
  if (text.length === 0) return bos ? [BOS_ID] : [];
  return llamaTokenizer.encode(text, bos, addPrefixSpace, false);
}

/** Number of Llama-2 tokens of `text` (BOS counted when `bos`). */
export function countTokens(text: string, opts: EncodeOptions = {}): number {
  return encode(text, opts).length;
}

let longestPiece: number | undefined;
/** The most characters one Llama-2 piece covers (16: "▁" × 16); byte pieces cover less. */
export function maxPieceChars(): number {
  if (longestPiece === undefined) {
    longestPiece = 1;
    for (const p of llamaTokenizer.vocabById) if (p.length > longestPiece) longestPiece = p.length;
  }
  return longestPiece;
}

/**
 * Counts tokens as countTokens does, but stops as soon as the count is known to pass `budget`:
 * `{count, complete: true}` is exact; `{count, complete: false}` means "more than budget, at
 * least count". The text is cut after each "\n" (no Llama-2 piece holds one, so the pieces
 * after it tokenize on their own, without the dummy prefix: the sum is exact), and a piece
 * too long to fit even at the longest token per character is not tokenized at all. A huge text
 * costs time proportional to the budget, not to its length.
 */
export function countTokensWithin(text: string, budget: number, opts: EncodeOptions = {}): { count: number; complete: boolean } {
  let count = opts.bos ? 1 : 0;
  const perToken = maxPieceChars();
  let start = 0;
  let first = true;
  while (start < text.length) {
    const nl = text.indexOf('\n', start);
    const end = nl === -1 ? text.length : nl + 1;
    const piece = text.slice(start, end);
    const prefix = first && (opts.addPrefixSpace ?? true);
    const atLeast = Math.floor((piece.length + (prefix ? 1 : 0)) / perToken);
    if (count + atLeast > budget) return { count: count + atLeast, complete: false };
    count += countTokens(piece, { addPrefixSpace: prefix });
    if (count > budget) return { count, complete: end >= text.length };
    first = false;
    start = end;
  }
  return { count, complete: true };
}

/** Text of token ids (byte-fallback pieces reassembled, "▁" back to spaces). */
export function decode(ids: readonly number[], opts: DecodeOptions = {}): string {
  const skipBos = opts.skipBos ?? true;
  const stripPrefixSpace = opts.stripPrefixSpace ?? true;
  for (const id of ids) {
    if (!Number.isInteger(id) || id < 0 || id >= VOCAB_SIZE) {
      throw new RangeError(`token id ${id} is outside the Llama-2 vocabulary (0..${VOCAB_SIZE - 1})`);
    }
  }
  return llamaTokenizer.decode([...ids], skipBos, stripPrefixSpace);
}

/** The vocabulary piece of one id (e.g. 835 → "▁###"). */
export function pieceOf(id: number): string {
  const piece = llamaTokenizer.vocabById[id];
  if (piece === undefined) throw new RangeError(`token id ${id} is outside the Llama-2 vocabulary`);
  return piece;
}

/**
 * The first token a continuation contributes when glued directly after a prompt: tokenize
 * `prompt` and `prompt + continuation` the same way and take the first id after their common
 * prefix. For the paper's map-0 prompts (ending in ":") this gives its fixed label ids
 * (positive → 1066 "pos", negative → 22198, ...). When the prompt ends in a space (map 1's
 * inference template), the trailing "▁" merges with the label, so the answer is the label's
 * natural "▁word" piece, and the prompt's own last token changes: that is reported too.
 */
export function continuationFirstToken(
  prompt: string,
  continuation: string,
  opts: EncodeOptions = {},
): { id: number; position: number; promptIds: number[]; promptTailChanged: boolean } {
  if (continuation.length === 0) throw new RangeError('continuation is empty');
  const a = encode(prompt, opts);
  const b = encode(prompt + continuation, opts);
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return { id: b[i], position: i, promptIds: a, promptTailChanged: i < a.length };
}
