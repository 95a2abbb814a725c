/**
 * ROUGE exactly as Google's rouge-score 0.1.2 computes it (`RougeScorer(types,
 * use_stemmer).score(target, prediction)`), the package behind Hugging Face's `rouge` metric
 * that the paper uses. Every function takes the REFERENCE first, like rouge-score's
 * `score(target, prediction)`: precision is relative to the prediction, recall to the reference.
 *
 * - rougeL: LCS over the whole token sequences; P = lcs/len(pred), R = lcs/len(ref).
 * - rougeLsum: texts split on "\n" only (no sentence splitter), summary-level union LCS with
 *   clipped token counts (`_summary_level_lcs`).
 * - rouge1…rouge9: clipped n-gram overlap (`_score_ngrams`).
 */
import { MetricInputError, RougeInputTooLongError, UnknownRougeTypeError } from './errors.ts';
import { lcsIndices, lcsLength } from './lcs.ts';
import { ZERO_SCORE, scoreFrom, type Score } from './score.ts';
import { EncodedBuffer, TokenInterner, encodeRouge } from './encode.ts';
import { sharedStemmer } from './tokenize.ts';

export type RougeType = 'rougeL' | 'rougeLsum' | `rouge${1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9}`;

/** Hugging Face `evaluate`'s default list (and its order, which the bootstrap depends on). */
export const DEFAULT_ROUGE_TYPES: readonly RougeType[] = ['rouge1', 'rouge2', 'rougeL', 'rougeLsum'];

export interface RougeOptions {
  /** rouge-score's `use_stemmer` (nltk Porter, tokens longer than 3 chars). Default false, as in the paper. */
  readonly stem?: boolean;
}

export interface ScoreRougeOptions extends RougeOptions {
  /** Which types to compute, in this order. Default ['rougeL']. */
  readonly types?: readonly string[];
}

/** Scores keyed by rouge type, in the order the types were asked for. */
export type RougeScores = Record<string, Score>;

/** A text as token ids, with the line ("\n"-separated) of each token for rougeLsum. */
interface EncodedText {
  readonly ids: Int32Array;
  readonly lines: Int32Array;
}

// One vocabulary and two output buffers, reused by every comparison (see encode.ts).
const interner = new TokenInterner();
const referenceBuffer = new EncodedBuffer();
const predictionBuffer = new EncodedBuffer();

/**
 * Tokenizes both texts into ids of one shared vocabulary, into referenceBuffer and
 * predictionBuffer. Their contents are valid until the next call, so callers finish scoring
 * before encoding again. Returns the vocabulary size.
 */
function encodePair(reference: string, prediction: string, stem: boolean): number {
  const stemmer = stem ? sharedStemmer : null;
  interner.reset();
  encodeRouge(reference, stemmer, interner, referenceBuffer);
  encodeRouge(prediction, stemmer, interner, predictionBuffer);
  return interner.size;
}

function withLines(buffer: EncodedBuffer): EncodedText {
  return { ids: buffer.ids.subarray(0, buffer.count), lines: buffer.lines.subarray(0, buffer.count) };
}

type ParsedType = { kind: 'L' } | { kind: 'Lsum' } | { kind: 'N'; n: number };

function parseRougeType(type: string): ParsedType {
  if (type === 'rougeL') return { kind: 'L' };
  if (type === 'rougeLsum') return { kind: 'Lsum' };
  const match = /^rouge([0-9])$/.exec(type);
  // rouge-score also rejects rouge0 ("rougen requires positive n").
  if (match && match[1] !== '0') return { kind: 'N', n: Number(match[1]) };
  throw new UnknownRougeTypeError(type);
}

/** Throws UnknownRougeTypeError unless every type is one rouge-score accepts. */
export function assertRougeTypes(types: readonly string[]): void {
  for (const type of types) parseRougeType(type);
}

/**
 * The LCS is quadratic: a pair whose token counts multiply past this is refused (with both
 * counts) rather than left running for minutes. 10^8 cells (10,000 × 10,000 tokens) take about
 * a second; the paper's pairs are under 10^5.
 */
export const ROUGE_LCS_CELL_LIMIT = 100_000_000;

function checkLcsSize(refLength: number, predLength: number): void {
  if (refLength * predLength > ROUGE_LCS_CELL_LIMIT) throw new RougeInputTooLongError(refLength, predLength, ROUGE_LCS_CELL_LIMIT);
}

/** `_score_lcs` over ref[0, refLength) and pred[0, predLength): 0 when either has no tokens. */
function scoreLcs(ref: Int32Array, refLength: number, pred: Int32Array, predLength: number): Score {
  if (refLength === 0 || predLength === 0) return ZERO_SCORE;
  checkLcsSize(refLength, predLength);
  const lcs = lcsLength(ref, pred, refLength, predLength);
  return scoreFrom(lcs / predLength, lcs / refLength);
}

/** Groups a text's tokens by line, dropping lines without tokens (they add nothing). */
function sentences(text: EncodedText): Int32Array[] {
  const out: Int32Array[] = [];
  let start = 0;
  for (let k = 1; k <= text.ids.length; k++) {
    if (k === text.ids.length || text.lines[k] !== text.lines[start]) {
      out.push(text.ids.subarray(start, k));
      start = k;
    }
  }
  return out;
}

/**
 * `_summary_level_lcs`: for each reference line, the union of the LCS indices against every
 * prediction line; each union token counts as a hit only while both texts still have an
 * unused occurrence of it (no double counting), visiting indices in ascending order.
 */
