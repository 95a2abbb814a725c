import { describe, expect, it } from 'vitest';
import { ContextWindowExceededError } from '../../src/core/engine-errors.ts';
import { DemoPoolError, type TaskItem } from '../../src/core/datasets/index.ts';
import { PromptOptionsError, assertPromptFits, buildPrompt, buildPrompts } from '../../src/core/prompts/index.ts';
import { TemplateFieldsError, getTask } from '../../src/core/tasks/index.ts';
import { encode, pieceOf } from '../../src/core/tokenizer/index.ts';
import { loadPaper } from '../datasets/paper-files.ts';

const sentiment = getTask('sentiment');
const inference = getTask('inference');
const question = getTask('question');

const item = (source: string, index: number, fields: Record<string, string>, output: string): TaskItem => ({ source, index, fields, output });

describe('spelled-out prompts (synthetic items)', () => {
  const x = item('t', 0, { input: 'I liked it.' }, 'positive');

  it('zero-shot: BOS flag, the paper text with "<s> "', () => {
    const p = buildPrompt(sentiment, x, { mode: 'zero-shot' });
    expect(p.text).toBe('### Input:\nI liked it.\n### Sentiment:');
    expect(p.paperText).toBe('<s> ### Input:\nI liked it.\n### Sentiment:');
    expect(p.bos).toBe(true);
    expect(p.reference).toBe('positive');
    expect(p.template).toBe(0);
    expect(p.overlap).toEqual([]);
  });

  it('icl, map 1, 2 demos: template(d) + output + blank line each, no BOS', () => {
    const demos = [
      item('d', 0, { input_1: 'A man sleeps.', input_2: 'A person rests.' }, 'entailment'),
      item('d', 1, { input_1: 'It rains.', input_2: 'It is sunny.' }, 'contradiction'),
      item('d', 2, { input_1: 'unused', input_2: 'unused' }, 'neutral'),
    ];
    const q = item('t', 4, { input_1: 'Cats purr.', input_2: 'Cats are loud.' }, 'neutral');
    const p = buildPrompt(inference, q, { mode: 'icl', shots: 2, demos, template: 1 });
    expect(p.text).toBe(
      'Consider the following texts: Text 1:A man sleeps.\nText 2:A person rests.\nThe relation is entailment\n\n' +
        'Consider the following texts: Text 1:It rains.\nText 2:It is sunny.\nThe relation is contradiction\n\n' +
        'Consider the following texts: Text 1:Cats purr.\nText 2:Cats are loud.\nThe relation is ',
    );
    expect(p.paperText).toBe(p.text);
    expect(p.bos).toBe(false);
    expect(p.demos).toEqual([
      { source: 'd', index: 0 },
      { source: 'd', index: 1 },
    ]);
  });

  it('fticl: the training source, BOS on', () => {
    const demos = [item('d', 0, { input: 'ctx', answer: 'ans' }, 'q?')];
    const p = buildPrompt(question, item('t', 0, { input: 'C', answer: 'A' }, 'Q'), { mode: 'fticl', shots: 1, demos });
    expect(p.text).toBe('### Input:\nctx\n### Answer:\nans\n### Question:q?\n\n### Input:\nC\n### Answer:\nA\n### Question:');
    expect(p.bos).toBe(true);
    expect(p.paperText).toBe(p.text);
  });

  it('a custom template', () => {
    const p = buildPrompt(sentiment, x, { mode: 'zero-shot', template: 'Review: {input}\nLabel:' });
    expect(p.text).toBe('Review: I liked it.\nLabel:');
    expect(p.template).toBe('custom');
    expect(() => buildPrompt(sentiment, x, { mode: 'zero-shot', template: '{text}' })).toThrow(TemplateFieldsError);
  });

  it('demos of another task use that task\'s template', () => {
    const demos = [item('s', 0, { input: 'Great.' }, 'positive')];
    const q = item('t', 0, { input_1: 'a', input_2: 'b' }, 'neutral');
    const p = buildPrompt(inference, q, { mode: 'icl', shots: 1, demos, demoTask: sentiment });
    expect(p.text).toBe('### Input:\nGreat.\n### Sentiment:positive\n\n### Input_1:\na\n### Input_2:\nb\n### Inference:');
    expect(p.overlap).toEqual([]);
  });
});

describe('token counts and the context window', () => {
  it('counts BOS when bos', () => {
    const x = item('t', 0, { input: 'I liked it.' }, 'positive');
    const z = buildPrompt(sentiment, x, { mode: 'zero-shot' });
    const f = buildPrompt(sentiment, x, { mode: 'zero-shot', countTokens: false });
    expect(f.tokens).toBeUndefined();
    expect(f.fit).toBeUndefined();
    // <s> ▁### ▁Input : <0x0A> I ▁liked ▁it . <0x0A> ## # ▁Sent iment :  ("###" after a newline has no single piece)
    expect(encode(z.text, { bos: true }).map(pieceOf)).toEqual(
      ['<s>', '▁###', '▁Input', ':', '<0x0A>', 'I', '▁liked', '▁it', '.', '<0x0A>', '##', '#', '▁Sent', 'iment', ':'],
    );
    expect(z.tokens).toBe(15);
  });

  it('flags an over-long prompt; assertPromptFits turns it into an error', () => {
    const long = item('t', 0, { input: 'word '.repeat(5000) }, 'positive');
    const p = buildPrompt(sentiment, long, { mode: 'zero-shot' });
    expect(p.fit?.fits).toBe(false);
    expect(p.warnings.map((w) => w.code)).toEqual(['exceeds-context-window']);
    expect(() => assertPromptFits(p)).toThrow(ContextWindowExceededError);
    const ok = buildPrompt(sentiment, item('t', 0, { input: 'short' }, 'positive'), { mode: 'zero-shot' });
    expect(() => assertPromptFits(ok)).not.toThrow();
    // The window and budget are options.
    expect(buildPrompt(sentiment, long, { mode: 'zero-shot', contextWindow: 8192 }).fit?.fits).toBe(true);
    expect(buildPrompt(sentiment, item('t', 0, { input: 'short' }, 'positive'), { mode: 'zero-shot', contextWindow: 10, maxNewTokens: 0 }).fit?.fits).toBe(false);
  });

  it('flags an FTICL training source longer than train.py\'s 1024', () => {
    const demos = [item('d', 0, { input: 'word '.repeat(1100) }, 'negative'), item('d', 1, { input: 'b' }, 'positive')];
    const p = buildPrompt(sentiment, item('t', 0, { input: 'c' }, 'positive'), { mode: 'fticl', shots: 2, demos });
    expect(p.warnings.map((w) => w.code)).toEqual(['exceeds-train-max-length']);
    expect(p.fit?.exceedsTrainMaxLength).toBe(true);
  });
});

