/**
 * The tokenizer.json the generator builds must tokenize exactly as llama-tokenizer-js (the real
 * Llama-2 vocabulary and merges) does: sampled from the paper's test sets across all tasks,
 * unicode included, read in place from ../shared.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import llamaTokenizer from 'llama-tokenizer-js';
import { llamaTokenizerConfigJson, llamaTokenizerJson } from '../../scripts/make-tiny-model.ts';
import { ModelTokenizer } from '../../workers/backends/cpu/tokenizer.ts';
import { PAPER_DATA } from '../helpers/paths.ts';

function paperTexts(): string[] {
  const texts: string[] = [];
  const unicode: string[] = [];
  for (const task of readdirSync(PAPER_DATA, { withFileTypes: true }).filter((d) => d.isDirectory())) {
    for (const file of readdirSync(path.join(PAPER_DATA, task.name)).filter((f) => f.endsWith('_test_500.json')).sort()) {
      const rows = JSON.parse(readFileSync(path.join(PAPER_DATA, task.name, file), 'utf8')) as Record<string, unknown>[];
      rows.forEach((row, i) => {
        for (const v of Object.values(row)) {
          if (typeof v !== 'string' || v.length === 0) continue;
           
          if (/[^\x00-\x7f]/.test(v) && unicode.length < 80) unicode.push(v.slice(0, 2000));
          else if (i % 50 === 7) texts.push(v.slice(0, 2000));
        }
      });
    }
  }
  return [...texts, ...unicode];
}

describe('generated tokenizer.json', () => {
  const tok = ModelTokenizer.fromJson(llamaTokenizerJson(), llamaTokenizerConfigJson(4096));

  it('matches llama-tokenizer-js on a few hundred paper texts, unicode included', () => {
    const texts = paperTexts();
    expect(texts.length).toBeGreaterThan(300);
     
    expect(texts.filter((t) => /[^\x00-\x7f]/.test(t)).length).toBeGreaterThan(50);
    let mismatches = 0;
    const examples: string[] = [];
    for (const t of texts) {
      const ours = tok.encode(t);
      const ref = llamaTokenizer.encode(t, false);
      if (JSON.stringify(ours) !== JSON.stringify(ref)) {
        mismatches++;
        if (examples.length < 3) examples.push(JSON.stringify(t.slice(0, 80)));
      }
    }
    expect({ mismatches, examples }).toEqual({ mismatches: 0, examples: [] });
  });

  it('has BOS 1, EOS 2, UNK 0 and the ids the paper relies on', () => {
    expect(tok.piece(0)).toBe('<unk>');
    expect(tok.piece(1)).toBe('<s>');
    expect(tok.piece(2)).toBe('</s>');
    expect(tok.vocabSize).toBe(32000);
    // The label pieces the paper's scoring reads (ids as in Llama-2's vocabulary).
    expect([tok.piece(1066), tok.piece(3582), tok.piece(4874)]).toEqual(['pos', 'yes', '▁yes']);
    expect(tok.encode('Answer: yes').at(-1)).toBe(4874);
  });

  it('decodes back to the text, byte-fallback pieces included', () => {
    for (const t of ['Hello world', 'naïve café 日本 🤖', 'line\nbreak  two spaces']) expect(tok.decode(tok.encode(t))).toBe(t);
    expect(tok.decode([1, ...tok.encode('hi'), 2])).toBe('hi');
  });
});
