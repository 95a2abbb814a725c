/**
 * The Porter stemmer exactly as nltk 3.8 runs it in its default `NLTK_EXTENSIONS` mode
 * (nltk/stem/porter.py), which is what rouge-score's `use_stemmer=True` calls.
 *
 * Why a port and not an npm package: `stemmer` and `porter-stemmer` implement Martin Porter's
 * own variant, which differs from nltk's (the irregular-forms pool, "ies"/"ied" on short
 * words, the y→i condition, "alli"/"fulli"/"logi" in step 2, the two-letter *o rule), and
 * those differences change ROUGE scores. Only NLTK_EXTENSIONS is ported: it is the only mode
 * the paper's metric uses.
 *
 * Input is expected to be a lowercase [a-z0-9] token (what the ROUGE tokenizer produces); other
 * strings are stemmed by the same rules, lowercased first as nltk does.
 */

/** nltk's irregular forms: each form maps to its stem, checked before any rule. */
const IRREGULAR_FORMS: Readonly<Record<string, readonly string[]>> = {
  sky: ['sky', 'skies'],
  die: ['dying'],
  lie: ['lying'],
  tie: ['tying'],
  news: ['news'],
  inning: ['innings', 'inning'],
  outing: ['outings', 'outing'],
  canning: ['cannings', 'canning'],
  howe: ['howe'],
  proceed: ['proceed'],
  exceed: ['exceed'],
  succeed: ['succeed'],
};

const POOL: ReadonlyMap<string, string> = new Map(
  Object.entries(IRREGULAR_FORMS).flatMap(([stem, forms]) => forms.map((form) => [form, stem] as const)),
);

function isVowelLetter(ch: string): boolean {
  return ch === 'a' || ch === 'e' || ch === 'i' || ch === 'o' || ch === 'u';
}

/**
 * Porter's consonant test: not a vowel letter, and a 'y' is a consonant only at the start or
 * after a vowel. nltk recurses on the previous letter for 'y'; this walks back iteratively,
 * flipping the answer once per 'y', which is the same thing.
 */
function isConsonant(word: string, i: number): boolean {
  let negate = false;
  for (;;) {
    const ch = word[i];
    let consonant: boolean;
    if (isVowelLetter(ch)) consonant = false;
    else if (ch !== 'y' || i === 0) consonant = true;
    else {
      negate = !negate;
      i -= 1;
      continue;
    }
    return negate ? !consonant : consonant;
  }
}

/** m in [C](VC){m}[V]: the number of vowel→consonant transitions. */
function measure(stem: string): number {
  let m = 0;
  let previousIsVowel = false;
  for (let i = 0; i < stem.length; i++) {
    const consonant = isConsonant(stem, i);
    if (consonant && previousIsVowel) m += 1;
    previousIsVowel = !consonant;
  }
  return m;
}

function hasPositiveMeasure(stem: string): boolean {
  return measure(stem) > 0;
}

/** *v*: the stem contains a vowel. */
function containsVowel(stem: string): boolean {
  for (let i = 0; i < stem.length; i++) if (!isConsonant(stem, i)) return true;
  return false;
}

/** *d: ends with a double consonant. */
function endsDoubleConsonant(word: string): boolean {
  const n = word.length;
  return n >= 2 && word[n - 1] === word[n - 2] && isConsonant(word, n - 1);
}

/** *o: ends consonant-vowel-consonant, last not w/x/y; nltk also accepts a two-letter "vc". */
function endsCvc(word: string): boolean {
  const n = word.length;
  const last = word[n - 1];
  return (
    (n >= 3 &&
      isConsonant(word, n - 3) &&
      !isConsonant(word, n - 2) &&
      isConsonant(word, n - 1) &&
      last !== 'w' &&
      last !== 'x' &&
      last !== 'y') ||
    (n === 2 && !isConsonant(word, 0) && isConsonant(word, 1))
  );
}

/** `DOUBLE_CONSONANT` stands for nltk's "*d" pseudo-suffix (ends in a double consonant). */
const DOUBLE_CONSONANT = Symbol('*d');

interface Rule {
  readonly suffix: string | typeof DOUBLE_CONSONANT;
  readonly replacement: string;
  readonly condition?: (stem: string) => boolean;
}

