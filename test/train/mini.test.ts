/**
 * The miniature study's pipeline (train/mini/run_mini.py), short: the same command as the full
 * run with a fixed number of optimizer steps instead of a time budget (`--steps 0,30,2`: no
 * pretraining, 30 FT steps at lr 5e-3 on amazon_train_2000 with examples cut at 96 tokens, 2
 * FTICL steps, 30 amazon items), so what it computes is the same on any machine and only the
 * wall time depends on the load (64 s on the 2 idle cores here, 1.4 CPU-minutes). It checks that the pipeline completes — export-train,
 * the recipe (the FT loss falls), convert to MLC folders with the manifests the app groups by,
 * ftlab eval (30 amazon items, the paper's label-probability method), ftlab report, the table
 * with the majority baseline.
 *
 * It does NOT check that the FT model's in-domain accuracy moved off the majority baseline, as
 * issue 9 asks: at a CI-sized budget it does not. Measured (seed 1, 60 amazon items, majority
 * 0.600): with no pretraining, 60 FT steps at lr 2e-3 (examples cut at 128 tokens), 150 steps at
 * 5e-3 (96 tokens) and two whole epochs (250 steps) at 2e-3 (64 tokens, 174 s) all learned the
 * label prior only (FT loss ≈ 0.29 per target token) and answered "negative" to (nearly) every
 * item: 0.400, 0.400, 0.383; seed 2 at 150 steps: 0.567. A check that holds needs pretraining
 * (the trial: 30 min of pretraining, ~8 min of FT), i.e. a CI run of tens of minutes, so
 * this run is kept short: it proves the pipeline, not the science.
 * Needs the training venv (.ci/setup.d/30-train.sh) and ../shared/paper-data.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MINI_MODELS } from '../../src/ui/state/mini-models.svelte.ts';
import { PAPER_DATA } from '../helpers/paths.ts';
import { runPython, skipWithoutTrainPython } from '../helpers/train-python.ts';

const tmp = mkdtempSync(path.join(tmpdir(), 'ftlab-mini-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const LONG = 20 * 60_000;

/** The short run's flags (README "A miniature of the study on a CPU" names the same). */
export const SHORT_RUN = ['--steps', '0,30,2', '--ft-lr', '5e-3', '--ft-max-length', '96', '--fticl-max-length', '384', '--test-sets', 'amazon', '--icl-sets', '', '--limit', '30', '--xsum-limit', '0', '--models', 'ft', '--no-install'];

interface MiniResults {
  majority: Record<string, number>;
  scores: Record<string, Record<string, number>>;
  fine_tuning: Record<'ft' | 'fticl', { steps: number; eval_loss_before: number; eval_loss_after: number; examples: number }>;
}

describe.skipIf(skipWithoutTrainPython())('train/mini: the miniature pipeline, short', () => {
  it('completes end to end: train, convert with manifests, eval, report, the table with the majority baseline', () => {
    const out = path.join(tmp, 'run');
    const stdout = runPython('train/mini/run_mini.py', ['--out', out, '--paper-data', PAPER_DATA, '--seed', '1', ...SHORT_RUN], { timeoutMs: LONG });
    console.info(stdout);
    const r = JSON.parse(readFileSync(path.join(out, 'mini-results.json'), 'utf8')) as MiniResults;
    expect(r.fine_tuning.ft.steps).toBe(30);
    expect(r.fine_tuning.fticl.steps).toBe(2);
    expect(r.fine_tuning.ft.eval_loss_after).toBeLessThan(r.fine_tuning.ft.eval_loss_before);

    // Three MLC folders, each with the manifest the app groups by.
    for (const m of MINI_MODELS) {
      const manifest = JSON.parse(readFileSync(path.join(out, 'mlc', m.id, 'ftlab-manifest.json'), 'utf8')) as { id: string; method: string; training: { dataset: string; size: number; shots: number } | null; quantization: string };
      expect(manifest).toMatchObject({ id: m.id, method: m.method, quantization: 'q0f32' });
      expect(manifest.training).toEqual(m.method === 'base' ? null : { dataset: 'amazon_train_2000', size: 2000, shots: m.method === 'fticl' ? 2 : 0 });
      for (const f of ['mlc-chat-config.json', 'tensor-cache.json', 'tokenizer.json']) expect(existsSync(path.join(out, 'mlc', m.id, f))).toBe(true);
    }

    // ftlab report's table, then the run's own with the majority baseline.
    expect(stdout).toMatch(/mini-ft-amazon2000\s+FT on amazon/);
    expect(stdout).toMatch(/majority baseline\s+0\.\d{3}/);
    // The first 30 amazon items: 18 positive (majority 0.600); the FT model's accuracy is measured, not judged (see above).
    expect(r.majority.amazon).toBe(0.6);
    const ft = r.scores['mini-ft-amazon2000']['amazon 0-shot'];
    expect(ft).toBeGreaterThanOrEqual(0);
    expect(ft).toBeLessThanOrEqual(1);
    console.info(`mini FT on amazon (30 items): ${ft.toFixed(3)}, majority baseline ${r.majority.amazon.toFixed(3)}`);
  }, LONG);
});
