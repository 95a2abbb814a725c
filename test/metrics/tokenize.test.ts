import { describe, expect, it } from 'vitest';
import { forEachRougeToken, tokenizeRouge } from '../../src/core/metrics/tokenize.ts';

describe('tokenizeRouge (rouge-score default tokenizer)', () => {
  it('lowercases and keeps runs of [a-z0-9]', () => {
    expect(tokenizeRouge("The cat's 2nd-best hat, e.g. U.S.A!")).toEqual(['the', 'cat', 's', '2nd', 'best', 'hat', 'e', 'g', 'u', 's', 'a']);
  });

  it('treats every non-ASCII letter as a separator, except the ones Python lowercases to ASCII', () => {
    expect(tokenizeRouge('café naïve 東京 Ελλάδα')).toEqual(['caf', 'na', 've']);
    // U+0130 lowercases to "i" + U+0307 (a separator); U+212A KELVIN SIGN lowercases to "k".
    expect(tokenizeRouge('\u0130stanbul 5\u212A')).toEqual(['i', 'stanbul', '5k']);
  });

  it('yields nothing for empty, blank or punctuation-only text', () => {
    expect(tokenizeRouge('')).toEqual([]);
    expect(tokenizeRouge(' \n\t ')).toEqual([]);
    expect(tokenizeRouge('!?… — «»')).toEqual([]);
  });

  it('stems only tokens longer than 3 characters', () => {
    // nltk would stem 'has' → 'ha' and 'was' → 'wa', but 3-letter tokens are left alone.
    expect(tokenizeRouge('Cats has running, was this', { stem: true })).toEqual(['cat', 'has', 'run', 'was', 'thi']);
  });

  it('reports the "\\n"-separated line of each token', () => {
    const seen: [string, number][] = [];
    forEachRougeToken('a b\r\nc\n\nd', null, (token, line) => seen.push([token, line]));
    expect(seen).toEqual([['a', 0], ['b', 0], ['c', 1], ['d', 3]]);
  });
});
