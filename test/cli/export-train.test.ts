import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { PAPER_DATA } from '../helpers/paths.ts';
import { fillPaperTemplate, runCli } from './run-cli.ts';

const maps = JSON.parse(fs.readFileSync(path.join(PAPER_DATA, 'prompt_map.json'), 'utf8')) as Record<string, string>[];
const file = (rel: string): string => path.join(PAPER_DATA, rel);
const json = (rel: string): Record<string, string>[] => JSON.parse(fs.readFileSync(file(rel), 'utf8'));

describe('ftlab export-train', () => {
  it('FT: source = PROMPT_MAP[task].format_map(example), target = output (EOS left to the trainer), every item, in order', async () => {
    const r = await runCli(['export-train', '--data', file('detection/paws_train_2000.json'), '--task', 'detection']);
    expect(r.code).toBe(0);
    const items = json('detection/paws_train_2000.json');
    expect(r.lines).toHaveLength(items.length);
    r.lines.forEach((line, i) => {
      expect(line).toEqual({ source: fillPaperTemplate(maps[0].detection, items[i]), target: items[i].output });
    });
  });

  it('FTICL: the first k demos of the few-shot file, each template(d) + output + "\\n\\n", before the source', async () => {
    const r = await runCli(['export-train', '--data', file('inference/multinli_train_2000.json'), '--task', 'inference', '--demos', file('inference/few_shot/multinli_few_shot.json'), '--shots', '3']);
    expect(r.code).toBe(0);
    const items = json('inference/multinli_train_2000.json');
    const context = json('inference/few_shot/multinli_few_shot.json').slice(0, 3).map((d) => fillPaperTemplate(maps[0].inference, d) + d.output + '\n\n').join('');
    expect(r.lines).toHaveLength(items.length);
    for (const i of [0, 1, items.length - 1]) expect(r.lines[i]).toEqual({ source: context + fillPaperTemplate(maps[0].inference, items[i]), target: items[i].output });
  });

  it('bad options: --shots without --demos, --demos without --shots, missing file', async () => {
    for (const [argv, message] of [
      [['export-train', '--data', file('sentiment/amazon_train_2000.json'), '--task', 'sentiment', '--shots', '2'], /--shots 2 needs --demos FILE/],
      [['export-train', '--data', file('sentiment/amazon_train_2000.json'), '--task', 'sentiment', '--demos', file('sentiment/few_shot/amazon_few_shot.json')], /--demos needs --shots/],
      [['export-train', '--data', 'missing.json', '--task', 'sentiment'], /cannot read missing\.json/],
    ] as [string[], RegExp][]) {
      const r = await runCli(argv);
      expect(r.code).not.toBe(0);
      expect(r.err.trimEnd().split('\n')).toHaveLength(1);
      expect(r.err).toMatch(message);
    }
  });
});
