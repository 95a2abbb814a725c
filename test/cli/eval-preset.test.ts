/**
 * `ftlab eval --preset TRAINING_SET:SETTING` (the Batch view's presets from the terminal) and
 * `--estimate` (the work before it runs, with the model's own tokenizer and context window).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PAPER_DATA } from '../helpers/paths.ts';
import { ensureTinyModels } from '../../scripts/make-tiny-model.ts';
import { runCli } from './run-cli.ts';

let model: string;
let dir: string;
beforeAll(() => {
  model = ensureTinyModels()['tiny-random-llama-f32'];
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ftlab-preset-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('ftlab eval --preset / --estimate', () => {
  it('estimates the xsum out-of-domain preset: pdfs and cnn cells, cnn 4-shot over a 1k window listed, no file written', async () => {
    const out = path.join(dir, 'x.jsonl');
    const r = await runCli(['eval', '--model', model, '--context-window', '1024', '--paper-data', PAPER_DATA, '--preset', 'xsum:out-of-domain', '--mode', 'icl', '--shots', '4', '--templates', '0', '--limit', '2', '--estimate', '--out', out]);
    expect(r.code).toBe(0);
    const { estimate } = r.lines[0] as { estimate: { cells: number; samples: number; maxNewTokens: number; overContext: { dataset: string; promptTokens: number; contextWindow: number }[] } };
    expect([estimate.cells, estimate.samples, estimate.maxNewTokens]).toEqual([2, 4, 240]);
    expect(estimate.overContext.length).toBeGreaterThan(0);
    expect(estimate.overContext.every((o) => o.dataset === 'cnn' && o.contextWindow === 1024 && o.promptTokens > 1024 - 60)).toBe(true);
    expect(fs.existsSync(out)).toBe(false);
  });

  it('runs a preset like the same test sets named by hand', async () => {
    const a = await runCli(['eval', '--model', model, '--paper-data', PAPER_DATA, '--preset', 'paws:in-domain', '--mode', 'zero-shot', '--templates', '0', '--limit', '2', '--out', path.join(dir, 'a.jsonl')]);
    const b = await runCli(['eval', '--model', model, '--paper-data', PAPER_DATA, '--test-set', 'paws', '--mode', 'zero-shot', '--templates', '0', '--limit', '2', '--out', path.join(dir, 'b.jsonl')]);
    expect(a.code).toBe(0);
    expect(a.lines).toEqual(b.lines);
    const bad = await runCli(['eval', '--model', model, '--paper-data', PAPER_DATA, '--preset', 'paws:sideways', '--out', path.join(dir, 'c.jsonl')]);
    expect(bad.err).toMatch(/--preset must be TRAINING_SET:SETTING/);
  });
});
