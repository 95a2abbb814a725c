/**
 * `ftlab eval` in-process through main(): the real cpu engine on the tiny random Llama, the
 * paper's data read in place, records in a JSON-lines file. Checks the records, that the
 * summaries are aggregateCell's over the stored records, resume (a second run loads no model),
 * cancellation between samples (through the io.signal seam) and its resume, and bad input.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { spawn } from 'node:child_process';
import { PAPER_DATA, PROJECT_ROOT } from '../helpers/paths.ts';
import { ensureTinyModels } from '../../scripts/make-tiny-model.ts';
import { main } from '../../src/cli/main.ts';
import { aggregateCell, cellKey, type CellSpec, type ClassificationRecord, type GenerationRecord, type RunMeta, type SampleRecord } from '../../src/core/run/index.ts';
import { fillPaperTemplate } from './run-cli.ts';

let modelDir: string;
let dir: string;
const maps = JSON.parse(fs.readFileSync(path.join(PAPER_DATA, 'prompt_map.json'), 'utf8')) as Record<string, string>[];
const paper = (rel: string): Record<string, string>[] => JSON.parse(fs.readFileSync(path.join(PAPER_DATA, rel), 'utf8'));

beforeAll(() => {
  modelDir = ensureTinyModels()['tiny-random-llama-f32'];
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ftlab-eval-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

interface EvalRun {
  code: number;
  out: string;
  err: string;
  summaries: Record<string, unknown>[];
}

/** main(['eval', ...]) with captured streams; `onErr` sees each stderr chunk (the cancel hook). */
async function ftlabEval(args: string[], opts: { signal?: AbortSignal; onErr?: (s: string) => void } = {}): Promise<EvalRun> {
  let out = '';
  let err = '';
  const code = await main(['eval', ...args], {
    stdin: Readable.from(['']),
    out: (s) => void (out += s),
    err: (s) => {
      err += s;
      opts.onErr?.(s);
    },
    signal: opts.signal ?? new AbortController().signal,
  });
  const summaries = out.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
  return { code, out, err, summaries };
}

function readLines(file: string): { records: SampleRecord[]; runs: RunMeta[] } {
  const parsed = fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as SampleRecord | { kind: 'run'; run: RunMeta } | { kind: 'plan' });
  return {
    // Stored-plan lines ({kind: "plan"}) are neither records nor run metadata.
    records: parsed.filter((l): l is SampleRecord => l.kind !== 'run' && l.kind !== 'plan'),
    runs: parsed.flatMap((l) => (l.kind === 'run' ? [l.run] : [])),
  };
}

/** What each summary must be: aggregateCell over the file's records of its cell. */
function expectSummariesFromFile(summaries: Record<string, unknown>[], file: string, expected: number, seed = 0): void {
  const { records } = readLines(file);
  for (const s of summaries) {
    const { cell, ...rest } = s;
    const spec = Object.fromEntries(Object.entries(rest).filter(([k]) => ['modelId', 'dataset', 'task', 'mode', 'shots', 'template', 'scoring', 'tokenization', 'maxNewTokens'].includes(k))) as unknown as CellSpec;
    expect(cell).toBe(cellKey(spec));
    const mine = records.filter((r) => r.cellKey === cell);
    expect({ cell, ...spec, ...aggregateCell(spec, mine, { expected, seed }) }).toEqual(s);
  }
}

const MODEL_ID = 'tiny-random-llama-f32';

