/**
 * Every test dataset × every evaluated shot count × both templates: the first 250 prompts
 * equal an independent re-derivation from the raw JSON and prompt_map.json, written the way
 * evaluate_cross.py does it (plain concatenation, format_map on fields-only templates).
 */
import { describe, expect, it } from 'vitest';
import { PAPER_PROTOCOL, catalogueEntries, type CatalogueEntry } from '../../src/core/datasets/index.ts';
import { buildPrompt, buildPrompts } from '../../src/core/prompts/index.ts';
import { getTask } from '../../src/core/tasks/index.ts';
import { encode } from '../../src/core/tokenizer/index.ts';
import { loadPaper, rawPaperItems, readPaperText } from '../datasets/paper-files.ts';

type Raw = Record<string, string>;
const promptMap = JSON.parse(readPaperText('prompt_map.json')) as Record<string, string>[];

/** format_map for templates whose only braces are {field}s (true of prompt_map.json); values are not re-scanned. */
const fill = (template: string, x: Raw) => template.replace(/\{(\w+)\}/g, (_, k: string) => x[k]);

/** The paper's prompt string (evaluate_cross.py), "<s> " included for 0-shot. */
function paperPrompt(task: string, map: number, demos: Raw[], x: Raw, shot: number): string {
  const t = promptMap[map][task];
  let context = '';
  for (const d of demos.slice(0, shot)) context += fill(t, d) + d.output + '\n\n';
  return shot === 0 ? '<s> ' + fill(t, x) : context + fill(t, x);
}

/** The same templates spelled out as concatenations, to check `fill` itself. */
const literal: Record<string, [(x: Raw) => string, (x: Raw) => string]> = {
  summary: [(x) => '### Input:\n' + x.input + '\n### Summary:', (x) => 'Please read the following text:' + x.input + '\nProvide a summary:'],
  question: [
    (x) => '### Input:\n' + x.input + '\n### Answer:\n' + x.answer + '\n### Question:',
    (x) => 'Given the context:' + x.input + '\nAnd the answer:' + x.answer + '\nGenerate a suitable question:',
  ],
  sentiment: [(x) => '### Input:\n' + x.input + '\n### Sentiment:', (x) => 'Analyze the sentiment of the following text:' + x.input + '\nSentiment:'],
  inference: [
    (x) => '### Input_1:\n' + x.input_1 + '\n### Input_2:\n' + x.input_2 + '\n### Inference:',
    (x) => 'Consider the following texts: Text 1:' + x.input_1 + '\nText 2:' + x.input_2 + '\nThe relation is ',
  ],
  detection: [
    (x) => '### Input_1:\n' + x.input_1 + '\n### Input_2:\n' + x.input_2 + '\n### Paraphrase Classification:',
    (x) => "Let's compare the two sentences: Sentence_1:" + x.input_1 + '\nSentence_2:' + x.input_2 + '\nAre they paraphrasing?:',
  ],
};

const N = PAPER_PROTOCOL.evaluatedItems;
const testSets = catalogueEntries({ role: 'test' });
const cells = testSets.flatMap((e) =>
  (e.usedByPaper ? PAPER_PROTOCOL.shots[e.task] : [0]).flatMap((shot) => [0, 1].map((map) => [e.dataset, shot, map, e] as const)),
);

describe('prompt_map.json fill = spelled-out concatenation', () => {
  it.each(testSets.map((e) => [e.dataset, e] as const))('%s', (_d, e) => {
    for (const x of rawPaperItems(e.id) as Raw[]) {
      for (const map of [0, 1]) expect(fill(promptMap[map][e.task], x)).toBe(literal[e.task][map](x));
    }
  });
});

describe('paper prompts, first 250 items, byte for byte', () => {
  it.each(cells)('%s %i-shot map %i', (_d, shot, map, e: CatalogueEntry) => {
    const task = getTask(e.task);
    const raw = rawPaperItems(e.id).slice(0, N) as Raw[];
    const demosRaw = shot > 0 ? (rawPaperItems(`${e.dataset}_few_shot`) as Raw[]) : [];
    const opts = shot === 0 ? { mode: 'zero-shot' as const, template: map } : { mode: 'icl' as const, shots: shot, demos: loadPaper(`${e.dataset}_few_shot`).items, template: map };
    const built = buildPrompts(task, loadPaper(e.id).items, { ...opts, limit: N, countTokens: false });
    expect(built).toHaveLength(Math.min(N, e.items));
    built.forEach((p, i) => {
      const expected = paperPrompt(e.task, map, demosRaw, raw[i], shot);
      expect(p.paperText).toBe(expected);
      expect(p.text).toBe(shot === 0 ? expected.slice('<s> '.length) : expected);
      expect(p.bos).toBe(shot === 0);
      expect(p.reference).toBe(raw[i].output);
      expect(p.index).toBe(i);
      expect(p.shots).toBe(shot);
      expect(p.demos.map((d) => d.index)).toEqual(Array.from({ length: shot }, (_, k) => k));
    });

    // Token counts on a sample (the first item and the longest), against a plain full encode.
    const longest = built.reduce((a, b) => (b.text.length > a.text.length ? b : a));
    for (const i of [0, longest.index]) {
      const p = buildPrompt(task, loadPaper(e.id).items[i], opts);
      expect(p.tokens).toBe(encode(p.text, { bos: p.bos }).length);
      expect(p.fit).toEqual({ contextWindow: 4096, maxNewTokens: 60, fits: p.tokens! + 60 <= 4096, trainMaxLength: 1024, exceedsTrainMaxLength: p.tokens! > 1024 });
    }
  });
});
