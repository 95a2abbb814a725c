/**
 * Label token ids for every paper classification task × template, with the real Llama-2
 * tokenizer (B's llama-tokenizer-js wrapper) on real prompts built from the paper's data.
 */
import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { PAPER_DATA } from '../helpers/paths.ts';
import { DETECTION, INFERENCE, SENTIMENT, formatMap, type TaskDefinition } from '../../src/core/tasks/index.ts';
import { encode, pieceOf } from '../../src/core/tokenizer/index.ts';
import { inContextLabelTokens, paperLabelTokenIds, resolveLabelIds, type LabelTokenizer } from '../../src/core/scoring/index.ts';

const tokenizer: LabelTokenizer = { encode };

const FILES: Record<string, string> = {
  sentiment: 'sentiment/amazon_test_500.json',
  inference: 'inference/multinli_test_500.json',
  detection: 'detection/paws_test_500.json',
};

function firstItems(task: TaskDefinition, n: number): Record<string, string>[] {
  return (JSON.parse(fs.readFileSync(path.join(PAPER_DATA, FILES[task.id]), 'utf8')) as Record<string, string>[]).slice(0, n);
}

const TASKS = [SENTIMENT, INFERENCE, DETECTION];

describe('paper label ids', () => {
  it('are the ids evaluate_cross.py hard-codes', () => {
    expect(paperLabelTokenIds(SENTIMENT)).toEqual([1066, 22198]);
    expect(paperLabelTokenIds(INFERENCE)).toEqual([296, 17821, 9996]);
    expect(paperLabelTokenIds(DETECTION)).toEqual([3582, 1217]);
  });
  it('a task without them is a named error', () => {
    expect(() => paperLabelTokenIds({ id: 'topic', labels: ['a', 'b'] })).toThrow(expect.objectContaining({ code: 'no-paper-label-ids' }));
  });
});

describe('in-context label ids, every task × template, with bos on and off', () => {
  for (const task of TASKS) {
    for (const template of [0, 1]) {
      it(`${task.id} map ${template}`, async () => {
        for (const item of firstItems(task, 5)) {
          const prompt = formatMap(task.templates[template], item);
          for (const bos of [true, false]) {
            const paper = await resolveLabelIds({ task, prompt, bos, mode: 'paper', tokenizer });
            const inCtx = await resolveLabelIds({ task, prompt, bos, mode: 'in-context', tokenizer });
            expect(paper.ids).toEqual(task.paperLabelTokenIds);
            expect(inCtx.paperIds).toEqual(task.paperLabelTokenIds);
            const codes = inCtx.warnings.map((w) => w.code);
            if (template === 0 || task.id !== 'inference') {
              // Prompts ending in ":" (and map 1's sentiment/detection, which end in ":" too):
              // in context the labels start exactly with the paper's ids.
              expect(inCtx.ids).toEqual(task.paperLabelTokenIds);
              expect(codes).toEqual([]);
              expect(inCtx.inContext!.every((t) => t.absorbedPromptTokens === 0)).toBe(true);
            } else {
              // Map 1 inference ends in "is ": the space merges into "▁entailment" etc.
              expect(inCtx.ids.map(pieceOf)).toEqual(['▁ent', '▁neutral', '▁contradiction']);
              expect(inCtx.ids).not.toEqual(task.paperLabelTokenIds);
              expect(codes).toEqual(['prompt-ends-in-whitespace', 'label-absorbs-prompt-tokens', 'differs-from-paper']);
              // Paper mode reports the same facts while keeping the fixed ids.
              expect(paper.warnings.map((w) => w.code)).toEqual(codes);
              expect(inCtx.inContext!.every((t) => t.absorbedPromptTokens === 1)).toBe(true);
            }
          }
        }
      });
    }
  }
});

describe('resolveLabelIds edge cases', () => {
  it('warns when two labels share a first token', async () => {
    const task = { id: 'colour', labels: ['red', 'redish'] };
    const r = await resolveLabelIds({ task, prompt: 'Colour:', bos: false, mode: 'in-context', tokenizer });
    expect(r.ids[0]).toBe(r.ids[1]);
    expect(r.warnings.map((w) => w.code)).toContain('shared-first-token');
  });

  it('the Llama-2 tokenizer is the default', async () => {
    const r = await resolveLabelIds({ task: INFERENCE, prompt: 'The relation is ', bos: false, mode: 'in-context' });
    expect(r.ids.map(pieceOf)).toEqual(['▁ent', '▁neutral', '▁contradiction']);
  });

  it('in-context mode with no tokenizer, paper mode without paper ids, a generation task: named errors', async () => {
    await expect(resolveLabelIds({ task: SENTIMENT, prompt: 'x:', bos: false, mode: 'in-context', tokenizer: null })).rejects.toMatchObject({ code: 'label-token' });
    await expect(resolveLabelIds({ task: { id: 'topic', labels: ['a'] }, prompt: 'x:', bos: false, mode: 'paper' })).rejects.toMatchObject({ code: 'no-paper-label-ids' });
    await expect(resolveLabelIds({ task: { id: 'summary', labels: [] }, prompt: 'x:', bos: false, mode: 'paper' })).rejects.toMatchObject({ code: 'label-token' });
  });

  it('paper mode works without a tokenizer (and then says nothing about in-context ids)', async () => {
    const r = await resolveLabelIds({ task: INFERENCE, prompt: 'The relation is ', bos: false, mode: 'paper', tokenizer: null });
    expect(r.ids).toEqual([296, 17821, 9996]);
    expect(r.inContextIds).toBeUndefined();
    expect(r.warnings.map((w) => w.code)).toEqual(['prompt-ends-in-whitespace']);
  });

  it('inContextLabelTokens returns all of the label\'s tokens and rejects an empty label', async () => {
    const t = await inContextLabelTokens(tokenizer, '### Sentiment:', false, 'positive');
    expect(t.ids.map(pieceOf)).toEqual(['pos', 'itive']);
    await expect(inContextLabelTokens(tokenizer, 'x:', false, '')).rejects.toMatchObject({ code: 'label-token' });
  });
});