function scoreSummaryLevelLcs(ref: EncodedText, pred: EncodedText, vocabularySize: number): Score {
  const m = ref.ids.length;
  const n = pred.ids.length;
  // Covers rouge-score's "no sentences" and "no tokens" cases: both return 0.
  if (m === 0 || n === 0) return ZERO_SCORE;
  checkLcsSize(m, n);
  const remainingRef = new Int32Array(vocabularySize);
  const remainingPred = new Int32Array(vocabularySize);
  for (const id of ref.ids) remainingRef[id] += 1;
  for (const id of pred.ids) remainingPred[id] += 1;
  const predSentences = sentences(pred);
  let hits = 0;
  for (const refSentence of sentences(ref)) {
    const inUnion = new Uint8Array(refSentence.length);
    for (const predSentence of predSentences) {
      for (const index of lcsIndices(refSentence, predSentence)) inUnion[index] = 1;
    }
    for (let k = 0; k < refSentence.length; k++) {
      if (inUnion[k] === 0) continue;
      const token = refSentence[k];
      if (remainingPred[token] > 0 && remainingRef[token] > 0) {
        hits += 1;
        remainingPred[token] -= 1;
        remainingRef[token] -= 1;
      }
    }
  }
  return scoreFrom(hits / n, hits / m);
}

function countNgrams(ids: Int32Array, n: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (let start = 0; start + n <= ids.length; start++) {
    const key = n === 1 ? String(ids[start]) : ids.subarray(start, start + n).join(',');
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

/** `_score_ngrams`: clipped overlap; the denominators are at least 1, so no tokens gives 0. */
function scoreNgrams(ref: Int32Array, pred: Int32Array, n: number): Score {
  const refCounts = countNgrams(ref, n);
  const predCounts = countNgrams(pred, n);
  let overlap = 0;
  for (const [key, count] of refCounts) overlap += Math.min(count, predCounts.get(key) ?? 0);
  const refTotal = Math.max(ref.length - n + 1, 0);
  const predTotal = Math.max(pred.length - n + 1, 0);
  return scoreFrom(overlap / Math.max(predTotal, 1), overlap / Math.max(refTotal, 1));
}

/**
 * rouge-score's `RougeScorer(types, use_stemmer).score(reference, prediction)`.
 * Throws UnknownRougeTypeError for a type rouge-score would reject.
 */
export function scoreRouge(reference: string, prediction: string, options: ScoreRougeOptions = {}): RougeScores {
  const types = options.types ?? ['rougeL'];
  const parsed = types.map(parseRougeType);
  const vocabularySize = encodePair(reference, prediction, options.stem ?? false);
  const ref = withLines(referenceBuffer);
  const pred = withLines(predictionBuffer);
  const result: RougeScores = {};
  parsed.forEach((type, k) => {
    result[types[k]] =
      type.kind === 'L'
        ? scoreLcs(ref.ids, ref.ids.length, pred.ids, pred.ids.length)
        : type.kind === 'Lsum'
          ? scoreSummaryLevelLcs(ref, pred, vocabularySize)
          : scoreNgrams(ref.ids, pred.ids, type.n);
  });
  return result;
}

/** ROUGE-L of one prediction against one reference. */
export function rougeL(reference: string, prediction: string, options: RougeOptions = {}): Score {
  encodePair(reference, prediction, options.stem ?? false);
  return scoreLcs(referenceBuffer.ids, referenceBuffer.count, predictionBuffer.ids, predictionBuffer.count);
}

/** ROUGE-Lsum (lines separated by "\n") of one prediction against one reference. */
export function rougeLsum(reference: string, prediction: string, options: RougeOptions = {}): Score {
  const vocabularySize = encodePair(reference, prediction, options.stem ?? false);
  return scoreSummaryLevelLcs(withLines(referenceBuffer), withLines(predictionBuffer), vocabularySize);
}

/** ROUGE-N (n = 1…9) of one prediction against one reference. */
export function rougeN(reference: string, prediction: string, n: number, options: RougeOptions = {}): Score {
  return scoreRouge(reference, prediction, { types: [`rouge${n}`], stem: options.stem })[`rouge${n}`];
}

export interface MultiReferenceScores {
  readonly scores: RougeScores;
  /** Per type, the index of the reference whose score was kept. */
  readonly chosenReference: Record<string, number>;
}

/**
 * rouge-score's `score_multi(targets, prediction)`: per type, the reference with the highest
 * F-measure (np.argmax: the first one on ties). Types are chosen independently, so rougeL and
 * rougeLsum may keep different references.
 */
export function scoreMultiWithChoice(
  references: readonly string[],
  prediction: string,
  options: ScoreRougeOptions = {},
): MultiReferenceScores {
  if (references.length === 0) {
    throw new MetricInputError(
      'Multi-reference ROUGE needs at least one reference.',
      'Pass a non-empty list of references, or score the prediction with scoreRouge.',
    );
  }
  const types = options.types ?? ['rougeL'];
  const perReference = references.map((reference) => scoreRouge(reference, prediction, { ...options, types }));
  const scores: RougeScores = {};
  const chosenReference: Record<string, number> = {};
  for (const type of types) {
    let best = 0;
    for (let k = 1; k < perReference.length; k++) {
      if (perReference[k][type].fmeasure > perReference[best][type].fmeasure) best = k;
    }
    scores[type] = perReference[best][type];
    chosenReference[type] = best;
  }
  return { scores, chosenReference };
}

/** rouge-score's `score_multi`: the best reference's score per type. */
export function scoreMulti(references: readonly string[], prediction: string, options: ScoreRougeOptions = {}): RougeScores {
  return scoreMultiWithChoice(references, prediction, options).scores;
}
