import { describe, expect, it } from 'vitest';
import { PAPER_PROTOCOL, catalogueEntries } from '../../src/core/datasets/index.ts';
import { buildPrompt } from '../../src/core/prompts/index.ts';
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
