import { describe, expect, it } from 'vitest';
import { PAPER_PROTOCOL, catalogueEntries } from '../../src/core/datasets/index.ts';
import { PromptOptionsError, trainingExample, trainingExamples } from '../../src/core/prompts/index.ts';
import { getTask } from '../../src/core/tasks/index.ts';
import { loadPaper, rawPaperItems, readPaperText } from '../datasets/paper-files.ts';

type Raw = Record<string, string>;
const map0 = (JSON.parse(readPaperText('prompt_map.json')) as Record<string, string>[])[0];
const fill = (template: string, x: Raw) => template.replace(/\{(\w+)\}/g, (_, k: string) => x[k]);

describe('training export (train.py format)', () => {
  const trainSets = catalogueEntries({ role: 'train' });

  it.each(trainSets.map((e) => [e.id, e] as const))('FT %s: source = map-0 template(x), target = output (no EOS)', (_id, e) => {
    const raw = rawPaperItems(e.id) as Raw[];
    const ex = trainingExamples(getTask(e.task), loadPaper(e.id).items, { mode: 'ft' });
    expect(ex).toHaveLength(e.items);
    ex.forEach((x, i) => {
      expect(x.source).toBe(fill(map0[e.task], raw[i]));
      expect(x.target).toBe(raw[i].output);
    });
  });

  it.each(
    catalogueEntries({ role: 'train' })
      .filter((e) => e.id.endsWith('_2000'))
      .flatMap((e) => PAPER_PROTOCOL.fticlShots[e.task].map((k) => [e.id, k, e] as const)),
  )('FTICL %s k=%i: context of the first k pool demos + template(x)', (_id, k, e) => {
    const pool = PAPER_PROTOCOL.fticlPools[e.task];
    const demos = rawPaperItems(`${pool}_few_shot`) as Raw[];
    let context = '';
    for (const d of demos.slice(0, k)) context += fill(map0[e.task], d) + d.output + '\n\n';
    const raw = rawPaperItems(e.id) as Raw[];
    const ex = trainingExamples(getTask(e.task), loadPaper(e.id).items, { mode: 'fticl', shots: k, demos: loadPaper(`${pool}_few_shot`).items });
    ex.forEach((x, i) => {
      expect(x.source).toBe(context + fill(map0[e.task], raw[i]));
      expect(x.target).toBe(raw[i].output);
    });
  });

  it('spelled out', () => {
    const task = getTask('detection');
    const demo = { source: 'd', index: 0, fields: { input_1: 'A', input_2: 'B' }, output: 'no' };
    const x = { source: 't', index: 0, fields: { input_1: 'C', input_2: 'D' }, output: 'yes' };
    expect(trainingExample(task, x, { mode: 'ft' })).toEqual({
      source: '### Input_1:\nC\n### Input_2:\nD\n### Paraphrase Classification:',
      target: 'yes',
    });
    expect(trainingExample(task, x, { mode: 'fticl', shots: 1, demos: [demo] })).toEqual({
      source: '### Input_1:\nA\n### Input_2:\nB\n### Paraphrase Classification:no\n\n### Input_1:\nC\n### Input_2:\nD\n### Paraphrase Classification:',
      target: 'yes',
    });
  });

  it('rejects contradictions', () => {
    const task = getTask('sentiment');
    const x = { source: 't', index: 0, fields: { input: 'a' }, output: 'positive' };
    expect(() => trainingExample(task, x, { mode: 'ft', shots: 2 })).toThrow(PromptOptionsError);
    expect(() => trainingExample(task, x, { mode: 'fticl', shots: 2 })).toThrow(/need a demo pool/);
    expect(() => trainingExample(task, x, { mode: 'sft' as 'ft' })).toThrow(/unknown training mode/);
  });
});