/**
 * nltk's `_apply_rule_list`: the FIRST rule whose suffix matches decides, whether or not its
 * condition holds (a failed condition returns the word unchanged, no later rule is tried).
 */
function applyRuleList(word: string, rules: readonly Rule[]): string {
  for (const { suffix, replacement, condition } of rules) {
    if (suffix === DOUBLE_CONSONANT) {
      if (!endsDoubleConsonant(word)) continue;
      const stem = word.slice(0, -2);
      return !condition || condition(stem) ? stem + replacement : word;
    }
    if (word.endsWith(suffix)) {
      const stem = word.slice(0, word.length - suffix.length);
      return !condition || condition(stem) ? stem + replacement : word;
    }
  }
  return word;
}

const STEP1A_RULES: readonly Rule[] = [
  { suffix: 'sses', replacement: 'ss' },
  { suffix: 'ies', replacement: 'i' },
  { suffix: 'ss', replacement: 'ss' },
  { suffix: 's', replacement: '' },
];

function step1a(word: string): string {
  // NLTK extension: 'dies' → 'die' (but 'flies' → 'fli').
  if (word.endsWith('ies') && word.length === 4) return word.slice(0, -3) + 'ie';
  return applyRuleList(word, STEP1A_RULES);
}

function step1b(word: string): string {
  // NLTK extension: 'died' → 'die', 'spied' → 'spi'.
  if (word.endsWith('ied')) return word.slice(0, -3) + (word.length === 4 ? 'ie' : 'i');
  if (word.endsWith('eed')) {
    const stem = word.slice(0, -3);
    return measure(stem) > 0 ? stem + 'ee' : word;
  }
  let intermediate: string | undefined;
  for (const suffix of ['ed', 'ing']) {
    if (word.endsWith(suffix)) {
      const candidate = word.slice(0, word.length - suffix.length);
      if (containsVowel(candidate)) {
        intermediate = candidate;
        break;
      }
    }
  }
  if (intermediate === undefined) return word;
  const lastLetter = intermediate[intermediate.length - 1];
  return applyRuleList(intermediate, [
    { suffix: 'at', replacement: 'ate' },
    { suffix: 'bl', replacement: 'ble' },
    { suffix: 'iz', replacement: 'ize' },
    // (*d and not (*L or *S or *Z)) → single letter
    {
      suffix: DOUBLE_CONSONANT,
      replacement: lastLetter,
      condition: () => lastLetter !== 'l' && lastLetter !== 's' && lastLetter !== 'z',
    },
    // (m=1 and *o) → E
    { suffix: '', replacement: 'e', condition: (stem) => measure(stem) === 1 && endsCvc(stem) },
  ]);
}

function step1c(word: string): string {
  // NLTK's condition: y → i after a consonant, unless the stem is that single consonant.
  return applyRuleList(word, [
    { suffix: 'y', replacement: 'i', condition: (stem) => stem.length > 1 && isConsonant(stem, stem.length - 1) },
  ]);
}

const STEP2_RULES: readonly Rule[] = [
  ['ational', 'ate'],
  ['tional', 'tion'],
  ['enci', 'ence'],
  ['anci', 'ance'],
  ['izer', 'ize'],
  ['bli', 'ble'], // not the paper's 'abli' → 'able': NLTK and Martin's versions use 'bli'
  ['alli', 'al'],
  ['entli', 'ent'],
  ['eli', 'e'],
  ['ousli', 'ous'],
  ['ization', 'ize'],
  ['ation', 'ate'],
  ['ator', 'ate'],
  ['alism', 'al'],
  ['iveness', 'ive'],
  ['fulness', 'ful'],
  ['ousness', 'ous'],
  ['aliti', 'al'],
  ['iviti', 'ive'],
  ['biliti', 'ble'],
  ['fulli', 'ful'], // NLTK extension
].map(([suffix, replacement]) => ({ suffix, replacement, condition: hasPositiveMeasure }));

function step2(word: string): string {
  // NLTK extension: apply ALLI → AL first and run step 2 again on the result.
  if (word.endsWith('alli') && hasPositiveMeasure(word.slice(0, -4))) return step2(word.slice(0, -4) + 'al');
  return applyRuleList(word, [
    ...STEP2_RULES,
    // NLTK extension: the 'l' of 'logi' stays with the stem for the measure ('geologi' → 'geolog').
    { suffix: 'logi', replacement: 'log', condition: () => hasPositiveMeasure(word.slice(0, -3)) },
  ]);
}

