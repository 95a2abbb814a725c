import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { ROUGE_GOLDEN } from '../helpers/paths.ts';
import { rougeCorpus } from '../../src/core/metrics/index.ts';
import { runCli } from './run-cli.ts';

interface GoldenRow {
  prediction: string;
  reference: string;
  stem: boolean;
  rougeL: { precision: number; recall: number; fmeasure: number };
  rougeLsum?: { precision: number; recall: number; fmeasure: number };
}

const golden = fs
  .readFileSync(path.join(ROUGE_GOLDEN, 'rouge_golden.jsonl'), 'utf8')
  .split('\n')
  .filter((l) => l.trim())
  .map((l) => JSON.parse(l) as GoldenRow);

describe('ftlab rouge', () => {
  for (const stem of [false, true]) {
    it(`reproduces rouge-score's golden values line by line (stem=${stem})`, async () => {
      const rows = golden.filter((g) => g.stem === stem);
      const stdin = rows.map((g) => JSON.stringify({ prediction: g.prediction, reference: g.reference })).join('\n') + '\n';
      const r = await runCli(['rouge', ...(stem ? ['--stem'] : [])], stdin);
      expect(r.code).toBe(0);
      expect(r.lines).toHaveLength(rows.length);
      rows.forEach((g, i) => {
        expect(r.lines[i].rougeL).toEqual(g.rougeL);
        if (g.rougeLsum) expect(r.lines[i].rougeLsum).toEqual(g.rougeLsum);
      });
    });
  }

  it('--aggregate adds means and the HF bootstrap low/mid/high for the given seed', async () => {
    const rows = golden.filter((g) => !g.stem).slice(0, 40);
    const stdin = rows.map((g) => JSON.stringify({ prediction: g.prediction, reference: g.reference })).join('\n');
    const r = await runCli(['rouge', '--aggregate', '--seed', '42'], stdin);
    expect(r.code).toBe(0);
    expect(r.lines).toHaveLength(41);
    const agg = r.lines[40].aggregate as Record<string, Record<string, unknown>>;
    const expected = rougeCorpus(rows.map((g) => g.prediction), rows.map((g) => g.reference), { seed: 42 });
    expect(agg.rougeL.mid).toEqual(expected.aggregate.rougeL.mid);
    expect(agg.rougeL.low).toEqual(expected.aggregate.rougeL.low);
    expect(agg.rougeLsum.high).toEqual(expected.aggregate.rougeLsum.high);
    expect(agg.rougeL.mean).toEqual(expected.mean.rougeL);
    expect(agg).toMatchObject({ n: 40, seed: 42, nSamples: 1000, stem: false });
  });

  it('bad input names the line: invalid JSON, missing field, nothing to aggregate', async () => {
    const bad = await runCli(['rouge'], '{"prediction": "a", "reference": "b"}\n\n{"prediction": "a", reference}\n');
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/^ftlab: stdin line 3: not valid JSON/);
    expect(bad.err.trimEnd().split('\n')).toHaveLength(1);
    const missing = await runCli(['rouge'], '{"prediction": "a"}\n');
    expect(missing.err).toMatch(/stdin line 1: "reference" must be a string/);
    const notObject = await runCli(['rouge'], '[1, 2]\n');
    expect(notObject.err).toMatch(/stdin line 1: not a JSON object/);
    const empty = await runCli(['rouge', '--aggregate'], '');
    expect(empty.code).toBe(1);
    expect(empty.err).toMatch(/no input lines to aggregate/);
    const seedAlone = await runCli(['rouge', '--seed', '3'], '');
    expect(seedAlone.code).toBe(2);
  });
});
