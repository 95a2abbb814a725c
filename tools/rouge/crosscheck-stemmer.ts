/**
 * Cross-checks src/core/metrics/porter.ts against the real nltk PorterStemmer on a large
 * vocabulary: every rouge token of the paper's data (../shared/paper-data) plus random words
 * built from Porter suffixes (seeded, so runs are repeatable). Prints the mismatch count and
 * the first few mismatches; exits 1 on any mismatch.
 *
 *   npx tsx tools/rouge/crosscheck-stemmer.ts      (needs python3 with nltk; FTLAB_PYTHON overrides)
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { MT19937 } from '../../src/core/metrics/mt19937.ts';
import { porterStem } from '../../src/core/metrics/porter.ts';
import { tokenizeRouge } from '../../src/core/metrics/tokenize.ts';
import { PAPER_DATA, PROJECT_ROOT } from '../../test/helpers/paths.ts';

function jsonFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? jsonFiles(full) : name.endsWith('.json') ? [full] : [];
  });
}

function collectStrings(value: unknown, into: (s: string) => void): void {
  if (typeof value === 'string') into(value);
  else if (Array.isArray(value)) value.forEach((v) => collectStrings(v, into));
  else if (value && typeof value === 'object') Object.values(value).forEach((v) => collectStrings(v, into));
}

const words = new Set<string>();
for (const file of jsonFiles(PAPER_DATA)) {
  collectStrings(JSON.parse(readFileSync(file, 'utf8')), (s) => tokenizeRouge(s).forEach((t) => words.add(t)));
}
const paperWords = words.size;

const SUFFIXES = ('ies ied eed ed ing y ational tional enci anci izer bli alli entli eli ousli ization ation ator alism ' +
  'iveness fulness ousness aliti iviti biliti fulli logi icate ative alize iciti ical ful ness al ance ence er ic able ' +
  'ible ant ement ment ent sion tion ion ou ism ate iti ous ive ize e ll sses ss s at bl iz yy ying').split(' ');
const LETTERS = 'aeiouybcdlstzwxrnm0123456789';
const rng = new MT19937(1);
const pick = (n: number) => rng.nextUint32() % n;
for (let k = 0; k < 150_000; k++) {
  let word = '';
  for (let c = pick(7); c > 0; c--) word += LETTERS[pick(LETTERS.length)];
  for (let s = pick(3); s > 0; s--) word += SUFFIXES[pick(SUFFIXES.length)];
  if (word) words.add(word);
}

const python = process.env.FTLAB_PYTHON ?? 'python3';
const run = spawnSync(python, [path.join(PROJECT_ROOT, 'tools/rouge/nltk_stems.py')], {
  input: [...words].join('\n') + '\n',
  encoding: 'utf8',
  maxBuffer: 1 << 28,
});
if (run.status !== 0) {
  console.error(`${python} tools/rouge/nltk_stems.py failed (pip install nltk): ${run.error?.message ?? run.stderr}`);
  process.exit(2);
}
let mismatches = 0;
let checked = 0;
for (const line of run.stdout.split('\n')) {
  if (!line) continue;
  const [word, expected] = line.split('\t');
  checked += 1;
  const actual = porterStem(word);
  if (actual !== expected && ++mismatches <= 10) console.log(`${word}: nltk ${expected}, ftlab ${actual}`);
}
console.log(`${checked} words (${paperWords} from the paper's data), ${mismatches} mismatches`);
process.exit(mismatches === 0 ? 0 : 1);