const STEP3_RULES: readonly Rule[] = [
  ['icate', 'ic'],
  ['ative', ''],
  ['alize', 'al'],
  ['iciti', 'ic'],
  ['ical', 'ic'],
  ['ful', ''],
  ['ness', ''],
].map(([suffix, replacement]) => ({ suffix, replacement, condition: hasPositiveMeasure }));

const measureAboveOne = (stem: string): boolean => measure(stem) > 1;

const STEP4_RULES: readonly Rule[] = [
  { suffix: 'al', replacement: '', condition: measureAboveOne },
  { suffix: 'ance', replacement: '', condition: measureAboveOne },
  { suffix: 'ence', replacement: '', condition: measureAboveOne },
  { suffix: 'er', replacement: '', condition: measureAboveOne },
  { suffix: 'ic', replacement: '', condition: measureAboveOne },
  { suffix: 'able', replacement: '', condition: measureAboveOne },
  { suffix: 'ible', replacement: '', condition: measureAboveOne },
  { suffix: 'ant', replacement: '', condition: measureAboveOne },
  { suffix: 'ement', replacement: '', condition: measureAboveOne },
  { suffix: 'ment', replacement: '', condition: measureAboveOne },
  { suffix: 'ent', replacement: '', condition: measureAboveOne },
  // (m>1 and (*S or *T)) ION →
  {
    suffix: 'ion',
    replacement: '',
    condition: (stem) => measure(stem) > 1 && (stem.endsWith('s') || stem.endsWith('t')),
  },
  { suffix: 'ou', replacement: '', condition: measureAboveOne },
  { suffix: 'ism', replacement: '', condition: measureAboveOne },
  { suffix: 'ate', replacement: '', condition: measureAboveOne },
  { suffix: 'iti', replacement: '', condition: measureAboveOne },
  { suffix: 'ous', replacement: '', condition: measureAboveOne },
  { suffix: 'ive', replacement: '', condition: measureAboveOne },
  { suffix: 'ize', replacement: '', condition: measureAboveOne },
];

function step5a(word: string): string {
  // Both E rules are tried in turn (not first-match), as nltk does.
  if (word.endsWith('e')) {
    const stem = word.slice(0, -1);
    const m = measure(stem);
    if (m > 1) return stem;
    if (m === 1 && !endsCvc(stem)) return stem;
  }
  return word;
}

function step5b(word: string): string {
  // (m>1 and *d and *L) → single letter; nltk measures word[:-1], not the stripped stem.
  return applyRuleList(word, [{ suffix: 'll', replacement: 'l', condition: () => measure(word.slice(0, -1)) > 1 }]);
}

/** Stems one word with nltk's PorterStemmer().stem(word) (NLTK_EXTENSIONS, to_lowercase=True). */
export function porterStem(word: string): string {
  const lower = word.toLowerCase();
  // nltk looks the ORIGINAL word up in the pool, then returns the entry of the lowercased one.
  if (POOL.has(word)) return POOL.get(lower) as string;
  if (word.length <= 2) return lower;
  let stem = step1a(lower);
  stem = step1b(stem);
  stem = step1c(stem);
  stem = step2(stem);
  stem = applyRuleList(stem, STEP3_RULES);
  stem = applyRuleList(stem, STEP4_RULES);
  stem = step5a(stem);
  return step5b(stem);
}

/**
 * A memoizing stemmer: texts repeat words a lot, and the rules above cost far more than a Map
 * lookup. The cache is dropped when it reaches `maxEntries` so it cannot grow without bound in
 * a long-lived page or worker.
 */
export class PorterStemmer {
  private readonly cache = new Map<string, string>();

  constructor(private readonly maxEntries = 100_000) {}

  stem(word: string): string {
    let stemmed = this.cache.get(word);
    if (stemmed === undefined) {
      stemmed = porterStem(word);
      if (this.cache.size >= this.maxEntries) this.cache.clear();
      this.cache.set(word, stemmed);
    }
    return stemmed;
  }
}
