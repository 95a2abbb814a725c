import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { PAPER_DATA } from '../helpers/paths.ts';
import { countTokens } from '../../src/core/tokenizer/index.ts';
import { fillPaperTemplate, runCli } from './run-cli.ts';

const maps = JSON.parse(fs.readFileSync(path.join(PAPER_DATA, 'prompt_map.json'), 'utf8')) as Record<string, string>[];
const file = (rel: string): string => path.join(PAPER_DATA, rel);
const json = (rel: string): Record<string, string>[] => JSON.parse(fs.readFileSync(file(rel), 'utf8'));

describe('ftlab prompt', () => {
  it('zero-shot sentiment, map 0: the paper\'s prompt, BOS, token count, paper label ids', async () => {
    const r = await runCli(['prompt', '--data', file('sentiment/amazon_test_500.json'), '--task', 'sentiment', '--limit', '3']);
    expect(r.code).toBe(0);
    const items = json('sentiment/amazon_test_500.json');
    expect(r.lines).toHaveLength(3);
    r.lines.forEach((line, i) => {
      const text = fillPaperTemplate(maps[0].sentiment, items[i]);
      expect(line).toEqual({
        index: i,
        prompt: text,
        bos: true,
        tokens: countTokens(text, { bos: true }),
        reference: items[i].output,
        labels: ['positive', 'negative'],
        labelTokenIds: [1066, 22198],
        paperLabelTokenIds: [1066, 22198],
      });
    });
  });

  it('icl on map 1 inference: demos first, no BOS, in-context ids differ from the paper\'s (with warnings), overlap shown', async () => {
    const r = await runCli([
      'prompt', '--data', file('inference/rte_test_500.json'), '--task', 'inference', '--template', '1',
      '--shots', '3', '--demos', file('inference/few_shot/rte_few_shot.json'), '--offset', '163', '--limit', '2',
    ]);
    expect(r.code).toBe(0);
    const items = json('inference/rte_test_500.json');
    const demos = json('inference/few_shot/rte_few_shot.json');
    const context = demos.slice(0, 3).map((d) => fillPaperTemplate(maps[1].inference, d) + d.output + '\n\n').join('');
    expect(r.lines.map((l) => l.index)).toEqual([163, 164]);
    expect(r.lines[0].prompt).toBe(context + fillPaperTemplate(maps[1].inference, items[163]));
    expect(r.lines[0].bos).toBe(false);
    expect(r.lines[0].labelTokenIds).toEqual([875, 21104, 23949]);
    expect(r.lines[0].paperLabelTokenIds).toEqual([296, 17821, 9996]);
    expect((r.lines[0].warnings as string[]).join(' ')).toMatch(/ends in whitespace.*differ from the paper's fixed ids/s);
    // rte demo 2 is test item 163 (a known data fact).
    expect(r.lines[0].overlap).toEqual([expect.objectContaining({ demoIndex: 2, identical: true })]);
    expect(r.lines[1].overlap).toBeUndefined();
  });

  it('generation tasks carry no label fields; fticl starts with BOS', async () => {
    const r = await runCli(['prompt', '--data', file('question/sciqa_test_500.json'), '--task', 'question', '--mode', 'fticl', '--shots', '1', '--demos', file('question/few_shot/socialqa_few_shot.json'), '--limit', '1']);
    expect(r.code).toBe(0);
    expect(r.lines[0]).not.toHaveProperty('labels');
    expect(r.lines[0].bos).toBe(true);
    const demo = json('question/few_shot/socialqa_few_shot.json')[0];
    expect(String(r.lines[0].prompt).startsWith(fillPaperTemplate(maps[0].question, demo) + demo.output + '\n\n')).toBe(true);
  });

  it('bad input: one line, non-zero exit', async () => {
    const cases: [string[], RegExp, number][] = [
      [['prompt', '--data', file('sentiment/nope.json'), '--task', 'sentiment'], /cannot read .*nope\.json: no such file/, 1],
      [['prompt', '--data', file('sentiment/amazon_test_500.json'), '--task', 'sentimant'], /unknown task "sentimant".*sentiment/, 1],
      [['prompt', '--data', file('sentiment/amazon_test_500.json'), '--task', 'sentiment', '--shots', '2'], /--shots 2 needs --demos FILE/, 2],
      [['prompt', '--data', file('sentiment/amazon_test_500.json'), '--task', 'sentiment', '--mode', 'icl'], /--mode icl needs --shots/, 2],
      [['prompt', '--data', file('sentiment/amazon_test_500.json'), '--task', 'sentiment', '--template', '2'], /--template must be between 0 and 1/, 2],
      [['prompt', '--data', file('sentiment/amazon_test_500.json'), '--task', 'sentiment', '--limit', 'x'], /--limit must be a whole number/, 2],
      [['prompt', '--task', 'sentiment'], /--data FILE is required/, 2],
      [['prompt', '--data', file('summary/xsum_test_500.json'), '--task', 'sentiment'], /xsum_test_500\.json.*(problem|missing|label)/, 1],
    ];
    for (const [argv, message, code] of cases) {
      const r = await runCli(argv);
      expect(r.code, argv.join(' ')).toBe(code);
      expect(r.out).toBe('');
      expect(r.err.trimEnd().split('\n')).toHaveLength(1);
      expect(r.err).toMatch(message);
    }
  });
});
