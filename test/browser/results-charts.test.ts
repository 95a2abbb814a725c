/**
 * The Results view's charts and accuracy comparison on the built app, with three tiny random
 * Llamas of different seeds (so their predictions differ) whose manifests say base, FT on
 * paws_train_2000 and FT on paws_train_4000 (the ids say nothing of it: only the manifests can
 * tell). Added by URL in Models, run by Batch's paws in-domain preset (which ticks them by their
 * manifests): the matrix shows the paper's printed Paws FT values beside the 2k and 4k cells; the
 * training-set-size chart's table has the matrix's numbers at 2000 and 4000; the bar chart's table
 * too, and a bar opens its cell. Two sst2 runs (FT 2k vs FT 4k) compare with the Δ accuracy and
 * McNemar p of core's own functions on the stored records. Screenshots under test-results/screenshots/.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { TINY_CONFIG, writeRandomLlama } from '../../scripts/make-tiny-model.ts';
import { formatDelta, formatP } from '../../src/core/report/format.ts';
import { mcnemar } from '../../src/core/report/significance.ts';
import type { SampleRecord } from '../../src/core/run/records.ts';
import { PAPER_DATA, PROJECT_ROOT } from '../helpers/paths.ts';
import { useBrowserHarness, type BrowserHarness } from './harness/index.ts';
import { storedRunRecords } from './harness/stored-records.ts';
import { serveStatic, type StaticServer } from './harness/server.ts';

const SHOTS = path.join(PROJECT_ROOT, 'test-results', 'screenshots');
const MODELS = [
  { id: 'tiny-model-base', seed: 11, method: 'base', training: null },
  { id: 'tiny-model-a', seed: 12, method: 'ft', training: { dataset: 'paws_train_2000', size: 2000, shots: 0 } },
  { id: 'tiny-model-b', seed: 13, method: 'ft', training: { dataset: 'paws_train_4000', size: 4000, shots: 0 } },
] as const;

let h: BrowserHarness;
let page: Page;
let data: StaticServer;
let models: StaticServer;
let appUrl: string;
let root: string;
let pawsRun = '';

useBrowserHarness(async (harness) => {
  h = harness;
  mkdirSync(SHOTS, { recursive: true });
  root = mkdtempSync(path.join(os.tmpdir(), 'ftlab-results-charts-'));
  for (const m of MODELS) {
    const dir = path.join(root, m.id);
    writeRandomLlama(dir, { id: m.id, seed: m.seed, quantization: 'q0f32', config: TINY_CONFIG });
    const manifest = JSON.parse(readFileSync(path.join(dir, 'ftlab-manifest.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(path.join(dir, 'ftlab-manifest.json'), JSON.stringify({ ...manifest, id: m.id, method: m.method, training: m.training, template: m.training ? 0 : null }));
  }
  models = await serveStatic([root]);
  data = await serveStatic([PAPER_DATA]);
  page = await h.browser.newPage();
  page.setDefaultTimeout(20_000);
  await page.setViewportSize({ width: 1280, height: 900 });
  appUrl = `${h.origin}/?catalogue=${encodeURIComponent(`${data.origin}/`)}`;
});
afterAll(async () => {
  await models?.close();
  await data?.close();
  if (root) rmSync(root, { recursive: true, force: true });
});

async function newestRunId(): Promise<string> {
  const text = (await page.getByTestId('library-row').first().locator('th .note').textContent()) ?? '';
  return text.split('·')[1].trim();
}

async function countAndRun(): Promise<string> {
  await page.getByRole('button', { name: 'Count the work' }).click();
  await page.getByTestId('work-summary').waitFor({ timeout: 60_000 });
  await page.getByRole('button', { name: 'Start' }).click();
  await expect.poll(() => page.getByTestId('run-status').textContent(), { timeout: 180_000 }).toBe('done');
  return newestRunId();
}

const runRecords = (runId: string): Promise<SampleRecord[]> => storedRunRecords(page, runId);

/** The matrix cells of one panel as "value interval (n n/expected)", by model. */
async function matrixCells(panel: string): Promise<Record<string, string>> {
  const table = page.locator(`[data-testid="matrix"][data-panel="${panel}"]`);
  await table.waitFor();
  return table.evaluate((t) => {
    const out: Record<string, string> = {};
    for (const tr of t.querySelectorAll('tbody tr')) {
      const model = tr.querySelector('th.model')?.childNodes[0]?.textContent?.trim() ?? '';
      const td = tr.querySelector('td.cell');
      out[model] = `${td?.querySelector('.value')?.textContent?.trim()} ${td?.querySelector('.interval')?.textContent?.trim()} (${td?.querySelector('.n')?.textContent?.trim()})`;
    }
    return out;
  });
}

