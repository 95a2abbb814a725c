/**
 * The Models view's weight-delta analysis in Chromium: mean |Δw| between two model folders,
 * computed in the engine worker over HTTP, equal to what `ftlab delta` prints for the same
 * folders. The tiny float32 model against its own 4-bit quantization: the delta is the
 * quantization error (a stand-in for a fine-tune's, which needs trained weights).
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { PROJECT_ROOT } from '../helpers/paths.ts';
import { TINY_F32, TINY_Q4 } from '../contract/tiny-models.ts';
import { PUBLIC_DIR, useBrowserHarness, type BrowserHarness } from './harness/index.ts';

let h: BrowserHarness;
let page: Page;

useBrowserHarness(async (harness) => {
  h = harness;
  page = await h.browser.newPage();
  await page.setViewportSize({ width: 1280, height: 900 });
});

interface CliReport {
  overall: { meanAbs: number; count: number };
  layers: { layer: number; meanAbs: number }[];
  other: { meanAbs: number };
}

describe('Models: the weight-delta analysis', () => {
  it('mean |Δw| per layer and overall, in the worker, equal to ftlab delta on the same folders', async () => {
    const dir = (id: string) => path.join(PUBLIC_DIR, 'models', id);
    const cli = JSON.parse(execFileSync(process.execPath, ['--import', 'tsx', path.join(PROJECT_ROOT, 'src/cli/main.ts'), 'delta', '--base', dir(TINY_F32), '--model', dir(TINY_Q4), '--json'], { cwd: PROJECT_ROOT, encoding: 'utf8' })) as CliReport;
    await page.goto(`${h.origin}/#/models`);
    await page.getByLabel('Delta base model').selectOption(TINY_F32);
    await page.getByLabel('Delta fine-tuned model').selectOption(TINY_Q4);
    await page.getByRole('button', { name: 'Compare weights' }).click();
    const overall = page.getByTestId('delta-overall');
    await overall.waitFor({ timeout: 60_000 });
    expect(Number(await overall.textContent())).toBeCloseTo(Number(cli.overall.meanAbs.toExponential(3)), 12);
    const bars = (await page.getByTestId('bar-value').allTextContents()).map(Number);
    expect(bars).toEqual([...cli.layers.map((l) => Number(l.meanAbs.toExponential(3))), Number(cli.other.meanAbs.toExponential(3))]);
    expect(cli.overall.meanAbs).toBeGreaterThan(0);
    await page.getByRole('region', { name: 'How far fine-tuning moved the weights' }).screenshot({ path: path.join(PROJECT_ROOT, 'test-results', 'screenshots', 'models-weight-delta.png') });
  });

  it('the same model on both sides is refused with a next step', async () => {
    await page.getByLabel('Delta fine-tuned model').selectOption(TINY_F32);
    await page.getByRole('button', { name: 'Compare weights' }).click();
    await expect.poll(() => page.getByRole('region', { name: 'How far fine-tuning moved the weights' }).getByRole('alert').textContent()).toMatch(/both sides are tiny-random-llama-f32.*What to do: pick the base model/);
  });
});
