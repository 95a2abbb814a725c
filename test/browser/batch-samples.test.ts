/**
 * What a Batch run stores, sample by sample, on the tiny cpu model and the paper's test sets
 * (served in place from ../shared/paper-data as the catalogue) — what the earlier Evaluate
 * panel's test proved, now through Batch and Results: sst2 zero-shot + ICL 2-shot, map 0, 3
 * items; a sample's prompt is the one the core builds in Node byte for byte, with its hash, BOS and
 * the paper's label ids; the samples filter; the run exports as JSON lines; after a reload the
 * same plan finds all 6 stored and runs none; FTICL cells take the task's pool after BOS; a
 * summarization plan makes a ROUGE-L cell, a new-token budget is a cell of its own; Cancel drops
 * the generation in flight and keeps the finished sample.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { parseDataset } from '../../src/core/datasets/index.ts';
import { buildPrompt } from '../../src/core/prompts/index.ts';
import { SENTIMENT } from '../../src/core/tasks/index.ts';
import type { SampleRecord } from '../../src/core/run/records.ts';
import { PAPER_DATA } from '../helpers/paths.ts';
import { useBrowserHarness, type BrowserHarness } from './harness/index.ts';
import { serveStatic, type StaticServer } from './harness/server.ts';

const MODEL = 'tiny-random-llama-f32';
const SST2 = path.join(PAPER_DATA, 'sentiment', 'sst2_test_500.json');
const SST2_FEW = path.join(PAPER_DATA, 'sentiment', 'few_shot', 'sst2_few_shot.json');
const AMAZON_FEW = path.join(PAPER_DATA, 'sentiment', 'few_shot', 'amazon_few_shot.json');
const items = () => parseDataset(readFileSync(SST2, 'utf8'), { task: SENTIMENT, source: 'sst2_test_500.json' }).items;
const cellKey = (mode: string, shots: number, extra = '') => `model=${MODEL}|data=sst2|task=sentiment|mode=${mode}|shots=${shots}|map=0|score=paper${extra}`;

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
  appUrl = `${h.origin}/?catalogue=${encodeURIComponent(`${data.origin}/`)}`;
});

async function openBatch(): Promise<void> {
  // Via a blank page: a same-URL hash navigation is not a reload.
  await page.goto('about:blank');
  await page.goto(`${appUrl}#/batch`);
  await page.getByRole('heading', { name: 'Batch', exact: true }).waitFor();
}

/** A free plan on the float32 tiny model, map 0. */
async function plan(opts: { sets: string[]; modes: string[]; shots: string; n: number; maxTokens?: number }): Promise<void> {
  await page.getByRole('radio', { name: 'Free plan' }).check();
  for (const name of ['sst2', 'xsum']) {
    const box = page.getByRole('checkbox', { name, exact: true });
    if (opts.sets.includes(name)) await box.check();
    else await box.uncheck();
  }
  for (const m of ['zero-shot', 'icl', 'fticl']) {
    const box = page.getByRole('checkbox', { name: m, exact: true });
    if (opts.modes.includes(m)) await box.check();
    else await box.uncheck();
  }
  await page.getByRole('checkbox', { name: /float32/ }).check();
  await page.getByRole('checkbox', { name: /q4f16_1/ }).uncheck();
  await page.getByLabel('Shots').fill(opts.shots);
  await page.getByLabel('Shots').press('Tab');
  await page.getByLabel('map 0').check();
  await page.getByLabel('map 1').uncheck();
  await page.getByLabel('First N items').fill(String(opts.n));
  await page.getByLabel('First N items').press('Tab');
  await page.getByLabel('Max new tokens').fill(String(opts.maxTokens ?? 60));
  await page.getByLabel('Max new tokens').press('Tab');
}

async function countWork(): Promise<string> {
  await page.getByRole('button', { name: 'Count the work' }).click();
  const summary = page.getByTestId('work-summary');
  await summary.waitFor({ timeout: 60_000 });
  return (await summary.textContent()) ?? '';
}

async function startAndFinish(): Promise<string> {
  await page.getByRole('button', { name: 'Start' }).click();
  await expect.poll(() => page.getByTestId('run-status').textContent(), { timeout: 120_000 }).toBe('done');
  return newestRunId();
}

async function newestRunId(): Promise<string> {
  const text = (await page.getByTestId('library-row').first().locator('th .note').textContent()) ?? '';
  return text.split('·')[1].trim();
}

/** The stored records of a cell, from this browser's IndexedDB. */
function storedOf(key: string): Promise<SampleRecord[]> {
  return page.evaluate(
    (k) =>
      new Promise<SampleRecord[]>((resolve, reject) => {
        const req = indexedDB.open('ftlab');
        req.onerror = () => reject(req.error);
        req.onsuccess = () => {
          const db = req.result;
          const get = db.transaction('records', 'readonly').objectStore('records').getAll();
          get.onsuccess = () => {
            resolve((get.result as SampleRecord[]).filter((r) => r.cellKey === k));
            db.close();
          };
          get.onerror = () => reject(get.error);
        };
      }),
    key,
  );
}