describe('ftlab eval', () => {
  const base = (out: string): string[] => [
    '--model', modelDir, '--paper-data', PAPER_DATA, '--test-set', 'sst2,xsum', '--mode', 'zero-shot,icl', '--shots', '1',
    '--templates', '0,1', '--limit', '3', '--max-new-tokens', '8', '--out', out,
  ];

  it('runs the plan: one record per sample in the file, one summary per cell equal to aggregateCell; a rerun resumes with no model call', async () => {
    const out = path.join(dir, 'main.jsonl');
    const first = await ftlabEval(base(out));
    expect(first.err).not.toMatch(/ftlab:/);
    expect(first.code).toBe(0);
    expect(first.err).toMatch(/^eval: 8 cells, 24 samples; records go to /);
    expect(first.err).toMatch(`eval: loading ${MODEL_ID}`);
    expect(first.err.match(/^eval: cell \d\/8 done: /gm)).toHaveLength(8);
    expect(first.err).toMatch(/eval: 24 samples in [\d.]+ s \([\d.]+ samples\/s after the first\), 0 errors; records in /);

    const { records, runs } = readLines(out);
    expect(records).toHaveLength(24);
    expect(new Set(records.map((r) => `${r.cellKey}#${r.item}`)).size).toBe(24);
    const sst2 = paper('sentiment/sst2_test_500.json');
    const sst2Demo = paper('sentiment/few_shot/sst2_few_shot.json')[0];
    const xsum = paper('summary/xsum_test_500.json');
    for (const r of records) {
      expect(r).toMatchObject({ modelId: MODEL_ID, runId: runs[0].id });
      expect([0, 1, 2]).toContain(r.item);
      expect(r.promptHash).toMatch(/^[0-9a-f]{64}$/);
      expect(r.bos).toBe(r.mode === 'zero-shot');
      expect(r.timings.totalMs).toBeGreaterThan(0);
      if (r.dataset === 'sst2') {
        const c = r as ClassificationRecord;
        expect(c.kind).toBe('classification');
        expect(c.reference).toBe(sst2[r.item].output);
        const prompt = fillPaperTemplate(maps[r.template].sentiment, sst2[r.item]);
        expect(c.prompt).toBe(r.mode === 'icl' ? fillPaperTemplate(maps[r.template].sentiment, sst2Demo) + sst2Demo.output + '\n\n' + prompt : prompt);
        expect(c.labelTokenIds).toEqual([1066, 22198]);
        expect(c.labelLogprobs.every((x) => Number.isFinite(x) && x < 0)).toBe(true);
        expect(c.metric).toBe(c.prediction === c.reference ? 1 : 0);
      } else {
        const g = r as GenerationRecord;
        expect(g.kind).toBe('generation');
        expect(g.reference).toBe(xsum[r.item].output);
        expect(g.prompt.endsWith(fillPaperTemplate(maps[r.template].summary, xsum[r.item]))).toBe(true);
        expect(g.timings.newTokens).toBeLessThanOrEqual(8);
        expect(g.metric).toBe(g.rougeL.fmeasure);
      }
    }
    expect(runs.at(-1)).toMatchObject({ status: 'done', done: 24, total: 24 });
    expect(fs.existsSync(`${out}.lock`)).toBe(false);

    expect(first.summaries).toHaveLength(8);
    expect(first.summaries.map((s) => `${s.dataset} ${s.mode} ${s.shots} ${s.template}`)).toEqual([
      'sst2 zero-shot 0 0', 'sst2 zero-shot 0 1', 'sst2 icl 1 0', 'sst2 icl 1 1',
      'xsum zero-shot 0 0', 'xsum zero-shot 0 1', 'xsum icl 1 0', 'xsum icl 1 1',
    ]);
    for (const s of first.summaries) expect(s).toMatchObject({ expected: 3, n: 3, errors: 0, missing: 0 });
    expect(first.summaries[0]).toHaveProperty('accuracy.low');
    expect(first.summaries[7]).toHaveProperty('rougeL.mid');
    expectSummariesFromFile(first.summaries, out, 3);

    // The same command again: every sample is stored, so the model is never even loaded.
    const second = await ftlabEval(base(out));
    expect(second.code).toBe(0);
    expect(second.err).toMatch('resuming: 24 of 24 already done');
    expect(second.err).toMatch(', 0 to run');
    expect(second.err).not.toMatch('loading');
    expect(second.out).toBe(first.out);
    const after = readLines(out);
    expect(after.records).toEqual(records);
    expect(after.runs.at(-1)).toMatchObject({ status: 'done', done: 0, total: 0 });

    // Another bootstrap seed re-aggregates the same records.
    const seeded = await ftlabEval([...base(out), '--seed', '7']);
    expect(seeded.summaries[7]).toHaveProperty('rougeL.seed', 7);
    expectSummariesFromFile(seeded.summaries, out, 3, 7);

    // The same test set given by file keys the same cells: nothing left to run.
    const byFile = await ftlabEval([
      '--model', modelDir, '--data', path.join(PAPER_DATA, 'sentiment/sst2_test_500.json'), '--task', 'sentiment',
      '--demos', path.join(PAPER_DATA, 'sentiment/few_shot/sst2_few_shot.json'), '--mode', 'icl', '--shots', '1', '--templates', '0', '--limit', '3', '--out', out,
    ]);
    expect(byFile.code).toBe(0);
    expect(byFile.err).toMatch('resuming: 3 of 3 already done');
    expect(byFile.summaries).toEqual([first.summaries[2]]);
  });

  it('Ctrl+C (the signal) stops between samples; the file stays valid and the same command finishes the run', async () => {
    const out = path.join(dir, 'cancel.jsonl');
    // 4 cells × 3 (one template; an option is given once: a repeated list option adds to it).
    const args = ['--model', modelDir, '--paper-data', PAPER_DATA, '--test-set', 'sst2,xsum', '--mode', 'zero-shot,icl', '--shots', '1', '--templates', '0', '--limit', '3', '--out', out];
    const ac = new AbortController();
    const cancelled = await ftlabEval(args, { signal: ac.signal, onErr: (s) => s.includes('cell 2/4 done') && ac.abort() });
    expect(cancelled.code).toBe(130);
    expect(cancelled.err).toMatch('eval: cancelled after 6 of 12 samples; every finished sample is in');
    expect(cancelled.err).toMatch('run the same command again to resume');
    const partial = readLines(out);
    expect(partial.records).toHaveLength(6);
    expect(partial.runs.at(-1)).toMatchObject({ status: 'cancelled', done: 6 });
    expect(cancelled.summaries.map((s) => s.missing)).toEqual([0, 0, 3, 3]);
    expect(fs.existsSync(`${out}.lock`)).toBe(false);

    const resumed = await ftlabEval(args);
    expect(resumed.code).toBe(0);
    expect(resumed.err).toMatch('resuming: 6 of 12 already done');
    expect(resumed.err).toMatch('eval: 6 samples in');
    const full = readLines(out);
    expect(full.records).toHaveLength(12);
    expect(full.records.slice(0, 6)).toEqual(partial.records);
    expect(resumed.summaries.map((s) => s.missing)).toEqual([0, 0, 0, 0]);
    expectSummariesFromFile(resumed.summaries, out, 3);
  });

  it('a real SIGINT to `node --import tsx src/cli/main.ts eval` cancels cleanly (exit 130, lock released, every line whole)', async () => {
    const out = path.join(dir, 'sigint.jsonl');
    const args = ['eval', '--model', modelDir, '--paper-data', PAPER_DATA, '--test-set', 'xsum', '--mode', 'zero-shot', '--templates', '0', '--limit', '40', '--out', out];
    // node with tsx as a loader: the signal reaches our process as from a terminal. (The tsx CLI
    // relays signals itself and SIGKILLs a child busy for 60 ms, e.g. while loading a model.)
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(PROJECT_ROOT, 'src', 'cli', 'main.ts'), ...args], { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let stdout = '';
    let sent = false;
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      // The handler is installed before the model loads; 40 xsum samples take seconds more.
      if (!sent && stderr.includes('eval: loading')) sent = child.kill('SIGINT'); // once: a second one quits at once
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(stderr).toMatch("eval: Ctrl+C: stopping after the current sample");
    expect(code).toBe(130);
    const done = Number(/cancelled after (\d+) of 40 samples/.exec(stderr)?.[1]);
    expect(done).toBeLessThan(40);
    expect(readLines(out).records).toHaveLength(done);
    expect(readLines(out).runs.at(-1)).toMatchObject({ status: 'cancelled', done });
    expect(JSON.parse(stdout.trim())).toMatchObject({ expected: 40, n: done, missing: 40 - done });
    expect(fs.existsSync(`${out}.lock`)).toBe(false);
  }, 30_000);

  it('an unfinished last line (a crash mid-write) is dropped with a warning and redone', async () => {
    const out = path.join(dir, 'crash.jsonl');
    const args = ['--model', modelDir, '--paper-data', PAPER_DATA, '--test-set', 'sst2', '--mode', 'zero-shot', '--templates', '0', '--limit', '2', '--out', out];
    expect((await ftlabEval(args)).code).toBe(0);
    const { records } = readLines(out);
    const text = fs.readFileSync(out, 'utf8');
    // Keep record 0, then half of record 1's line: what a crash while writing it leaves.
    const line1 = JSON.stringify(records[1]);
    fs.writeFileSync(out, text.slice(0, text.indexOf(line1)) + line1.slice(0, line1.length / 2));
    const cutLine = text.slice(0, text.indexOf(line1)).split('\n').length; // after the run and plan lines
    const again = await ftlabEval(args);
    expect(again.code).toBe(0);
    expect(again.err).toMatch(new RegExp(`eval: warning: .*crash\\.jsonl line ${cutLine}: dropped an unfinished line`));
    expect(again.err).toMatch('resuming: 1 of 2 already done');
    const after = readLines(out);
    expect(after.records.map((r) => r.item)).toEqual([0, 1]);
    expect((after.records[1] as ClassificationRecord).labelLogprobs).toEqual((records[1] as ClassificationRecord).labelLogprobs);
  });

  it('fticl with the catalogue\'s pool, and the authors\' token ids with --tokenization paper-code', async () => {
    const out = path.join(dir, 'fticl.jsonl');
    const r = await ftlabEval(['--model', modelDir, '--paper-data', PAPER_DATA, '--test-set', 'sst2', '--mode', 'fticl', '--fticl-pool', 'amazon', '--shots', '2', '--templates', '0', '--limit', '2', '--out', out]);
    expect(r.code).toBe(0);
    const amazon = paper('sentiment/few_shot/amazon_few_shot.json');
    const demos = amazon.slice(0, 2).map((d) => fillPaperTemplate(maps[0].sentiment, d) + d.output + '\n\n').join('');
    const { records } = readLines(out);
    expect(records).toHaveLength(2);
    for (const rec of records) expect(rec).toMatchObject({ mode: 'fticl', shots: 2, bos: true });
    expect(records[0].prompt.startsWith(demos)).toBe(true);

    const tok = await ftlabEval(['--model', modelDir, '--paper-data', PAPER_DATA, '--test-set', 'sst2', '--mode', 'zero-shot', '--templates', '0', '--limit', '2', '--tokenization', 'paper-code', '--out', out]);
    expect(tok.code).toBe(0);
    expect(tok.summaries[0].cell).toMatch(/\|tok=paper-code$/);
    const ids = readLines(out).records.filter((x) => x.tokenization === 'paper-code');
    expect(ids).toHaveLength(2);
    // HF's tokenization of the literal "<s> " prompt: BOS, then a lone "▁" (29871).
    for (const x of ids) expect(x.promptIds?.slice(0, 2)).toEqual([1, 29871]);
  });

  it('several models: each loaded once, in order, with its own cells', async () => {
    const out = path.join(dir, 'models.jsonl');
    const models = ensureTinyModels();
    const r = await ftlabEval(['--model', models['tiny-random-llama-f32'], '--model', 'tiny-random-llama-q4f16_1', '--paper-data', PAPER_DATA, '--test-set', 'sst2', '--mode', 'zero-shot', '--templates', '0', '--limit', '2', '--out', out]);
    expect(r.code).toBe(0);
    expect(r.err.match(/eval: loading \S+/g)).toEqual(['eval: loading tiny-random-llama-f32', 'eval: loading tiny-random-llama-q4f16_1']);
    expect(r.summaries.map((x) => x.modelId)).toEqual(['tiny-random-llama-f32', 'tiny-random-llama-q4f16_1']);
    const { records } = readLines(out);
    expect(records.map((x) => `${x.modelId}#${x.item}`)).toEqual(['tiny-random-llama-f32#0', 'tiny-random-llama-f32#1', 'tiny-random-llama-q4f16_1#0', 'tiny-random-llama-q4f16_1#1']);
    // Same prompts, different weights: different scores.
    expect((records[0] as ClassificationRecord).labelLogprobs).not.toEqual((records[2] as ClassificationRecord).labelLogprobs);
    expectSummariesFromFile(r.summaries, out, 2);
  });

  it('bad input: one line, non-zero exit, and no records file', async () => {
    const out = path.join(dir, 'never.jsonl');
    const paperArgs = ['--model', modelDir, '--paper-data', PAPER_DATA, '--out', out];
    const cases: [string[], number, RegExp][] = [
      [[...paperArgs, '--test-set', 'sst3'], 1, /unknown dataset "sst3" \(use one of: .*sst2/],
      [[...paperArgs, '--test-set', 'sst2', '--limit', '0'], 2, /--limit must be ≥ 1, not 0/],
      [[...paperArgs, '--test-set', 'sst2', '--limit', '-1'], 2, /--limit must be ≥ 1, not -1/],
      [['--paper-data', PAPER_DATA, '--test-set', 'sst2', '--out', out], 2, /--model DIR is required/],
      [[...paperArgs, '--test-set', 'sst2', '--engine', 'webgpu'], 1, /runs only in a browser.*--engine cpu/],
      [['--model', modelDir, '--paper-data', PAPER_DATA, '--test-set', 'sst2'], 2, /--out FILE\.jsonl is required/],
      [['--model', 'no/such/model', '--paper-data', PAPER_DATA, '--test-set', 'sst2', '--out', out], 2, /--model no\/such\/model: no such folder/],
      [[...paperArgs, '--test-set', 'sst2', '--mode', 'fticl'], 2, /--mode fticl needs --fticl-pool NAME/],
      [[...paperArgs, '--test-set', 'sst2', '--mode', 'few-shot'], 2, /--mode must be one of zero-shot, icl, fticl, not "few-shot"/],
      [[...paperArgs, '--test-set', 'sst2', '--templates', '5'], 1, /task "sentiment" has no template 5/],
      [[...paperArgs, '--test-set', 'snli', '--mode', 'icl'], 2, /--test-set snli: the paper's data has no few-shot file/],
      [[...paperArgs, '--test-set', 'tweetqa', '--mode', 'icl', '--shots', '6'], 1, /needs 6 demonstrations; the few-shot pool has 4/],
      [[...paperArgs, '--test-set', 'sst2', '--data', 'x.json'], 2, /either by --paper-data DIR .* or by --data FILE/],
      [['--model', modelDir, '--data', path.join(PAPER_DATA, 'sentiment/sst2_test_500.json'), '--task', 'sentiment', '--out', out], 2, /--mode icl needs --demos FILE/],
      [[...paperArgs, '--test-set', 'sst2', '--label-scoring', 'best'], 2, /--label-scoring must be one of paper, in-context, full-label/],
      [['--model', modelDir, '--paper-data', PAPER_DATA, '--test-set', 'sst2', '--mode', 'zero-shot', '--out', path.join(dir, 'no', 'dir', 'r.jsonl')], 1, /cannot use .*r\.jsonl for records: .*its folder does not exist/],
    ];
    for (const [argv, code, message] of cases) {
      const r = await ftlabEval(argv);
      expect(r.code, argv.join(' ')).toBe(code);
      expect(r.out).toBe('');
      expect(r.err.trimEnd().split('\n'), argv.join(' ')).toHaveLength(1);
      expect(r.err, argv.join(' ')).toMatch(message);
    }
    expect(fs.existsSync(out)).toBe(false);

    // A records file damaged before its last line is refused, not overwritten.
    const bad = path.join(dir, 'bad.jsonl');
    fs.writeFileSync(bad, 'not json\n{}\n');
    const r = await ftlabEval(['--model', modelDir, '--paper-data', PAPER_DATA, '--test-set', 'sst2', '--mode', 'zero-shot', '--out', bad]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^ftlab: .*bad\.jsonl line 1: not valid JSON/);
    expect(fs.readFileSync(bad, 'utf8')).toBe('not json\n{}\n');
  });
});
