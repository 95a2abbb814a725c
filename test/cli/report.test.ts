/**
 * `ftlab report` on a records file `ftlab eval` wrote (the tiny cpu model, the paper's data):
 * its JSON figure carries exactly the aggregates eval printed, the table and CSV show the same
 * numbers, a bad line is skipped with a warning naming it, bad options get one line.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Papa from 'papaparse';
import { PAPER_DATA } from '../helpers/paths.ts';
import { ensureTinyModels } from '../../scripts/make-tiny-model.ts';
import { Readable } from 'node:stream';
import { main } from '../../src/cli/main.ts';
import { runCli } from './run-cli.ts';
import { formatMetric, type StudyFigure } from '../../src/core/report/index.ts';

/** main(['report', ...]) with its streams as text (table and CSV output are not JSON lines). */
async function report(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(['report', ...args], { stdin: Readable.from(['']), out: (x) => void (out += x), err: (x) => void (err += x) });
  return { code, out, err };
}

let dir: string;
let records: string;
let summaries: Record<string, unknown>[];

beforeAll(async () => {
  const model = ensureTinyModels()['tiny-random-llama-f32'];
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ftlab-report-'));
  records = path.join(dir, 'r.jsonl');
  const r = await runCli(['eval', '--model', model, '--paper-data', PAPER_DATA, '--test-set', 'amazon,sst2', '--mode', 'zero-shot', '--templates', '0', '--limit', '3', '--out', records]);
  expect(r.code).toBe(0);
  summaries = r.lines;
}, 60_000);
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('ftlab report', () => {
  it('--format json: the amazon figure, its cells the aggregates eval printed', async () => {
    const r = await runCli(['report', '--records', records, '--format', 'json']);
    expect(r.code).toBe(0);
    const f = r.lines[0] as unknown as StudyFigure;
    expect(f.trainingSet).toBe('amazon');
    expect(f.rows.map((x) => x.modelId)).toEqual(['tiny-random-llama-f32']);
    const panel = f.panels[0];
    expect(panel.id).toBe('zero-shot-0-map0');
    for (const dataset of ['amazon', 'sst2']) {
      const j = f.columns.findIndex((c) => c.dataset === dataset);
      const s = summaries.find((x) => x.dataset === dataset) as { accuracy: { value: number; low: number; high: number }; n: number };
      expect(panel.cells[0][j]).toMatchObject({ metric: 'accuracy', value: s.accuracy.value, low: s.accuracy.low, high: s.accuracy.high, n: 3, state: 'too-few' });
    }
  });

  it('--figure out-of-domain --format table / csv: the same numbers', async () => {
    const s = summaries.find((x) => x.dataset === 'sst2') as { accuracy: { value: number } };
    const t = await report(['--records', records, '--figure', 'out-of-domain']);
    expect(t.code).toBe(0);
    expect(t.out).toContain('amazon · out-of-domain · zero-shot, map 0 · accuracy %');
    expect(t.out).toContain(`${formatMetric(s.accuracy.value)} [`);
    expect(t.out).not.toContain('amazon (in-domain)');
    const c = await report(['--records', records, '--figure', 'out-of-domain', '--format', 'csv']);
    const rows = Papa.parse<Record<string, string>>(c.out, { header: true, skipEmptyLines: true }).data;
    expect(rows.map((x) => [x.dataset, Number(x.value)])).toEqual([['sst2', s.accuracy.value]]);
  });

  it('a bad line is an error naming it (exit 1); --skip-bad-lines reports the rest with a warning; one-line errors for bad options', async () => {
    const broken = path.join(dir, 'broken.jsonl');
    fs.writeFileSync(broken, fs.readFileSync(records, 'utf8') + '{not json\n');
    const n = fs.readFileSync(broken, 'utf8').split('\n').length - 1;
    const refused = await runCli(['report', '--records', broken, '--format', 'json']);
    expect(refused.code).toBe(1);
    expect(refused.out).toBe('');
    expect(refused.err).toMatch(new RegExp(`report: .*broken\\.jsonl line ${n}: not valid JSON`));
    const r = await runCli(['report', '--records', broken, '--format', 'json', '--skip-bad-lines']);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(new RegExp(`report: warning: .*broken\\.jsonl line ${n}: not valid JSON`));
    expect((await report([])).err).toMatch(/--records FILE.jsonl is required/);
    expect((await report(['--records', records, '--figure', 'sideways'])).err).toMatch(/--figure must be one of in-domain, out-of-domain, cross-task/);
    expect((await report(['--records', path.join(dir, 'none.jsonl')])).code).toBe(1);
    // Sentiment sets are cross-task columns of xsum's figure, not in-domain ones.
    expect((await report(['--records', records, '--training-set', 'xsum', '--figure', 'in-domain'])).err).toMatch(/no cell of .* falls in the in-domain figure of xsum/);
    expect((await report(['--records', records, '--training-set', 'xsum', '--figure', 'cross-task'])).code).toBe(0);
  });
});
