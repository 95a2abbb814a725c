import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PAPER_DATA } from '../helpers/paths.ts';
import { accuracyFromCounts, rougeCorpus } from '../../src/core/metrics/index.ts';
import { runCli } from './run-cli.ts';

const json = (rel: string): Record<string, string>[] => JSON.parse(fs.readFileSync(path.join(PAPER_DATA, rel), 'utf8'));
let dir: string;

/** Writes a result file the way evaluate_cross.py does (json.dump, indent 4) into a temp dir. */
function writeResults(name: string, rows: unknown[]): string {
  const p = path.join(dir, name);
  fs.writeFileSync(p, JSON.stringify(rows, null, 4));
  return p;
}

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ftlab-score-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('ftlab score', () => {
  it('generation: generation cut at its first blank line, ROUGE-L mid of the HF bootstrap (seeded)', async () => {
    const items = json('summary/xsum_test_500.json').slice(0, 30);
    // Fake "model outputs": part of the reference, then a blank line and junk that must be ignored.
    const rows = items.map((it, i) => ({
      idx: it.idx,
      instruction: it.input,
      generation: `${it.output.split(' ').slice(0, 4 + (i % 6)).join(' ')}\n\njunk junk junk`,
      output: it.output,
    }));
    const f = writeResults('xsum_Llama-2-7b-hf_0_shot_map_0.json', rows);
    const r = await runCli(['score', '--input', f, '--seed', '7']);
    expect(r.code).toBe(0);
    const expected = rougeCorpus(rows.map((x) => x.generation.split('\n\n')[0]), rows.map((x) => x.output), { seed: 7 });
    expect(r.lines).toHaveLength(1);
    expect(r.lines[0]).toMatchObject({
      file: 'xsum_Llama-2-7b-hf_0_shot_map_0.json',
      task: 'summary',
      dataset: 'xsum',
      shots: 0,
      template: 0,
      n: 30,
      metric: 'rougeL',
      seed: 7,
      rougeL: expected.aggregate.rougeL.mid.fmeasure,
      mean: expected.mean.rougeL.fmeasure,
      mid: expected.aggregate.rougeL.mid,
    });
  });

  it('classification: max_idx indexes the task\'s labels; several files, one summary line each', async () => {
    const sst2 = json('sentiment/sst2_test_500.json').slice(0, 50);
    const labels = ['positive', 'negative'];
    // Right on every third item, wrong otherwise: the accuracy is known exactly.
    const sRows = sst2.map((it, i) => ({ idx: it.idx, output: it.output, generation: '', max_idx: i % 3 === 0 ? labels.indexOf(it.output) : 1 - labels.indexOf(it.output) }));
    const nli = json('inference/multinli_test_500.json').slice(0, 40);
    const nLabels = ['entailment', 'neutral', 'contradiction'];
    // Always answer "neutral": right exactly where the gold label is neutral ("-" items can never be right).
    const nRows = nli.map((it) => ({ idx: it.idx, output: it.output, generation: 'neutral', max_idx: 1 }));
    const f1 = writeResults('sst2_model_2_shot_map_1.json', sRows);
    const f2 = writeResults('multinli_model_3_shot_map_0.json', nRows);
    const r = await runCli(['score', '--input', f1, '--input', f2]);
    expect(r.code).toBe(0);
    const sCorrect = sst2.filter((_, i) => i % 3 === 0).length;
    const nCorrect = nli.filter((it) => it.output === nLabels[1]).length;
    expect(nli.some((it) => it.output === 'neutral')).toBe(true);
    const a1 = accuracyFromCounts(sCorrect, 50);
    const a2 = accuracyFromCounts(nCorrect, 40);
    expect(r.lines).toEqual([
      { file: 'sst2_model_2_shot_map_1.json', task: 'sentiment', dataset: 'sst2', shots: 2, template: 1, n: 50, metric: 'accuracy', correct: sCorrect, accuracy: a1.accuracy, low: a1.low, high: a1.high },
      { file: 'multinli_model_3_shot_map_0.json', task: 'inference', dataset: 'multinli', shots: 3, template: 0, n: 40, metric: 'accuracy', correct: nCorrect, accuracy: a2.accuracy, low: a2.low, high: a2.high },
    ]);
  });

  it('--task overrides the name; JSON lines input works too', async () => {
    const p = path.join(dir, 'myrun.jsonl');
    fs.writeFileSync(p, '{"max_idx": 0, "output": "yes"}\n{"max_idx": 0, "output": "no"}\n');
    const r = await runCli(['score', '--task', 'detection', '--input', p]);
    expect(r.code).toBe(0);
    expect(r.lines[0]).toMatchObject({ task: 'detection', n: 2, correct: 1, accuracy: 0.5 });
  });

  it('bad input: one line naming the file and item', async () => {
    const bad1 = writeResults('sst2_m_2_shot_map_0.json', [{ output: 'positive', max_idx: 0 }, { output: 'negative', max_idx: [1] }]);
    const bad2 = writeResults('paws_m_2_shot_map_0.json', [{ output: 'yes', max_idx: 2 }]);
    const bad3 = writeResults('xsum_m_0_shot_map_0.json', [{ output: 'x' }]);
    const unnamed = writeResults('results.json', [{ output: 'x', generation: 'x' }]);
    const broken = path.join(dir, 'cnn_m_0_shot_map_0.json');
    fs.writeFileSync(broken, '[{"generation": "a", "output": "b"},');
    const cases: [string[], RegExp][] = [
      [['score', '--input', bad1], /sst2_m_2_shot_map_0\.json item 1: "max_idx" must be an integer label index, not \[1\]/],
      [['score', '--input', bad2], /paws_m_2_shot_map_0\.json item 0: max_idx 2 is not a label of task detection \(0\.\.1: yes, no\)/],
      [['score', '--input', bad3], /xsum_m_0_shot_map_0\.json item 0: "generation" must be a string/],
      [['score', '--input', unnamed], /cannot tell the task of results\.json.*--task/],
      [['score', '--input', broken], /cnn_m_0_shot_map_0\.json: not valid JSON/],
      [['score', '--input', path.join(dir, 'absent.json')], /cannot read .*absent\.json: no such file/],
      [['score', '--task', 'summ', '--input', bad3], /unknown task "summ"/],
      [['score'], /--input FILE is required/],
    ];
    for (const [argv, message] of cases) {
      const r = await runCli(argv);
      expect(r.code, argv.join(' ')).not.toBe(0);
      expect(r.err.trimEnd().split('\n')).toHaveLength(1);
      expect(r.err).toMatch(message);
    }
  });
});
