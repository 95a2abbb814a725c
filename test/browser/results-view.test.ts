/**
 * The Results view on the built app, with records `ftlab eval` wrote on the tiny models (run in
 * this test, in Node): imported unchanged, the matrix shows the numbers `ftlab report` prints;
 * a confusion-matrix square filters the samples down to one sample's prompt; two runs compare
 * (two models on the same summary cells); an export imported into a fresh browser profile shows the same
 * matrix; the Batch view's #/results?plan=<id> link opens that run; presentation mode steps
 * figures. Screenshots under test-results/screenshots/.
 */
import fs, { mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { PAPER_DATA, PROJECT_ROOT } from '../helpers/paths.ts';
import { ensureTinyModels } from '../../scripts/make-tiny-model.ts';
import { runCli } from '../cli/run-cli.ts';
import { formatDelta, formatInterval, formatMetric, type StudyFigure } from '../../src/core/report/index.ts';
import { useBrowserHarness, type BrowserHarness } from './harness/index.ts';
import { launchChromium } from './harness/chromium.ts';

const SHOTS = path.join(PROJECT_ROOT, 'test-results', 'screenshots');
let h: BrowserHarness;
let page: Page;
let dir: string;
let fileA: string;
let fileC: string;
let fileD: string;
let figureA: StudyFigure;

useBrowserHarness(async (harness) => {
  h = harness;
  mkdirSync(SHOTS, { recursive: true });
  const models = ensureTinyModels();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ftlab-results-view-'));
  fileA = path.join(dir, 'protocol.jsonl');
  fileC = path.join(dir, 'xsum-f32.jsonl');
  fileD = path.join(dir, 'xsum-q4f16_1.jsonl');
  const common = ['--paper-data', PAPER_DATA, '--mode', 'zero-shot', '--templates', '0'];
  // 2 models × 2 test sets × (zero-shot, icl 2-shot) × 5 items: two panels per figure, a shots chart per test set.
  expect((await runCli(['eval', '--model', models['tiny-random-llama-f32'], '--model', 'tiny-random-llama-q4f16_1', '--paper-data', PAPER_DATA, '--mode', 'zero-shot,icl', '--shots', '2', '--templates', '0', '--test-set', 'amazon,sst2', '--limit', '5', '--out', fileA])).code).toBe(0);
  // Two runs of the same summary cells on two models (the f32 weights and their q4f16_1 quantization).
  expect((await runCli(['eval', '--model', models['tiny-random-llama-f32'], ...common, '--test-set', 'xsum', '--limit', '4', '--out', fileC])).code).toBe(0);
  expect((await runCli(['eval', '--model', models['tiny-random-llama-q4f16_1'], ...common, '--test-set', 'xsum', '--limit', '4', '--out', fileD])).code).toBe(0);
  const ra = await runCli(['report', '--records', fileA, '--format', 'json']);
  expect(ra.code).toBe(0);
  figureA = ra.lines[0] as unknown as StudyFigure;
  page = await h.browser.newPage();
  await page.setViewportSize({ width: 1280, height: 900 });
});
afterAll(() => dir && fs.rmSync(dir, { recursive: true, force: true }));

/** Each cell of the page's matrices (a column group × a panel each) as "value interval" text, by panel, model and column title. */
async function matrixNumbers(p: Page): Promise<Record<string, string>> {
  await p.getByTestId('matrix').first().waitFor();
  const parts = await p.getByTestId('matrix').evaluateAll((tables) => tables.map((table) => {
    const out: Record<string, string> = {};
    const panel = table.getAttribute('data-panel') ?? '';
    const heads = [...table.querySelectorAll('thead tr:last-child th')].slice(2).map((t) => t.textContent?.trim() ?? '');
    for (const tr of table.querySelectorAll('tbody tr')) {
      const model = tr.querySelector('th.model')?.textContent?.trim() ?? '';
      tr.querySelectorAll('td.cell').forEach((td, j) => {
        out[`${panel}: ${model} @ ${heads[j]}`] = `${td.querySelector('.value')?.textContent?.trim()} ${td.querySelector('.interval')?.textContent?.trim() ?? ''}`;
      });
    }
    return out;
  }));
  return Object.assign({}, ...parts) as Record<string, string>;
}

/** What `ftlab report` printed, in the same shape. */
function reportNumbers(f: StudyFigure): Record<string, string> {
  const out: Record<string, string> = {};
  for (const panel of f.panels) f.rows.forEach((r, i) => f.columns.forEach((c, j) => (out[`${panel.id}: ${r.modelId} @ ${c.title}`] = `${formatMetric(panel.cells[i][j].value)} ${formatInterval(panel.cells[i][j])}`)));
  return out;
}

/** Imports a file and waits for its own summary (each import numbers its summary). */
async function importFile(p: Page, file: string): Promise<void> {
  const summary = p.getByTestId('import-summary');
  const before = (await summary.count()) > 0 ? Number(await summary.getAttribute('data-import')) : 0;
  await p.getByLabel('Results file').setInputFiles(file);
  await expect.poll(async () => ((await summary.count()) > 0 ? Number(await summary.getAttribute('data-import')) : 0), { timeout: 30_000 }).toBeGreaterThan(before);
  expect(await summary.textContent()).toMatch(/Imported \d+ new records/);
  // The import opens its run.
  await p.getByTestId('matrix').first().waitFor();
}

describe('the Results view', () => {
  it('records from `ftlab eval`, imported unchanged, show the numbers `ftlab report` prints', async () => {
    await page.goto(`${h.origin}/#/results`);
    await page.getByRole('heading', { name: 'Results', exact: true }).waitFor();
    await page.getByText('No stored run yet').waitFor();
    await importFile(page, fileA);
    expect(await page.getByTestId('import-summary').textContent()).toMatch(/Imported 40 new records \(0 already stored/);
    expect(figureA.panels.map((p) => p.id)).toEqual(['zero-shot-0-map0', 'icl-2-map0']);
    expect(Object.keys(await matrixNumbers(page))).toHaveLength(8);
    expect(await matrixNumbers(page)).toEqual(reportNumbers(figureA));
    // The shots chart of amazon: its table has report's numbers (x = 0 zero-shot, x = 2 icl).
    const chart = page.getByTestId('line-chart').filter({ hasText: 'amazon: icl by shots' });
    await chart.getByRole('button', { name: 'Show the numbers as a table' }).click();
    const row = await chart.getByRole('row', { name: /^tiny-random-llama-f32/ }).textContent();
    const f32 = figureA.rows.findIndex((r) => r.modelId === 'tiny-random-llama-f32');
    const amazon = figureA.columns.findIndex((c) => c.dataset === 'amazon');
    for (const panel of figureA.panels) expect(row).toContain(`${formatMetric(panel.cells[f32][amazon].value)} ${formatInterval(panel.cells[f32][amazon])} (n 5)`);
    // Fewer than 10 samples per cell: the cells say so.
    expect(await page.getByTestId('cell-state').first().textContent()).toBe('too few samples');
    // The same file again adds nothing and loses nothing.
    await importFile(page, fileA);
    expect(await page.getByTestId('import-summary').textContent()).toMatch(/Imported 0 new records \(40 already stored/);
    await page.getByLabel('Theme').selectOption('light');
    await page.screenshot({ path: path.join(SHOTS, 'results-light.png'), fullPage: true });
    await page.getByLabel('Theme').selectOption('dark');
    await page.screenshot({ path: path.join(SHOTS, 'results-dark.png'), fullPage: true });
    await page.getByLabel('Theme').selectOption('light');
  });

  it('a cell opens its samples; a confusion-matrix square filters them; a sample shows its exact prompt', async () => {
    await page.getByRole('link', { name: 'Open tiny-random-llama-f32 on Amazon, zero-shot, map 0' }).click();
    const drill = page.getByTestId('drill');
    await drill.getByTestId('confusion').waitFor();
    expect(await drill.getByTestId('sample-count').textContent()).toBe('5 of 5 samples');
    const squares = drill.getByTestId('confusion').locator('td button');
    const counts = (await squares.allTextContents()).map(Number);
    expect(counts.reduce((s, x) => s + x, 0)).toBe(5);
    const k = counts.findIndex((c) => c > 0 && c < 5) >= 0 ? counts.findIndex((c) => c > 0 && c < 5) : counts.findIndex((c) => c > 0);
    const label = (await squares.nth(k).getAttribute('aria-label'))!;
    const [, gold, predicted] = /gold (\S+), predicted (\S+):/.exec(label)!;
    await squares.nth(k).click();
    await expect.poll(() => drill.getByTestId('sample-count').textContent()).toBe(`${counts[k]} of 5 samples`);
    expect(await drill.getByTestId('sample-row').count()).toBe(counts[k]);
    expect(page.url()).toContain(`gold=${gold}`);
    expect(page.url()).toContain(`predicted=${predicted}`);
    await drill.getByTestId('sample-row').first().getByRole('link').click();
    const prompt = await drill.getByTestId('sample-prompt').textContent();
    const item = Number(/sample=(\d+)/.exec(page.url())![1]);
    const rec = fs.readFileSync(fileA, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { modelId?: string; dataset?: string; mode?: string; item?: number; prompt?: string; prediction?: string; reference?: string }).find((r) => r.modelId === 'tiny-random-llama-f32' && r.dataset === 'amazon' && r.mode === 'zero-shot' && r.item === item)!;
    expect(prompt).toBe(rec.prompt);
    expect([rec.reference, rec.prediction]).toEqual([gold, predicted]);
    // The URL holds the drill state: a reload shows the same sample.
    await page.reload();
    await expect.poll(() => page.getByTestId('sample-prompt').textContent()).toBe(rec.prompt);
    await page.screenshot({ path: path.join(SHOTS, 'results-drill-light.png'), fullPage: true });
  });

  it('two runs of the same cells compare: Δ ROUGE-L with its paired bootstrap, changed samples side by side', async () => {
    await importFile(page, fileC);
    await importFile(page, fileD);
    const planD = /; run (.+)\.$/.exec((await page.getByTestId('import-summary').textContent())!)![1];
    const planOf = async (): Promise<string> => new URLSearchParams((await page.evaluate(() => location.hash)).split('?')[1] ?? '').get('plan') ?? '';
    await expect.poll(planOf).toBe(planD); // the import opened run D
    await page.goBack(); // to run C
    await expect.poll(planOf).not.toBe(planD);
    const planC = await planOf();
    await page.getByRole('link', { name: `Compare ${planC} with ${planD}` }).click();
    const cmp = page.getByTestId('compare');
    await cmp.waitFor();
    expect(await cmp.getByTestId('compare-row').count()).toBe(1);
    // Δ = mean ROUGE-L F of D − of C over the 4 paired items, from the files themselves.
    const metrics = (file: string): number[] => fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { kind?: string; item?: number; metric?: number }).filter((r) => r.kind === 'generation').sort((x, y) => x.item! - y.item!).map((r) => r.metric!);
    const [mc, md] = [metrics(fileC), metrics(fileD)];
    expect(mc).toHaveLength(4);
    const mean = (xs: number[]): number => xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(await cmp.getByTestId('compare-delta').textContent()).toBe(formatDelta(mean(md) - mean(mc)));
    await cmp.getByRole('button', { name: /^Side by side: tiny-random-llama-f32 on xsum/ }).click();
    await cmp.getByTestId('pair-count').waitFor();
    expect(await cmp.getByTestId('pair-row').count()).toBe(4);
    await cmp.getByRole('checkbox', { name: 'Changed only' }).check();
    const changed = Number(/\((\d+) changed\)/.exec((await cmp.getByTestId('pair-count').textContent())!)![1]);
    const outputs = (file: string): string[] => fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { kind?: string; item?: number; prediction?: string }).filter((r) => r.kind === 'generation').sort((x, y) => x.item! - y.item!).map((r) => r.prediction!);
    const [oc, od] = [outputs(fileC), outputs(fileD)];
    expect(changed).toBe(oc.filter((o, i) => o !== od[i]).length);
    await expect.poll(() => cmp.getByTestId('pair-row').count()).toBe(changed);
    expect(page.url()).toContain('changed=1');
    await page.screenshot({ path: path.join(SHOTS, 'results-compare-light.png'), fullPage: true });
    await cmp.getByRole('button', { name: 'Stop comparing' }).click();
  });

  it('export JSONL and JSON, import each into a fresh browser profile: the same matrix', async () => {
    await page.goto(`${h.origin}/#/results`);
    // Open each run through the Batch view's link form; run A is the one with report's numbers for fileA.
    const ids = await page.getByRole('table', { name: 'Stored runs' }).locator('tbody tr th .note').allTextContents();
    expect(ids).toHaveLength(3);
    let idA = '';
    for (const id of ids) {
      await page.goto(`${h.origin}/#/results?plan=${encodeURIComponent(id)}`);
      await expect.poll(() => page.getByRole('table', { name: 'Stored runs' }).locator('tr[aria-current="true"] th .note').textContent()).toBe(id);
      if (isDeepStrictEqual(await matrixNumbers(page), reportNumbers(figureA))) idA ||= id;
    }
    expect(idA).not.toBe('');
    await page.goto(`${h.origin}/#/results?plan=${encodeURIComponent(idA)}`);
    const before = await matrixNumbers(page);
    expect(before).toEqual(reportNumbers(figureA));
    const fresh = await launchChromium();
    try {
      for (const kind of ['JSONL', 'JSON'] as const) {
        const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: new RegExp(`^${kind} \\(`) }).click()]);
        const saved = path.join(dir, `export-${kind}.${kind.toLowerCase()}`);
        await download.saveAs(saved);
        const other = await fresh.newPage();
        await other.goto(`${h.origin}/#/results`);
        await importFile(other, saved);
        expect(await matrixNumbers(other)).toEqual(before);
        await other.close();
      }
    } finally {
      await fresh.close();
    }
  });

  it('presentation mode: a figure fills the screen, arrow keys step figures', async () => {
    await page.getByRole('checkbox', { name: 'Presentation mode' }).click();
    await page.getByTestId('presentation').waitFor();
    expect(await page.getByRole('navigation', { name: 'Views' }).count()).toBe(0);
    expect(await page.getByTestId('matrix').count()).toBe(1);
    expect(page.url()).toContain('present=1');
    await page.setViewportSize({ width: 1280, height: 720 });
    await page.screenshot({ path: path.join(SHOTS, 'results-presentation-1280x720.png') });
    await page.keyboard.press('ArrowRight');
    await expect.poll(() => page.evaluate(() => location.hash)).toContain('panel=icl-2-map0');
    expect(await page.getByTestId('matrix').getAttribute('aria-label')).toMatch(/in-domain · icl 2-shot/);
    await page.keyboard.press('ArrowRight');
    await expect.poll(() => page.evaluate(() => location.hash)).toContain('figure=out-of-domain');
    expect(page.url()).toContain('panel=zero-shot-0-map0');
    expect(await page.getByTestId('matrix').getAttribute('aria-label')).toMatch(/out-of-domain · zero-shot/);
    await page.keyboard.press('ArrowLeft');
    await expect.poll(() => page.evaluate(() => location.hash)).toContain('figure=in-domain');
    await page.getByRole('button', { name: 'Exit presentation' }).click();
    await page.getByRole('navigation', { name: 'Views' }).waitFor();
    await page.setViewportSize({ width: 1280, height: 900 });
    expect(h.browser.logs.filter((l) => !/Failed to load resource.*404/.test(l))).toEqual([]);
  });
});