describe('overlap warnings on the paper data', () => {
  const amazon = loadPaper('amazon_test_500').items;
  const amazonDemos = loadPaper('amazon_few_shot').items;

  it('amazon test 156 with 7 demos shows the item itself, answer included; with 6 it does not', () => {
    const p7 = buildPrompt(sentiment, amazon[156], { mode: 'icl', shots: 7, demos: amazonDemos });
    expect(p7.overlap).toEqual([{ demoIndex: 6, demoSource: 'amazon_few_shot.json', identical: true, sameFields: ['input'], outputMatches: true }]);
    expect(p7.warnings.map((w) => w.code)).toEqual(['demo-is-item']);
    expect(buildPrompt(sentiment, amazon[156], { mode: 'icl', shots: 6, demos: amazonDemos }).overlap).toEqual([]);
  });

  it('across a whole paper cell, only the known items are flagged', () => {
    const cnn = buildPrompts(getTask('summary'), loadPaper('cnn_test_500').items, { mode: 'icl', shots: 4, demos: loadPaper('cnn_few_shot').items, limit: 250, countTokens: false });
    expect(cnn.filter((p) => p.overlap.length > 0).map((p) => [p.index, p.overlap.map((o) => o.demoIndex)])).toEqual([
      [67, [1]],
      [159, [3]],
    ]);
    const tweet = buildPrompts(question, loadPaper('tweetqa_test_500').items, { mode: 'icl', shots: 1, demos: loadPaper('tweetqa_few_shot').items, countTokens: false });
    const flagged = tweet.filter((p) => p.warnings.length > 0);
    expect(flagged.map((p) => [p.index, p.warnings[0].code])).toEqual([[111, 'demo-shares-input']]);
  });
});

describe('sampled demos', () => {
  const pool = loadPaper('sst2_test_500').items;

  it('are deterministic per item, independent of offset/limit, never the item itself', () => {
    const opts = { mode: 'icl' as const, shots: 4, demos: pool, selection: { kind: 'sampled' as const, seed: 7 }, countTokens: false };
    const all = buildPrompts(sentiment, pool, { ...opts, limit: 40 });
    const slice = buildPrompts(sentiment, pool, { ...opts, offset: 30, limit: 10 });
    expect(slice.map((p) => p.text)).toEqual(all.slice(30).map((p) => p.text));
    for (const p of all) {
      expect(p.demos.some((d) => d.index === p.index)).toBe(false);
      expect(new Set(p.demos.map((d) => d.index)).size).toBe(4);
      expect(p.overlap.filter((o) => o.identical)).toEqual([]);
    }
    expect(new Set(all.map((p) => p.demos.map((d) => d.index).join())).size).toBeGreaterThan(30);
    const other = buildPrompts(sentiment, pool, { ...opts, selection: { kind: 'sampled', seed: 8 }, limit: 40 });
    expect(other.map((p) => p.text)).not.toEqual(all.map((p) => p.text));
  });
});

describe('option errors', () => {
  const x = item('t', 0, { input: 'a' }, 'positive');
  const demos = [item('d', 0, { input: 'b' }, 'negative')];

  it.each([
    [{ mode: 'zero-shot' as const, shots: 2, demos }, PromptOptionsError, /zero-shot prompts take no demos/],
    [{ mode: 'icl' as const, shots: 0, demos }, PromptOptionsError, /needs at least 1 shot/],
    [{ mode: 'icl' as const, shots: 1 }, PromptOptionsError, /need a demo pool/],
    [{ mode: 'icl' as const, shots: 2, demos }, DemoPoolError, /has 1 items, 2 asked/],
    [{ mode: 'icl' as const, shots: 1.5, demos }, PromptOptionsError, /not a whole number/],
    [{ mode: 'chat' as 'icl', shots: 1, demos }, PromptOptionsError, /unknown prompt mode/],
    [{ mode: 'icl' as const, shots: 1, demos, demoTask: inference, template: '{input}' }, PromptOptionsError, /custom template/],
  ])('%#', (opts, type, message) => {
    expect(() => buildPrompt(sentiment, x, opts)).toThrow(type);
    expect(() => buildPrompt(sentiment, x, opts)).toThrow(message);
  });

  it('offset and limit', () => {
    expect(() => buildPrompts(sentiment, [x], { mode: 'zero-shot', offset: -1 })).toThrow(PromptOptionsError);
    expect(() => buildPrompts(sentiment, [x], { mode: 'zero-shot', limit: 1.2 })).toThrow(PromptOptionsError);
    expect(buildPrompts(sentiment, [x], { mode: 'zero-shot', offset: 5 })).toEqual([]);
  });
});
