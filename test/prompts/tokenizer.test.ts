import { describe, expect, it } from 'vitest';
import { PAPER_PROTOCOL, catalogueEntries } from '../../src/core/datasets/index.ts';
import { buildPrompt, paperEvaluationTokenIds, paperTokenizationPath } from '../../src/core/prompts/index.ts';
import { getTask } from '../../src/core/tasks/index.ts';
import { BOS_ID, continuationFirstToken, countTokens, decode, encode, pieceOf } from '../../src/core/tokenizer/index.ts';
import { loadPaper } from '../datasets/paper-files.ts';

describe('Llama-2 tokenizer wrapper', () => {
  it('dummy prefix space by default, BOS only when asked', () => {
    expect(encode('### Input')).toEqual([835, 10567]);
    expect(['▁###', '▁Input'].map((p, i) => pieceOf([835, 10567][i]) === p)).toEqual([true, true]);
    expect(encode('### Input', { bos: true })).toEqual([BOS_ID, 835, 10567]);
    expect(encode('### Input', { addPrefixSpace: false })[0]).not.toBe(835);
    expect(encode('')).toEqual([]);
    expect(encode('', { bos: true })).toEqual([BOS_ID]);
    expect(countTokens('### Input', { bos: true })).toBe(3);
  });

  it('"<s>" in text is text, not BOS', () => {
    expect(encode('<s> x')).not.toContain(BOS_ID);
  });

  it('newlines are byte tokens, so text after one tokenizes on its own', () => {
    expect(encode('a\n\nb')).toEqual([263, 13, 13, 29890]);
    const demo = '### Input:\nfoo\n### Sentiment:positive\n\n';
    const q = '### Input:\nbar baz\n### Sentiment:';
    expect(encode(demo + q)).toEqual([...encode(demo), ...encode(q, { addPrefixSpace: false })]);
  });

  it('decode inverts encode', () => {
    const text = 'Héllo  wörld 🙂\n\n### Answer:';
    expect(decode(encode(text, { bos: true }))).toBe(text);
    expect(decode(encode(text), { stripPrefixSpace: false })).toBe(' ' + text);
    expect(() => decode([32000])).toThrow(RangeError);
  });
});

describe("the paper's label token ids", () => {
  const cases = catalogueEntries({ role: 'test', usedByPaper: true }).filter((e) => getTask(e.task).labels.length > 0);

  it.each(cases.map((e) => [e.dataset, e] as const))('map 0 prompts of %s give the fixed ids (0-shot and k-shot)', (_d, e) => {
    const task = getTask(e.task);
    const x = loadPaper(e.id).items[0];
    const k = PAPER_PROTOCOL.shots[e.task][0];
    for (const p of [
      buildPrompt(task, x, { mode: 'zero-shot', countTokens: false }),
      buildPrompt(task, x, { mode: 'icl', shots: k, demos: loadPaper(`${e.dataset}_few_shot`).items, countTokens: false }),
    ]) {
      const ids = task.labels.map((l) => continuationFirstToken(p.text, l, { bos: p.bos }));
      expect(ids.map((r) => r.id)).toEqual(task.paperLabelTokenIds);
      expect(ids.every((r) => !r.promptTailChanged)).toBe(true);
    }
  });

  it('map 1: sentiment and detection end in ":" (same ids); inference ends in a space (natural "▁word" ids)', () => {
    const first = (taskId: string, dataset: string) => buildPrompt(getTask(taskId), loadPaper(`${dataset}_test_500`).items[0], { mode: 'zero-shot', template: 1, countTokens: false });
    const ids = (taskId: string, dataset: string) => getTask(taskId).labels.map((l) => continuationFirstToken(first(taskId, dataset).text, l, { bos: true }));
    expect(ids('sentiment', 'sst2').map((r) => r.id)).toEqual([1066, 22198]);
    expect(ids('detection', 'qqp').map((r) => r.id)).toEqual([3582, 1217]);
    const inf = ids('inference', 'rte');
    expect(inf.map((r) => r.id)).toEqual([875, 21104, 23949]);
    expect(inf.map((r) => pieceOf(r.id))).toEqual(['▁ent', '▁neutral', '▁contradiction']);
    expect(inf.every((r) => r.promptTailChanged)).toBe(true);
  });
});

describe("the paper's own tokenization (evaluate_cross.py)", () => {
  const x = { source: 't', index: 0, fields: { input: 'I liked it.' }, output: 'positive' };
  const s = { source: 't', index: 0, fields: { input: 'Long text.' }, output: 'Short.' };

  it('classification: zero-shot "<s> " + t is [BOS, "▁", ...encode(t)]; k-shot is encode(text)', () => {
    const task = getTask('sentiment');
    const z = buildPrompt(task, x, { mode: 'zero-shot', countTokens: false });
    expect(paperTokenizationPath(task)).toBe('hf-no-special-tokens');
    expect(paperEvaluationTokenIds(task, z)).toEqual([1, 29871, ...encode(z.text)]);
    expect(paperEvaluationTokenIds(task, z).slice(0, 4).map(pieceOf)).toEqual(['<s>', '▁', '▁###', '▁Input']);
    const k = buildPrompt(task, x, { mode: 'icl', shots: 1, demos: [x], countTokens: false });
    expect(paperEvaluationTokenIds(task, k)).toEqual(encode(k.text));
  });

  it('generation (vLLM encode): BOS on k-shot prompts, two BOS on zero-shot ones', () => {
    const task = getTask('summary');
    const z = buildPrompt(task, s, { mode: 'zero-shot', countTokens: false });
    expect(paperTokenizationPath(task)).toBe('vllm-encode');
    expect(paperEvaluationTokenIds(task, z)).toEqual([1, 1, 29871, ...encode(z.text)]);
    const k = buildPrompt(task, s, { mode: 'icl', shots: 1, demos: [s], countTokens: false });
    expect(paperEvaluationTokenIds(task, k)).toEqual([1, ...encode(k.text)]);
    const f = buildPrompt(task, s, { mode: 'fticl', shots: 1, demos: [s], countTokens: false });
    expect(() => paperEvaluationTokenIds(task, f)).toThrow(RangeError);
  });
});
