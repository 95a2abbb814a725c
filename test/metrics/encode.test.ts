/** The hash-interned encoder must give equal ids exactly to equal tokenizeRouge tokens. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EncodedBuffer, TokenInterner, encodeRouge } from '../../src/core/metrics/encode.ts';
import { sharedStemmer, tokenizeRouge } from '../../src/core/metrics/tokenize.ts';

function encodeBoth(a: string, b: string, stem: boolean, interner: TokenInterner): [number[], number[]] {
  const bufferA = new EncodedBuffer();
  const bufferB = new EncodedBuffer();
  interner.reset();
  encodeRouge(a, stem ? sharedStemmer : null, interner, bufferA);
  encodeRouge(b, stem ? sharedStemmer : null, interner, bufferB);
  return [Array.from(bufferA.view()), Array.from(bufferB.view())];
}

/** Ids in first-appearance order: what a correct interner must produce for these tokens. */
function expectedIds(tokens: string[]): number[] {
  const ids = new Map<string, number>();
  return tokens.map((t) => {
    if (!ids.has(t)) ids.set(t, ids.size);
    return ids.get(t) as number;
  });
}

describe('encodeRouge + TokenInterner', () => {
  const interner = new TokenInterner(); // shared on purpose: resets between cases must isolate them

  it('assigns dense first-appearance ids consistent with tokenizeRouge, across resets', () => {
    const textArb = fc.string({ unit: fc.constantFrom('a', 'b', 'ing', 's', 'Y', ' ', '\n', '9', 'é', '\u0130', '\u212a'), maxLength: 60 });
    fc.assert(
      fc.property(textArb, textArb, fc.boolean(), (a, b, stem) => {
        const [idsA, idsB] = encodeBoth(a, b, stem, interner);
        const tokens = [...tokenizeRouge(a, { stem }), ...tokenizeRouge(b, { stem })];
        expect([...idsA, ...idsB]).toEqual(expectedIds(tokens));
      }),
      { numRuns: 300 },
    );
  });

  it('grows its table past thousands of distinct tokens', () => {
    const words = Array.from({ length: 5000 }, (_, k) => `w${k.toString(36)}`);
    const text = words.join(' ');
    const [ids, again] = encodeBoth(text, [...words].reverse().join(' '), false, interner);
    expect(ids).toEqual(words.map((_, k) => k));
    expect(again).toEqual(words.map((_, k) => words.length - 1 - k));
    expect(interner.size).toBe(5000);
  });

  it('tells apart different tokens that share a hash', () => {
    const table = new TokenInterner();
    table.reset();
    expect(table.intern('abc', 0, 3, 7)).toBe(0);
    expect(table.intern('xyz', 0, 3, 7)).toBe(1);
    expect(table.intern('xabc', 1, 4, 7)).toBe(0);
    expect(table.intern('xyz!', 0, 3, 7)).toBe(1);
  });
});