describe('Results: charts of a study with several training-set sizes, and an accuracy comparison', () => {
  it('models added by URL carry their manifests\' method and training set; the paws preset ticks them and runs', async () => {
    await page.goto(`${appUrl}#/models`);
    for (const m of MODELS) {
      await page.getByLabel('Model folder URL').fill(`${models.origin}/${m.id}/`);
      await page.getByRole('button', { name: 'Add', exact: true }).click();
      await page.getByRole('row', { name: new RegExp(`${m.id}\\b`) }).waitFor();
    }
    expect(await page.getByRole('row', { name: /tiny-model-b\b/ }).textContent()).toMatch(/FT on paws_train_4000/);
    await page.getByRole('link', { name: 'Batch' }).click();
    await page.getByRole('radio', { name: "Preset of the paper's study" }).check();
    await page.getByLabel('Training set').selectOption('paws');
    await page.getByLabel('Setting').selectOption('in-domain');
    await page.getByRole('checkbox', { name: /^tiny-model-base/ }).check();
    for (const m of MODELS) expect(await page.getByRole('checkbox', { name: new RegExp(`^${m.id}\\b`) }).isChecked()).toBe(true);
    for (const name of [/float32/, /q4f16_1/]) expect(await page.getByRole('checkbox', { name }).isChecked()).toBe(false);
    await page.getByLabel('Shots').fill('2');
    await page.getByLabel('Shots').press('Tab');
    await page.getByLabel('map 0').check();
    await page.getByLabel('map 1').uncheck();
    await page.getByLabel('First N items').fill('12');
    await page.getByLabel('First N items').press('Tab');
    pawsRun = await countAndRun();
    expect(await page.getByTestId('plan-count').textContent()).toBe('72 of 72 samples');
  });

  it('the matrix puts the paper\'s Paws FT numbers beside the 2k and 4k cells; the training-size chart has the matrix\'s numbers', async () => {
    await page.goto(`${appUrl}#/results?plan=${encodeURIComponent(pawsRun)}&figure=in-domain`);
    const cells = await matrixCells('zero-shot-0-map0');
    expect(Object.keys(cells)).toEqual(['tiny-model-base', 'tiny-model-a', 'tiny-model-b']);
    const paper = page.locator('[data-testid="matrix"][data-panel="zero-shot-0-map0"]').getByTestId('paper-value');
    expect(await paper.allTextContents()).toEqual(['paper 81.6', 'paper 93.2']);
    const chart = page.getByTestId('line-chart').filter({ hasText: 'paws: by training-set size, zero-shot-0-map0' });
    await chart.getByRole('button', { name: 'Show the numbers as a table' }).click();
    const table = chart.getByRole('table');
    expect(await table.locator('thead th').allTextContents()).toEqual(['series', 'training examples 2000', 'training examples 4000']);
    const cellsOf = async (name: RegExp): Promise<string[]> => (await table.getByRole('row', { name }).locator('td').allTextContents()).map((t) => t.trim());
    // "value [low, high] (n 12)" as the matrix's "value [low, high] (n 12/12)".
    const asChart = (m: string): string => cells[m].replace(/\(n (\d+)\/\d+\)$/, '(n $1)');
    expect(await cellsOf(/^FT on paws/)).toEqual([asChart('tiny-model-a'), asChart('tiny-model-b')]);
    expect(await cellsOf(/^base \(tiny-model-base\)/)).toEqual([asChart('tiny-model-base'), asChart('tiny-model-base')]);
    // The paper's printed Paws FT accuracies, a series of their own (printed, not measured).
    expect(await cellsOf(/^paper: FT on paws/)).toEqual(['paper 81.6', 'paper 93.2']);
    expect(await chart.textContent()).toContain('(printed in the paper, not measured here)');
    await page.getByLabel('Theme').selectOption('light');
    await chart.scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(SHOTS, 'results-size-chart-light.png'), fullPage: true });
    await page.getByLabel('Theme').selectOption('dark');
    await page.screenshot({ path: path.join(SHOTS, 'results-size-chart-dark.png'), fullPage: true });
    await page.getByLabel('Theme').selectOption('light');
  });

  it('the bar chart of each panel: its table has the matrix\'s numbers, a bar opens its cell', async () => {
    const before = await matrixCells('icl-2-map0');
    await page.getByLabel('Draw as').selectOption('bars');
    await expect.poll(() => page.evaluate(() => location.hash)).toContain('as=bars');
    const bars = page.getByTestId('bar-chart');
    await expect.poll(() => bars.count()).toBe(2);
    expect(await page.getByTestId('matrix').count()).toBe(0);
    const icl = page.locator('[data-testid="bar-chart"][data-panel="icl-2-map0"]');
    expect(await icl.locator('svg rect').count()).toBe(3);
    expect(await icl.locator('svg path.paper').count()).toBe(2);
    await icl.getByRole('button', { name: 'Show the numbers as a table' }).click();
    const rows = icl.getByTestId('bar-table').locator('tbody tr');
    for (const m of MODELS) {
      const text = ((await rows.filter({ has: page.getByRole('rowheader', { name: m.id, exact: true }) }).getByTestId('bar-cell').textContent()) ?? '').trim();
      expect(text.startsWith(before[m.id].replace(/\(n (\d+)\/(\d+)\)$/, '(n $1/$2)'))).toBe(true);
    }
    expect(await rows.nth(1).getByTestId('bar-cell').textContent()).toContain('; paper 81.6');
    await page.screenshot({ path: path.join(SHOTS, 'results-bars-light.png'), fullPage: true });
    await page.getByLabel('Theme').selectOption('dark');
    await page.screenshot({ path: path.join(SHOTS, 'results-bars-dark.png'), fullPage: true });
    await page.getByLabel('Theme').selectOption('light');
    await icl.getByRole('link', { name: 'Open tiny-model-b on PAWS, icl 2-shot, map 0' }).click();
    await page.getByTestId('drill').waitFor();
    expect(await page.getByTestId('sample-count').textContent()).toBe('12 of 12 samples');
    expect(page.url()).toContain('as=bars');
  });

  it('two classification runs compare: Δ accuracy and McNemar\'s exact p as core computes them', async () => {
    const runOne = async (model: string, other: string): Promise<string> => {
      await page.goto(`${appUrl}#/batch`);
      await page.getByRole('radio', { name: 'Free plan' }).check();
      await page.getByRole('checkbox', { name: 'sst2', exact: true }).check();
      await page.getByRole('checkbox', { name: 'zero-shot', exact: true }).check();
      await page.getByRole('checkbox', { name: 'icl', exact: true }).uncheck();
      for (const m of MODELS) await page.getByRole('checkbox', { name: new RegExp(`^${m.id}\\b`) }).setChecked(m.id === model);
      expect(await page.getByRole('checkbox', { name: new RegExp(`^${other}\\b`) }).isChecked()).toBe(false);
      await page.getByLabel('First N items').fill('40');
      await page.getByLabel('First N items').press('Tab');
      await countAndRun();
      // This run's library row (the list is re-read as the run ends).
      const row = page.getByTestId('library-row').filter({ hasText: `${model} on sst2` });
      await expect.poll(() => row.textContent()).toMatch(/40 \/ 40.*done/);
      return ((await row.locator('th .note').textContent()) ?? '').split('·')[1].trim();
    };
    const a = await runOne('tiny-model-a', 'tiny-model-b');
    const b = await runOne('tiny-model-b', 'tiny-model-a');
    expect(new Set([pawsRun, a, b]).size).toBe(3);
    const outcomes = async (id: string): Promise<number[]> => (await runRecords(id)).filter((r) => r.kind === 'classification').sort((x, y) => x.item - y.item).map((r) => (r.kind === 'classification' ? r.metric : NaN));
    const [xa, xb] = [await outcomes(a), await outcomes(b)];
    expect(xa).toHaveLength(40);
    const m = mcnemar(xa, xb);
    // The seeds disagree on some items: a comparison with discordant pairs to count.
    expect(m.onlyA + m.onlyB).toBeGreaterThan(0);
    const mean = (xs: number[]): number => xs.reduce((s, x) => s + x, 0) / xs.length;
    // A hash navigation from Batch (the same document, as Batch's own "Open results" link): the
    // Results view, visited before these runs existed, must list them now.
    await page.goto(`${appUrl}#/results?plan=${encodeURIComponent(a)}&compare=${encodeURIComponent(b)}`);
    const cmp = page.getByTestId('compare');
    await cmp.waitFor();
    const rowTexts = await cmp.getByTestId('compare-row').allTextContents();
    expect(rowTexts, rowTexts.join('\n')).toHaveLength(1);
    expect(await cmp.getByTestId('compare-delta').textContent()).toBe(formatDelta(mean(xb) - mean(xa)));
    expect(await cmp.getByTestId('compare-p-mcnemar').textContent()).toBe(formatP(m.pExact));
    expect(await cmp.getByTestId('compare-discordant').textContent()).toBe(`${m.onlyA} / ${m.onlyB}`);
    expect(await cmp.getByTestId('compare-changed').textContent()).toBe(String(m.onlyA + m.onlyB));
    console.log(`compare FT 2k vs FT 4k (seeds 12, 13) on sst2, 40 items: Δ ${formatDelta(mean(xb) - mean(xa))} points, McNemar ${m.onlyA}/${m.onlyB} discordant, exact p ${m.pExact.toPrecision(4)}`);
    await page.getByLabel('Theme').selectOption('light');
    await page.screenshot({ path: path.join(SHOTS, 'results-compare-accuracy-light.png'), fullPage: true });
    await page.getByLabel('Theme').selectOption('dark');
    await page.screenshot({ path: path.join(SHOTS, 'results-compare-accuracy-dark.png'), fullPage: true });
    await page.getByLabel('Theme').selectOption('light');
    expect(h.browser.logs.filter((l) => !/Failed to load resource.*404/.test(l))).toEqual([]);
  });
});
