import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { markCommon, segmentWords } from '../../src/ui/views/playground/text-diff.ts';
import { promptParts, visibleWhitespace } from '../../src/ui/views/playground/prompt-parts.ts';
import { actionOf } from '../../src/ui/views/playground/keys.ts';
import { tokenPieces } from '../../src/ui/views/playground/token-pieces.ts';
import { pageOf, searchItems } from '../../src/ui/views/datasets/browse.ts';
import { buildPrompt } from '../../src/core/prompts/index.ts';
import { getTask } from '../../src/core/tasks/index.ts';
import { builtinExamples } from '../../src/ui/state/builtin-examples.ts';

describe('word highlighting (LCS and differences)', () => {
  it('segments keep every character of the text', () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        expect(segmentWords(s).map((w) => w.text).join('')).toBe(s);
      }),
    );
  });

  it('marks one longest common subsequence of words, compared as ROUGE compares them', () => {
    const { a, b, common } = markCommon('The cat, sat on the MAT.', 'a cat sat near the mat');
    expect(common).toBe(4);
    expect(a.filter((w) => w.common).map((w) => w.norm)).toEqual(['cat', 'sat', 'the', 'mat']);
    expect(b.filter((w) => w.common).map((w) => w.norm)).toEqual(['cat', 'sat', 'the', 'mat']);
  });

  it('the common count is symmetric and never exceeds either side', () => {
    const words = fc.array(fc.constantFrom('a', 'b', 'c', 'd'), { maxLength: 12 }).map((w) => w.join(' '));
    fc.assert(
      fc.property(words, words, (x, y) => {
        const n = markCommon(x, y).common;
        expect(markCommon(y, x).common).toBe(n);
        expect(n).toBeLessThanOrEqual(Math.min(segmentWords(x).length, segmentWords(y).length));
      }),
    );
  });
});

describe('the prompt view', () => {
  it('cuts an ICL prompt into its demos and the item, which add up to the exact prompt', () => {
    const task = getTask('sentiment');
    const { items, pool } = builtinExamples('sentiment');
    const p = buildPrompt(task, items[0], { mode: 'icl', shots: 2, demos: pool, template: 0, countTokens: false });
    const parts = promptParts(p.text, p.bos, task, 0, pool.slice(0, 2));
    expect(parts.map((x) => x.kind)).toEqual(['demo', 'demo', 'item']);
    expect(parts.map((x) => ('text' in x ? x.text : '')).join('')).toBe(p.text);
    const zero = buildPrompt(task, items[0], { mode: 'zero-shot', countTokens: false });
    expect(promptParts(zero.text, zero.bos, task, 0, []).map((x) => x.kind)).toEqual(['bos', 'item']);
  });

  it('shows whitespace: spaces as ·, newlines as ↵ (still breaking the line), tabs as →', () => {
    expect(visibleWhitespace('a b\n\tc ')).toBe('a·b↵\n→c·');
  });
});

describe('keyboard map and dataset browsing', () => {
  const key = (k: string, mods: Partial<Record<'ctrlKey' | 'altKey' | 'metaKey', boolean>> = {}) => ({ key: k, ctrlKey: false, altKey: false, metaKey: false, ...mods });
  it('maps the shortcuts; plain keys are ignored while typing, arrows step items only when presenting', () => {
    expect(actionOf(key('Enter', { ctrlKey: true }), true, false)).toBe('run');
    expect(actionOf(key('Escape'), true, false)).toBe('cancel');
    expect(actionOf(key('ArrowRight', { altKey: true }), false, false)).toBe('next');
    expect(actionOf(key(']'), false, false)).toBe('next');
    expect(actionOf(key(']'), true, false)).toBeNull();
    expect(actionOf(key('ArrowLeft'), false, false)).toBeNull();
    expect(actionOf(key('ArrowLeft'), false, true)).toBe('previous');
    expect(actionOf(key('?'), false, false)).toBe('help');
  });

  it('searches every word in fields and output, and pages within bounds', () => {
    const { items } = builtinExamples('inference');
    expect(searchItems(items, 'LIBRARY month').map((i) => i.index)).toEqual([2]);
    expect(searchItems(items, '')).toHaveLength(items.length);
    expect(pageOf([1, 2, 3, 4, 5], 9, 2)).toEqual({ items: [5], page: 2, pages: 3 });
    expect(pageOf([], 0, 2)).toEqual({ items: [], page: 0, pages: 1 });
  });
});

describe('tokenPieces (the shaded output reads as the decoded text)', () => {
  it('turns ▁ into spaces, drops the leading space, and decodes runs of byte tokens together', () => {
    expect(tokenPieces(['▁The', '▁cat', '<0x0A>', 'sat'])).toEqual(['The', ' cat', '\n', 'sat']);
    expect(tokenPieces(['a', '<0xE2>', '<0x80>', '<0x94>', 'b'])).toEqual(['a', '—', '', '', 'b']);
    expect(tokenPieces(['x', '<0x3D>', '▁y'])).toEqual(['x', '=', ' y']);
    expect(tokenPieces(['<0xFF>', 'z'])).toEqual(['\uFFFD', 'z']);
    expect(tokenPieces([])).toEqual([]);
  });
});
