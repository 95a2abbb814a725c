/**
 * The Batch view in the built app, on the two tiny cpu models and the paper's test sets (served
 * in place from ../shared/paper-data as the catalogue): the amazon in-domain preset (2 models ×
 * amazon, amazonfood × zero-shot and ICL 2-shot × map 0 × 5 items) counted, then run to 100 %;
 * a reload in the middle of a run, then Resume: every sample stored exactly once; leaving Batch
 * for the Playground and back keeps the progress; delete with its confirm step. Screenshots in
 * test-results/screenshots/batch-*.png.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { PAPER_DATA, PROJECT_ROOT } from '../helpers/paths.ts';
import { useBrowserHarness, type BrowserHarness } from './harness/index.ts';
import { storedRunRecords } from './harness/stored-records.ts';
import { serveStatic, type StaticServer } from './harness/server.ts';

const SHOTS = path.join(PROJECT_ROOT, 'test-results', 'screenshots');

let h: BrowserHarness;
let page: Page;
let data: StaticServer;
let appUrl: string;

useBrowserHarness(async (harness) => {
  h = harness;
  data = await serveStatic([PAPER_DATA]);
  page = await h.browser.newPage();
  page.setDefaultTimeout(20_000);
  await page.setViewportSize({ width: 1280, height: 900 });
  appUrl = `${h.origin}/?catalogue=${encodeURIComponent(`${data.origin}/`)}#/batch`;
  mkdirSync(SHOTS, { recursive: true });
});

async function open(): Promise<void> {
  // Via a blank page: a same-URL hash navigation is not a reload.
  await page.goto('about:blank');
  await page.goto(appUrl);
  await page.getByRole('heading', { name: 'Batch', exact: true }).waitFor();
}

/** The amazon preset on both tiny models, ICL 2-shot, one map, N items. */
async function plan(opts: { kind: 'in-domain' | 'out-of-domain'; map: 0 | 1; n: number }): Promise<void> {
  await page.getByRole('radio', { name: "Preset of the paper's study" }).check();
  await page.getByLabel('Training set').selectOption('amazon');
  await page.getByLabel('Setting').selectOption(opts.kind);
  for (const name of [/float32/, /q4f16_1/]) await page.getByRole('checkbox', { name }).check();
  await page.getByLabel('Shots').fill('2');
  await page.getByLabel('Shots').press('Tab');
  await page.getByLabel(`map ${opts.map}`).check();
  await page.getByLabel(`map ${1 - opts.map}`).uncheck();
  await page.getByLabel('First N items').fill(String(opts.n));
  await page.getByLabel('First N items').press('Tab');
}

async function countWork(): Promise<string> {
  await page.getByRole('button', { name: 'Count the work' }).click();
  const summary = page.getByTestId('work-summary');
  await summary.waitFor({ timeout: 60_000 });
  return (await summary.textContent()) ?? '';
}

const planCount = async (): Promise<number> => Number(((await page.getByTestId('plan-count').textContent()) ?? '').split(' ')[0]);
const status = () => page.getByTestId('run-status').textContent();

/** The stored run's records, as "cellKey|item". */
async function storedSamples(runId: string): Promise<string[]> {
  return (await storedRunRecords(page, runId)).map((r) => `${r.cellKey}|${r.item}`);
}

async function newestRunId(): Promise<string> {
  const row = page.getByTestId('library-row').first();
  const text = (await row.locator('th .note').textContent()) ?? '';
  return text.split('·')[1].trim();
}