async function openSample(runId: string, key: string, item: number): Promise<void> {
  await page.goto(`${appUrl}#/results?plan=${encodeURIComponent(runId)}&cell=${encodeURIComponent(key)}&sample=${item}`);
  await page.getByTestId('sample').waitFor();
}

describe('a Batch run, sample by sample', () => {
  let runId = '';
  let firstRecordRun = '';

  it('runs zero-shot and ICL 2-shot on the first 3 sst2 items: two accuracy cells of 3', async () => {
    await openBatch();
    await plan({ sets: ['sst2'], modes: ['zero-shot', 'icl'], shots: '2', n: 3 });
    const work = await countWork();
    expect(work).toMatch(/cells\s*2/);
    expect(work).toMatch(/samples\s*6(?!\d)/);
    expect(work).not.toMatch(/already stored/);
    runId = await startAndFinish();
    expect(await page.getByTestId('plan-count').textContent()).toBe('6 of 6 samples');
    const rows = await page.getByTestId('live-cells').locator('tbody tr').allTextContents();
    expect(rows).toHaveLength(2);
    for (const r of rows) expect(r).toMatch(/3 \/ 3\s*0\s*acc \d+\.\d %/);
  });

  it('a sample shows the prompt the core builds in Node, its hash, BOS and the paper\'s label ids', async () => {
    await openSample(runId, cellKey('icl', 2), 0);
    const sample = page.getByTestId('sample');
    const demos = parseDataset(readFileSync(SST2_FEW, 'utf8'), { task: SENTIMENT, source: 'sst2_few_shot.json' }).items;
    const expected = buildPrompt(SENTIMENT, items()[0], { mode: 'icl', shots: 2, demos, template: 0, countTokens: false });
    const shown = await sample.getByTestId('sample-prompt').textContent();
    expect(shown).toBe(expected.text);
    expect(shown).toContain('\n\n');
    expect(await sample.getByTestId('sample-bos').textContent()).toBe('no');
    expect(await sample.getByTestId('sample-hash').textContent()).toMatch(/^[0-9a-f]{64}$/);
    const labels = sample.getByRole('table', { name: /Label log-probs of item 0/ });
    expect(await labels.getByTestId('label-id').allTextContents()).toEqual(['1066', '22198']);
    const lps = await labels.getByTestId('label-logprob').allTextContents();
    for (const lp of lps) expect(lp).toMatch(/^-\d+\.\d{4}$/);
    const probs = (await labels.getByTestId('label-prob').allTextContents()).map((t) => Number.parseFloat(t));
    expect(probs[0] + probs[1]).toBeCloseTo(100, 0);
    firstRecordRun = (await sample.getByTestId('sample-run').textContent()) ?? '';
    expect(firstRecordRun).not.toBe('');
    // The zero-shot prompt starts with BOS.
    await openSample(runId, cellKey('zero-shot', 0), 1);
    expect(await page.getByTestId('sample-bos').textContent()).toBe('yes');
    expect(await page.getByTestId('sample-prompt').textContent()).toBe(buildPrompt(SENTIMENT, items()[1], { mode: 'zero-shot', template: 0, countTokens: false }).text);
  });

  it('filters the samples, and exports the run as JSON lines', async () => {
    const drill = page.getByTestId('drill');
    await drill.getByRole('radio', { name: 'errors', exact: true }).check();
    await expect.poll(() => drill.getByTestId('sample-count').textContent()).toBe('0 of 3 samples');
    await drill.getByRole('radio', { name: 'all', exact: true }).check();
    await drill.getByLabel('Search samples').fill('no-such-text-anywhere');
    await drill.getByLabel('Search samples').press('Enter');
    await expect.poll(() => drill.getByTestId('sample-count').textContent()).toBe('0 of 3 samples');
    await drill.getByLabel('Search samples').fill('');
    await drill.getByLabel('Search samples').press('Enter');
    await expect.poll(() => drill.getByTestId('sample-count').textContent()).toBe('3 of 3 samples');
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: /^JSONL \(/ }).click()]);
    const lines = readFileSync((await download.path())!, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as { kind: string });
    // One line per sample, as `ftlab eval --out` writes, then the stored plan's line.
    expect(lines.at(-1)?.kind).toBe('plan');
    const records = lines.slice(0, -1) as SampleRecord[];
    expect(records).toHaveLength(6);
    expect(records.every((r) => r.kind === 'classification' && r.dataset === 'sst2' && r.modelId === MODEL)).toBe(true);
    for (const mode of ['zero-shot', 'icl']) expect(records.filter((r) => r.mode === mode).map((r) => r.item).sort()).toEqual([0, 1, 2]);
  });

  it('after a reload the same plan finds all 6 samples stored and runs none', async () => {
    await openBatch();
    // The form outlives the reload.
    expect(await page.getByLabel('First N items').inputValue()).toBe('3');
    expect(await countWork()).toMatch(/samples\s*6 \(6 already stored\)/);
    await startAndFinish();
    expect(await page.getByTestId('plan-count').textContent()).toBe('6 of 6 samples');
    expect(await page.getByTestId('run-panel').textContent()).toContain('(6 were stored already)');
    expect(await storedOf(cellKey('icl', 2))).toHaveLength(3);
    // The stored sample is the first run's.
    expect((await storedOf(cellKey('icl', 2))).find((r) => r.item === 0)?.runId).toBe(firstRecordRun);
  });

  it('adds FTICL cells: the task\'s pool (amazon\'s few-shot file) after BOS', async () => {
    await plan({ sets: ['sst2'], modes: ['zero-shot', 'icl', 'fticl'], shots: '2', n: 3 });
    expect(await countWork()).toMatch(/samples\s*9 \(6 already stored\)/);
    const id = await startAndFinish();
    expect(await page.getByTestId('run-panel').textContent()).toContain('(6 were stored already)');
    await openSample(id, cellKey('fticl', 2), 2);
    const pool = parseDataset(readFileSync(AMAZON_FEW, 'utf8'), { task: SENTIMENT, source: 'amazon_few_shot.json' }).items;
    const expected = buildPrompt(SENTIMENT, items()[2], { mode: 'fticl', shots: 2, demos: pool, template: 0, countTokens: false });
    expect(await page.getByTestId('sample-prompt').textContent()).toBe(expected.text);
    expect(await page.getByTestId('sample-bos').textContent()).toBe('yes');
  });

  it('a summarization plan makes a ROUGE-L cell; another new-token budget is another cell', async () => {
    await openBatch();
    await plan({ sets: ['xsum'], modes: ['zero-shot'], shots: '', n: 2, maxTokens: 8 });
    expect(await countWork()).toMatch(/generated tokens at most\s*16/);
    const id = await startAndFinish();
    const row = (await page.getByTestId('live-cells').locator('tbody tr').allTextContents())[0];
    expect(row).toMatch(/2 \/ 2\s*0\s*ROUGE-L/);
    const key = `model=${MODEL}|data=xsum|task=summary|mode=zero-shot|shots=0|map=0|score=generate|max=8`;
    expect(await storedOf(key)).toHaveLength(2);
    await openSample(id, key, 0);
    expect(await page.getByTestId('sample').textContent()).toMatch(/ROUGE-L P \d\.\d{3} R \d\.\d{3} F \d\.\d{3}/);
    // 10 new tokens: none of the 8-token samples counts.
    await openBatch();
    await plan({ sets: ['xsum'], modes: ['zero-shot'], shots: '', n: 2, maxTokens: 10 });
    expect(await countWork()).not.toMatch(/already stored/);
    await plan({ sets: ['xsum'], modes: ['zero-shot'], shots: '', n: 2, maxTokens: 8 });
    expect(await countWork()).toMatch(/samples\s*2 \(2 already stored\)/);
  });

  it('Cancel during a long generation: the finished sample is stored, the one in flight is not', async () => {
    await plan({ sets: ['xsum'], modes: ['zero-shot'], shots: '', n: 2, maxTokens: 1500 });
    await countWork();
    await page.getByRole('button', { name: 'Start' }).click();
    // The first sample (1500 new tokens, seconds to tens of seconds on shared cores) finishes; the second is cancelled in flight.
    await expect.poll(() => page.getByTestId('plan-count').textContent(), { timeout: 180_000 }).toBe('1 of 2 samples');
    await page.waitForTimeout(200);
    await page.getByTestId('run-panel').getByRole('button', { name: 'Cancel' }).click();
    await expect.poll(() => page.getByTestId('run-status').textContent(), { timeout: 60_000 }).toBe('cancelled');
    const key = `model=${MODEL}|data=xsum|task=summary|mode=zero-shot|shots=0|map=0|score=generate|max=1500`;
    const stored = await storedOf(key);
    expect(stored.map((r) => r.item)).toEqual([0]);
    expect(stored[0].kind).toBe('generation');
    expect(await page.getByTestId('library-row').first().textContent()).toMatch(/1 \/ 2/);
    expect(await page.getByTestId('run-panel').getByRole('button', { name: 'Resume' }).count()).toBe(1);
    expect(h.browser.logs.filter((l) => !/Failed to load resource.*404/.test(l))).toEqual([]);
  }, 240_000);
});
