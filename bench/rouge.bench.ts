/**
 * ROUGE-L throughput on xsum-sized pairs, against Google's rouge-score (pure-Python LCS) timed
 * in a subprocess on the very same pairs. Pairs: for each of the 500 xsum test items, the
 * first line of the article vs the reference summary, and each reference vs the next one
 * (about 20 tokens a side). Reports pairs/s for both and the ratio; also checks both sides
 * sum to the same F-measure double. Needs python3 with `pip install rouge-score` for the ratio
 * (FTLAB_PYTHON picks another interpreter); without it the ratio is skipped, not faked.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { rougeL } from '../src/core/metrics/rouge.ts';
import { PAPER_DATA, PROJECT_ROOT } from '../test/helpers/paths.ts';

type Pair = [reference: string, prediction: string];

interface PythonReport {
  ok: boolean;
  error?: string;
  version?: string;
  python?: string;
  pairs_per_s?: number;
  cpu_pairs_per_s?: number;
  fmeasure_sum?: number;
}

function xsumPairs(): Pair[] {
  const items = JSON.parse(readFileSync(path.join(PAPER_DATA, 'summary/xsum_test_500.json'), 'utf8')) as {
    input: string;
    output: string;
  }[];
  const pairs: Pair[] = items.map((item) => [item.output, item.input.split('\n')[0]]);
  items.forEach((item, k) => pairs.push([item.output, items[(k + 1) % items.length].output]));
  return pairs;
}

interface Timing {
  /** Over wall-clock time. */
  pairsPerSecond: number;
  /** Over this process's CPU time: steadier when other work shares the machine. */
  cpuPairsPerSecond: number;
  fmeasureSum: number;
}

/** Pairs per second of `rougeL` over all pairs, repeated for at least `minMs`. */
function timeTypeScript(pairs: Pair[], stem: boolean, minMs = 2000): Timing {
  let fmeasureSum = 0;
  for (const [reference, prediction] of pairs) fmeasureSum += rougeL(reference, prediction, { stem }).fmeasure;
  let rounds = 0;
  let sink = 0;
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  let elapsed = 0;
  do {
    for (const [reference, prediction] of pairs) sink += rougeL(reference, prediction, { stem }).fmeasure;
    rounds += 1;
    elapsed = performance.now() - start;
  } while (elapsed < minMs);
  const cpu = process.cpuUsage(cpuStart);
  if (Number.isNaN(sink)) throw new Error('unreachable: keeps the loop from being optimized away');
  const scored = pairs.length * rounds;
  return {
    pairsPerSecond: scored / (elapsed / 1000),
    cpuPairsPerSecond: scored / ((cpu.user + cpu.system) / 1e6),
    fmeasureSum,
  };
}

function timePython(pairsFile: string, stem: boolean): PythonReport {
  const python = process.env.FTLAB_PYTHON ?? 'python3';
  const script = path.join(PROJECT_ROOT, 'tools/rouge/bench_rouge_score.py');
  const run = spawnSync(python, [script, pairsFile, ...(stem ? ['--stem'] : []), '--min-seconds', '2'], {
    encoding: 'utf8',
  });
  if (run.error) return { ok: false, error: `${python} did not run: ${run.error.message}` };
  if (run.status !== 0) return { ok: false, error: `${python} exited ${run.status}: ${run.stderr.trim().slice(-300)}` };
  return JSON.parse(run.stdout.trim().split('\n').at(-1) ?? '{}') as PythonReport;
}

export default async function rougeBench(): Promise<void> {
  const pairs = xsumPairs();
  const dir = mkdtempSync(path.join(tmpdir(), 'ftlab-rouge-bench-'));
  const pairsFile = path.join(dir, 'pairs.json');
  writeFileSync(pairsFile, JSON.stringify(pairs));
  try {
    console.log(`${pairs.length} xsum pairs (first article line vs summary, summary vs next summary)`);
    for (const stem of [false, true]) {
      const ts = timeTypeScript(pairs, stem);
      const py = timePython(pairsFile, stem);
      const label = `rougeL${stem ? ' (stem)' : ''}`;
      const rate = (x: number) => Math.round(x).toLocaleString('en');
      console.log(`${label}: ftlab ${rate(ts.pairsPerSecond)} pairs/s wall, ${rate(ts.cpuPairsPerSecond)} pairs/s CPU`);
      if (!py.ok || py.pairs_per_s === undefined || py.cpu_pairs_per_s === undefined) {
        console.log(`${label}: rouge-score baseline skipped (${py.error ?? 'no report'}); pip install rouge-score to compare`);
        continue;
      }
      console.log(
        `${label}: rouge-score ${py.version} (Python ${py.python}) ${rate(py.pairs_per_s)} pairs/s wall, ` +
          `${rate(py.cpu_pairs_per_s)} pairs/s CPU`,
      );
      const same = py.fmeasure_sum === ts.fmeasureSum ? 'identical F sums' : `F sums DIFFER (${py.fmeasure_sum} vs ${ts.fmeasureSum})`;
      console.log(
        `${label}: ratio ${(ts.cpuPairsPerSecond / py.cpu_pairs_per_s).toFixed(1)}× on CPU time, ` +
          `${(ts.pairsPerSecond / py.pairs_per_s).toFixed(1)}× on wall time (target ≥ 20×); ${same}`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// Also runnable on its own: npx tsx bench/rouge.bench.ts
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await rougeBench();