describe('the Batch view', () => {
  it('the amazon in-domain preset on 2 tiny models × 2 test sets × 2 modes × 5 items: the work before it starts, then 100 %', async () => {
    await open();
    await page.getByRole('link', { name: 'Batch' }).waitFor();
    expect(await page.getByRole('link', { name: 'Batch' }).getAttribute('aria-current')).toBe('page');
    await plan({ kind: 'in-domain', map: 0, n: 5 });
    expect(await page.getByTestId('preset-sets').textContent()).toContain('amazon (sentiment), amazonfood (sentiment)');
    // Start waits for the work to be counted.
    expect(await page.getByRole('button', { name: 'Start' }).isDisabled()).toBe(true);
    const work = await countWork();
    expect(work).toMatch(/cells\s*8/);
    expect(work).toMatch(/samples\s*40/);
    expect(work).toMatch(/prompt tokens\s*[1-9][\d,]*/);
    expect(work).toMatch(/generated tokens at most\s*0/);
    expect(work).toMatch(/time\s*about \d+:\d\d at [\d,]+ prompt and [\d,]+ new tokens\/s measured here/);
    await page.getByLabel('Theme').selectOption('light');
    await page.screenshot({ path: path.join(SHOTS, 'batch-plan-light.png'), fullPage: true });
    await page.getByRole('button', { name: 'Start' }).focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByTestId('plan-percent').textContent(), { timeout: 120_000 }).toBe('100 %');
    await expect.poll(status, { timeout: 30_000 }).toBe('done');
    expect(await page.getByTestId('plan-count').textContent()).toBe('40 of 40 samples');
    // Each cell's live metric: 5 of 5 and an accuracy.
    const rows = await page.getByTestId('live-cells').locator('tbody tr').allTextContents();
    expect(rows).toHaveLength(8);
    for (const r of rows) expect(r).toMatch(/5 \/ 5.*acc \d+\.\d %/);
    const row = page.getByTestId('library-row').first();
    expect(await row.textContent()).toMatch(/amazon in-domain, 2 models.*40 \/ 40.*done/);
    expect(await row.getByRole('link', { name: 'Open results' }).getAttribute('href')).toMatch(/^#\/results\?plan=run-/);
    expect(new Set(await storedSamples(await newestRunId())).size).toBe(40);
    await page.screenshot({ path: path.join(SHOTS, 'batch-done-light.png'), fullPage: true });
    await page.getByLabel('Theme').selectOption('dark');
    await page.screenshot({ path: path.join(SHOTS, 'batch-done-dark.png'), fullPage: true });
    await page.getByLabel('Theme').selectOption('light');
  });

  it('a reload in the middle of a run, then Resume (X of Y done): every sample stored exactly once', async () => {
    await plan({ kind: 'out-of-domain', map: 0, n: 25 });
    expect(await countWork()).toMatch(/samples\s*200/);
    await page.getByRole('button', { name: 'Start' }).click();
    // The stored plan is brought up to date every 10 samples: reload a little after the 10th.
    await expect.poll(planCount, { timeout: 60_000 }).toBeGreaterThanOrEqual(13);
    await open();
    const resume = page.getByRole('button', { name: /^Resume \(\d+ of 200 done\)$/ }).first();
    await resume.waitFor();
    const label = (await resume.textContent()) ?? '';
    const before = Number(/\((\d+) of/.exec(label)![1]);
    expect(before).toBeGreaterThanOrEqual(10);
    expect(before).toBeLessThan(200);
    expect(await page.getByTestId('library-row').first().textContent()).toMatch(/amazon out-of-domain.*interrupted at \d+ of 200/);
    const runId = await newestRunId();
    await page.screenshot({ path: path.join(SHOTS, 'batch-resume-light.png'), fullPage: true });
    await resume.click();
    await expect.poll(() => page.getByTestId('plan-percent').textContent(), { timeout: 180_000 }).toBe('100 %');
    await expect.poll(status, { timeout: 30_000 }).toBe('done');
    expect(await page.getByTestId('plan-count').textContent()).toBe('200 of 200 samples');
    // What Resume found stored (at least what the label said: the label is at most 9 behind).
    const skipped = Number(/\((\d+) were stored already\)/.exec((await page.getByTestId('run-panel').textContent()) ?? '')![1]);
    expect(skipped).toBeGreaterThanOrEqual(before);
    expect(skipped).toBeLessThan(200);
    const samples = await storedSamples(runId);
    expect(samples).toHaveLength(200);
    expect(new Set(samples).size).toBe(200);
  });

  it('leaving Batch for the Playground and back keeps the run and its progress; pause, then resume', async () => {
    await plan({ kind: 'in-domain', map: 1, n: 25 });
    await countWork();
    await page.getByRole('button', { name: 'Start' }).click();
    await expect.poll(planCount, { timeout: 60_000 }).toBeGreaterThanOrEqual(5);
    await page.getByRole('link', { name: 'Playground' }).click();
    await page.getByLabel('Prompt text').waitFor();
    const away = await page.evaluate(() => location.hash);
    expect(away).toMatch(/^#\/playground/);
    await page.getByRole('link', { name: 'Batch' }).click();
    await page.getByTestId('run-panel').waitFor();
    // The same run: its count went on while the view was away (never back to 0).
    expect(await planCount()).toBeGreaterThanOrEqual(5);
    // Pause stops after the sample in flight; Resume goes on from there.
    await page.getByRole('button', { name: 'Pause' }).click();
    await expect.poll(status, { timeout: 30_000 }).toBe('paused');
    const paused = await planCount();
    expect(paused).toBeLessThan(200);
    await page.getByTestId('run-panel').getByRole('button', { name: 'Resume' }).click();
    await expect.poll(() => page.getByTestId('plan-percent').textContent(), { timeout: 180_000 }).toBe('100 %');
    expect(await page.getByTestId('plan-count').textContent()).toBe('200 of 200 samples');
    expect(await page.getByTestId('live-cells').locator('tbody tr').count()).toBe(8);
  });

  it('delete asks first; Keep it keeps the run, Yes, delete removes it (also after a reload)', async () => {
    const rows = page.getByTestId('library-row');
    expect(await rows.count()).toBe(3);
    const name = (await rows.nth(2).locator('th').textContent()) ?? '';
    const id = name.split('·')[1].trim();
    const del = page.getByRole('button', { name: /^Delete amazon in-domain/ }).last();
    await del.click();
    const confirm = page.getByRole('group', { name: /^Confirm deleting/ });
    await confirm.waitFor();
    await page.screenshot({ path: path.join(SHOTS, 'batch-delete-confirm-light.png'), fullPage: true });
    // Keyboard: focus moves into the confirm step; Escape keeps the run, as Keep it does.
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Keep it');
    await page.keyboard.press('Escape');
    await expect.poll(() => confirm.count()).toBe(0);
    expect(await rows.count()).toBe(3);
    await page.getByRole('button', { name: /^Delete amazon in-domain/ }).last().click();
    await confirm.getByRole('button', { name: 'Keep it' }).click();
    expect(await rows.count()).toBe(3);
    await page.getByRole('button', { name: /^Delete amazon in-domain/ }).last().click();
    await page.getByRole('group', { name: /^Confirm deleting/ }).getByRole('button', { name: 'Yes, delete' }).click();
    await expect.poll(() => rows.count()).toBe(2);
    expect(await page.getByRole('status').filter({ hasText: 'Deleted' }).textContent()).toMatch(/and the 40 records it wrote/);
    await open();
    await expect.poll(() => rows.count()).toBe(2);
    expect(await page.getByText(id).count()).toBe(0);
  });

  it('a free plan: any test sets × modes × maps × N, its work counted (generation budget included)', async () => {
    await page.getByRole('radio', { name: 'Free plan' }).check();
    for (const name of ['sst2', 'xsum']) await page.getByRole('checkbox', { name, exact: true }).check();
    await page.getByRole('checkbox', { name: 'icl', exact: true }).uncheck();
    await page.getByRole('checkbox', { name: /float32/ }).check();
    await page.getByRole('checkbox', { name: /q4f16_1/ }).uncheck();
    await page.getByLabel('map 0').check();
    await page.getByLabel('map 1').check();
    await page.getByLabel('First N items').fill('3');
    await page.getByLabel('First N items').press('Tab');
    expect(await page.getByTestId('work').textContent()).toContain('"tiny-random-llama-f32 on sst2, xsum"');
    const work = await countWork();
    // 1 model × 2 test sets × zero-shot × 2 maps × 3 items; xsum's 6 samples may generate 60 tokens each.
    expect(work).toMatch(/cells\s*4/);
    expect(work).toMatch(/samples\s*12/);
    expect(work).toMatch(/generated tokens at most\s*360/);
    await page.screenshot({ path: path.join(SHOTS, 'batch-free-light.png'), fullPage: true });
    expect(h.browser.logs.filter((l) => !/Failed to load resource.*404/.test(l))).toEqual([]);
  });
});
