/**
 * The Evaluate panel in the real app, on the tiny cpu model: pick the paper's sst2 test file and
 * its few-shot file (read in place from the shared data), plan zero-shot + ICL 2-shot on map 0
 * over the first 3 items, run, read the cells and a sample (its prompt is the one the core
 * builds in Node, byte for byte), export a cell; reload, reload the model, run the same plan
 * again: all 6 samples come from IndexedDB; FTICL cells from a pool file. A malformed file names
 * its item and field; a summarization plan shows a ROUGE-L cell, stored samples of another
 * new-token budget are other cells, a cell's records can be deleted, and Escape cancels a long generation between samples.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import { parseDataset } from '../../src/core/datasets/index.ts';
import { buildPrompt } from '../../src/core/prompts/index.ts';
import { SENTIMENT } from '../../src/core/tasks/index.ts';
import type { SampleRecord } from '../../src/core/run/index.ts';
import { PAPER_DATA } from '../helpers/paths.ts';
import { useBrowserHarness, type BrowserHarness } from './harness/index.ts';

const MODEL = 'tiny-random-llama-f32';
const SST2 = path.join(PAPER_DATA, 'sentiment', 'sst2_test_500.json');
const SST2_FEW = path.join(PAPER_DATA, 'sentiment', 'few_shot', 'sst2_few_shot.json');
const XSUM = path.join(PAPER_DATA, 'summary', 'xsum_test_500.json');
const AMAZON_FEW = path.join(PAPER_DATA, 'sentiment', 'few_shot', 'amazon_few_shot.json');

let h: BrowserHarness;
let page: Page;
let panel: Locator;
const tmp = mkdtempSync(path.join(tmpdir(), 'ftlab-eval-'));

useBrowserHarness(async (harness) => {
  h = harness;
  page = await h.browser.newPage();
  page.setDefaultTimeout(15_000);
});

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function pressOn(target: Locator, key = 'Enter'): Promise<void> {
  await target.focus();
  await page.keyboard.press(key);
}

async function openAppAndLoadModel(): Promise<void> {
  // Via a blank page: going to the same URL with a hash is a same-document navigation, not a reload.
  await page.goto('about:blank');
  await page.goto(`${h.origin}/#/evaluate`);
  panel = page.getByTestId('evaluate-panel');
  await expect.poll(() => page.locator('#model-choice').inputValue()).toBe(MODEL);
  await pressOn(page.getByRole('button', { name: 'Load', exact: true }));
  await page.getByTestId('loaded-model').waitFor({ timeout: 30_000 });
}

/** Picks sst2's test and few-shot files and sets the plan: zero-shot + icl 2-shot, map 0, first 3 items. */
async function planSst2(): Promise<void> {
  await panel.getByLabel('Test file').setInputFiles(SST2);
  await expect.poll(() => panel.getByTestId('eval-test-status').textContent()).toMatch(/sst2_test_500\.json: 500 items \(the paper's sst2_test_500\)/);
  expect(await panel.locator('#eval-test-task').inputValue()).toBe('sentiment');
  expect(await panel.getByLabel(/Test set name/).inputValue()).toBe('sst2');
  await panel.getByLabel('Few-shot file').setInputFiles(SST2_FEW);
  await expect.poll(() => panel.getByTestId('eval-fewshot-status').textContent()).toMatch(/8 items/);
  // The paper's shots for sentiment come as the default.
  expect(await panel.getByLabel('Shots').inputValue()).toBe('2, 4, 6');
  expect(await panel.getByLabel('zero-shot').isChecked()).toBe(true);
  expect(await panel.getByLabel('icl', { exact: true }).isChecked()).toBe(true);
  await panel.getByLabel('Shots').fill('2');
  await panel.getByLabel('map 1').uncheck();
  await panel.getByLabel('First N items').fill('3');
  await expect.poll(() => panel.getByTestId('eval-plan-summary').textContent()).toMatch(new RegExp(`2 cells × 3 items = 6 samples on ${MODEL}\\.`));
}

async function runAndWait(): Promise<string> {
  await pressOn(panel.getByRole('button', { name: 'Run', exact: true }));
  const outcome = panel.getByTestId('eval-outcome');
  await outcome.waitFor({ timeout: 60_000 });
  return (await outcome.textContent())!.trim();
}

const cellRow = (mode: string): Locator => panel.locator(`tr[data-cell-key*="|mode=${mode}|"]`);

describe('Evaluate panel', () => {
  let firstRunId = '';

  it('runs zero-shot and 2-shot ICL on the first 3 sst2 items and shows two accuracy cells', async () => {
    await openAppAndLoadModel();
    await planSst2();
    const t0 = Date.now();
    expect(await runAndWait()).toBe('Finished: 6 new samples.');
    const seconds = (Date.now() - t0) / 1000;
    const rows = panel.getByTestId('eval-results').locator('tbody tr');
    expect(await rows.count()).toBe(2);
    for (const mode of ['zero-shot', 'icl']) {
      expect(await cellRow(mode).getByTestId('cell-n').textContent()).toBe('3');
      expect(await cellRow(mode).getByTestId('cell-errors').textContent()).toBe('0');
      expect(await cellRow(mode).getByTestId('cell-metric').textContent()).toMatch(/^accuracy \d+\.\d% \[\d+\.\d%, \d+\.\d%\] \([0-3]\/3\)$/);
    }
    const rate = await panel.getByTestId('eval-rate').textContent();
    expect(rate).toMatch(/samples\/s/);
    console.log(`evaluate panel: 6 sst2 samples on ${MODEL} (cpu, Chromium) in ${seconds.toFixed(1)} s incl. first load of the runner; meter: ${rate}`);
  });

  it('shows a sample: the prompt the core builds in Node, its hash, BOS and the paper\'s label ids', async () => {
    await pressOn(cellRow('icl').getByRole('button'));
    const grid = panel.getByTestId('eval-samples');
    await grid.waitFor();
    expect(await grid.locator('tbody tr').count()).toBe(3);
    await pressOn(grid.getByRole('button', { name: '#0' }));
    const sample = panel.getByTestId('eval-sample');
    await sample.waitFor();

    const items = parseDataset(readFileSync(SST2, 'utf8'), { task: SENTIMENT, source: 'sst2_test_500.json' }).items;
    const demos = parseDataset(readFileSync(SST2_FEW, 'utf8'), { task: SENTIMENT, source: 'sst2_few_shot.json' }).items;
    const expected = buildPrompt(SENTIMENT, items[0], { mode: 'icl', shots: 2, demos, template: 0, countTokens: false });
    const shown = await sample.getByTestId('sample-prompt').textContent();
    expect(shown).toBe(expected.text);
    expect(shown).toContain('\n\n');
    expect(await sample.getByTestId('sample-bos').textContent()).toBe('no');
    expect(await sample.getByTestId('sample-hash').textContent()).toMatch(/^[0-9a-f]{64}$/);
    expect(await sample.getByTestId('sample-reference').textContent()).toBe(items[0].output);
    const labelRows = sample.getByTestId('sample-labels').locator('tbody tr');
    const cells = async (i: number): Promise<string[]> => (await labelRows.nth(i).locator('th, td').allTextContents()).map((t) => t.trim());
    const [pos, neg] = [await cells(0), await cells(1)];
    expect(pos.slice(0, 2)).toEqual(['positive', '1066']);
    expect(neg.slice(0, 2)).toEqual(['negative', '22198']);
    for (const row of [pos, neg]) {
      expect(row[2]).toMatch(/^-\d+\.\d{4}$/);
      expect(row[3]).toMatch(/^\d+\.\d%$/);
    }
    expect(Number.parseFloat(pos[3]) + Number.parseFloat(neg[3])).toBeCloseTo(100, 0);
    firstRunId = /run (\S+)$/.exec((await sample.getByTestId('sample-timings').textContent())!.trim())![1];

    // The zero-shot prompt starts with BOS.
    await pressOn(cellRow('zero-shot').getByRole('button'));
    await pressOn(grid.getByRole('button', { name: '#1' }));
    expect(await sample.getByTestId('sample-bos').textContent()).toBe('yes');
    expect(await sample.getByTestId('sample-prompt').textContent()).toBe(buildPrompt(SENTIMENT, items[1], { mode: 'zero-shot', template: 0, countTokens: false }).text);
  });

  it('filters the samples and exports the cell as JSON lines', async () => {
    const grid = panel.getByTestId('eval-samples');
    await grid.getByLabel('Show').selectOption('error');
    expect(await grid.getByTestId('samples-count').textContent()).toBe('0 of 3 shown');
    await grid.getByLabel('Show').selectOption('all');
    await grid.getByLabel('Filter').fill('no-such-text-anywhere');
    expect(await grid.getByTestId('samples-count').textContent()).toBe('0 of 3 shown');
    await grid.getByLabel('Filter').fill('');

    const [download] = await Promise.all([page.waitForEvent('download'), grid.getByRole('button', { name: 'Export cell (JSONL)' }).click()]);
    expect(download.suggestedFilename()).toBe(`ftlab_${MODEL}_sst2_zero-shot_0shot_map0_paper.jsonl`);
    const lines = readFileSync((await download.path())!, 'utf8').trimEnd().split('\n');
    const records = lines.map((l) => JSON.parse(l) as SampleRecord);
    expect(records.map((r) => r.item)).toEqual([0, 1, 2]);
    expect(records.every((r) => r.kind === 'classification' && r.mode === 'zero-shot' && r.dataset === 'sst2')).toBe(true);
  });

  it('after a reload and a model reload, the same plan finds all 6 samples stored and runs none', async () => {
    await openAppAndLoadModel();
    await planSst2();
    expect(await runAndWait()).toBe('Finished: 0 new samples, 6 already done.');
    expect(await panel.getByTestId('eval-skipped').textContent()).toBe('6 already done');
    for (const mode of ['zero-shot', 'icl']) expect(await cellRow(mode).getByTestId('cell-n').textContent()).toBe('3');
    await pressOn(cellRow('icl').getByRole('button'));
    await pressOn(panel.getByTestId('eval-samples').getByRole('button', { name: '#0' }));
    expect((await panel.getByTestId('sample-timings').textContent())!.trim().endsWith(`run ${firstRunId}`)).toBe(true);
  });

  it('adds FTICL cells from a pool file: the pool\'s demos after BOS', async () => {
    // Before a pool is picked, its task follows the test set's.
    expect(await panel.locator('#eval-fticl-task').inputValue()).toBe('sentiment');
    await panel.getByLabel('FTICL pool').setInputFiles(AMAZON_FEW);
    await expect.poll(() => panel.getByTestId('eval-fticl-status').textContent()).toMatch(/amazon_few_shot\.json: 8 items/);
    await panel.getByLabel('fticl', { exact: true }).check();
    await expect.poll(() => panel.getByTestId('eval-plan-summary').textContent()).toMatch(/3 cells × 3 items = 9 samples/);
    expect(await runAndWait()).toBe('Finished: 3 new samples, 6 already done.');
    expect(await cellRow('fticl').getByTestId('cell-n').textContent()).toBe('3');
    await pressOn(cellRow('fticl').getByRole('button'));
    await pressOn(panel.getByTestId('eval-samples').getByRole('button', { name: '#2' }));
    const items = parseDataset(readFileSync(SST2, 'utf8'), { task: SENTIMENT, source: 'sst2_test_500.json' }).items;
    const pool = parseDataset(readFileSync(AMAZON_FEW, 'utf8'), { task: SENTIMENT, source: 'amazon_few_shot.json' }).items;
    const expected = buildPrompt(SENTIMENT, items[2], { mode: 'fticl', shots: 2, demos: pool, template: 0, countTokens: false });
    expect(await panel.getByTestId('sample-prompt').textContent()).toBe(expected.text);
    expect(await panel.getByTestId('sample-bos').textContent()).toBe('yes');
    await panel.getByLabel('fticl', { exact: true }).uncheck();
  });

  it('names the item and the field of a malformed file, and will not run it', async () => {
    const bad = path.join(tmp, 'my_reviews.json');
    writeFileSync(bad, JSON.stringify([{ input: 'a fine film', output: 'positive' }, { output: 'negative' }]));
    await panel.getByLabel('Test file').setInputFiles(bad);
    const message = panel.getByTestId('eval-test-error-message');
    await message.waitFor();
    expect(await message.textContent()).toBe('my_reviews.json: item 1: field "input" is missing');
    expect(await panel.getByRole('button', { name: 'Run', exact: true }).isDisabled()).toBe(true);
    expect(await panel.getByTestId('eval-blocker').textContent()).toMatch(/test file cannot be used/);
  });

  it('runs a small summarization plan and shows a ROUGE-L cell', async () => {
    await panel.getByLabel('Test file').setInputFiles(XSUM);
    await expect.poll(() => panel.getByTestId('eval-test-status').textContent()).toMatch(/500 items/);
    expect(await panel.locator('#eval-test-task').inputValue()).toBe('summary');
    await panel.getByLabel('icl', { exact: true }).uncheck();
    await panel.getByLabel('First N items').fill('2');
    await panel.getByLabel('Max new tokens').fill('8');
    await expect.poll(() => panel.getByTestId('eval-plan-summary').textContent()).toMatch(/1 cell × 2 items = 2 samples/);
    expect(await runAndWait()).toBe('Finished: 2 new samples.');
    const row = cellRow('zero-shot');
    expect(await row.getByTestId('cell-n').textContent()).toBe('2');
    expect(await row.getByTestId('cell-metric').textContent()).toMatch(/^ROUGE-L \d\.\d{4} \[\d\.\d{4}, \d\.\d{4}\] \(bootstrap mid, seed 0; mean \d\.\d{4}\)$/);
    // Focus is back on Run once the run is over.
    expect(await panel.getByRole('button', { name: 'Run', exact: true }).evaluate((el) => el === document.activeElement)).toBe(true);
  });

  it('keys generation cells by their new-token budget, and deletes a cell\'s records', async () => {
    // The 8-token samples of the run above belong to another cell than a 10-token budget's.
    await panel.getByLabel('Max new tokens').fill('10');
    await pressOn(panel.getByRole('button', { name: 'Show stored results' }));
    await expect.poll(() => cellRow('zero-shot').getAttribute('data-cell-key')).toMatch(/\|max=10$/);
    await expect.poll(() => cellRow('zero-shot').getByTestId('cell-n').textContent()).toBe('0 (2 to go)');
    await panel.getByLabel('Max new tokens').fill('8');
    await pressOn(panel.getByRole('button', { name: 'Show stored results' }));
    await expect.poll(() => cellRow('zero-shot').getAttribute('data-cell-key')).toMatch(/\|max=8$/);
    await expect.poll(() => cellRow('zero-shot').getByTestId('cell-n').textContent()).toBe('2');
    await pressOn(cellRow('zero-shot').getByRole('button'));
    await pressOn(panel.getByRole('button', { name: 'Delete records…' }));
    await pressOn(panel.getByRole('group', { name: 'Confirm delete' }).getByRole('button', { name: 'Delete' }));
    await expect.poll(() => cellRow('zero-shot').getByTestId('cell-n').textContent()).toBe('0 (2 to go)');
    expect(await cellRow('zero-shot').getByTestId('cell-metric').textContent()).toBe('–');
  });

  it('cancels a long generation with Escape: the finished sample is stored, the one in flight is not', async () => {
    await panel.getByLabel('Max new tokens').fill('1500');
    await pressOn(panel.getByRole('button', { name: 'Run', exact: true }));
    // Focus went to Cancel; Escape there (or anywhere in the panel) cancels.
    await expect.poll(() => panel.getByRole('button', { name: 'Cancel' }).evaluate((el) => el === document.activeElement)).toBe(true);
    // The first sample (1500 new tokens, a few seconds) finishes; the second is cancelled in flight.
    await expect.poll(() => panel.getByTestId('eval-progress-count').textContent(), { timeout: 30_000 }).toBe('1 / 2');
    expect(await panel.getByTestId('eval-progress').textContent()).toMatch(/cell 1 of 1: xsum zero-shot map 0 max 1500 tokens \(item 0, 1 of 2\)/);
    await page.waitForTimeout(200);
    await page.keyboard.press('Escape');
    const outcome = panel.getByTestId('eval-outcome');
    await outcome.waitFor({ timeout: 30_000 });
    const m = /^Cancelled after (\d) new samples?: they are stored; Run again to resume\.$/.exec((await outcome.textContent())!.trim());
    expect(m).not.toBeNull();
    expect(Number(m![1])).toBe(1);
    expect(await cellRow('zero-shot').getByTestId('cell-n').textContent()).toBe('1 (1 to go)');
    // A 1500-token budget is a cell of its own: open it.
    expect(await cellRow('zero-shot').getAttribute('data-cell-key')).toMatch(/\|max=1500$/);
    if ((await cellRow('zero-shot').getByRole('button').getAttribute('aria-pressed')) !== 'true') await pressOn(cellRow('zero-shot').getByRole('button'));
    expect(await cellRow('zero-shot').getByRole('button').getAttribute('aria-pressed')).toBe('true');
    const grid = panel.getByTestId('eval-samples');
    expect(await grid.getByTestId('samples-count').textContent()).toBe('1 of 1 shown');
    await pressOn(grid.getByRole('button', { name: '#0' }));
    expect(await panel.getByTestId('eval-sample').getByTestId('sample-bos').textContent()).toBe('yes');
    expect(h.browser.logs).toEqual([]);
  });
});
