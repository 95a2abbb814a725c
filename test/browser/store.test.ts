/**
 * The IndexedDB RecordStore (src/store) in a real Chromium: records written through it survive
 * a page reload and come back equal, in item order. (test/store/ covers the logic against
 * fake-indexeddb; this checks the real IndexedDB: structured cloning, compound keys, indexes,
 * durability across a navigation.)
 */
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { useBrowserHarness, type BrowserHarness } from './harness/index.ts';
import type { StoreTestApi } from './pages/store-page.ts';

let h: BrowserHarness;
useBrowserHarness(async (harness) => {
  h = harness;
});

async function openStorePage(page: Page): Promise<void> {
  await page.goto(`${h.origin}/test/browser/pages/store.html`);
  await page.waitForSelector('body[data-ready="true"]');
}

declare const window: { ftlabTest: StoreTestApi };

describe('IndexedDB record store in Chromium', () => {
  it('keeps records across a reload', async () => {
    const page = await h.browser.newPage();
    await openStorePage(page);
    const DB = 'ftlab-browser-test';
    const written = await page.evaluate(async (dbName) => {
      const { openFtlabStore, deleteFtlabDatabase, cellKey } = window.ftlabTest;
      await deleteFtlabDatabase(dbName);
      const store = await openFtlabStore(dbName);
      const cell = { modelId: 'tiny-random-llama-f32', dataset: 'sst2', task: 'sentiment', mode: 'zero-shot' as const, shots: 0, template: 0, scoring: 'paper' as const };
      const records = [2, 0, 1].map((item) => ({
        schemaVersion: 2 as const,
        ...cell,
        cellKey: cellKey(cell),
        item,
        promptHash: `hash-${item}`,
        prompt: `### Input:\nitem ${item} — ünïcødé ✓\n### Sentiment:`,
        bos: true,
        reference: item % 2 ? 'negative' : 'positive',
        runId: 'run-browser',
        timings: { startedAt: new Date(0).toISOString(), totalMs: 12.5, prefillMs: 10, decodeMs: 0, promptTokens: 9, newTokens: 0 },
        kind: 'classification' as const,
        labels: ['positive', 'negative'],
        labelTokenIds: [1066, 22198],
        labelLogprobs: [-0.25 - item, -1.5],
        labelProbs: [0.7, 0.3],
        predictionIndex: 0,
        prediction: 'positive',
        metric: item % 2 ? 0 : 1,
      }));
      for (const r of records) await store.put(r);
      store.close();
      return records;
    }, DB);

    await page.reload();
    await page.waitForSelector('body[data-ready="true"]');
    const read = await page.evaluate(async ({ dbName, key }) => {
      const store = await window.ftlabTest.openFtlabStore(dbName);
      const all = await store.getByCell(key);
      const one = await store.get({ cellKey: key, item: 1, promptHash: 'hash-1' });
      const missing = await store.has({ cellKey: key, item: 1, promptHash: 'other' });
      store.close();
      return { all, one, missing };
    }, { dbName: DB, key: written[0].cellKey });

    expect(read.all.map((r) => r.item)).toEqual([0, 1, 2]);
    expect(read.all).toEqual([...written].sort((a, b) => a.item - b.item));
    expect(read.one).toEqual(written.find((r) => r.item === 1));
    expect(read.missing).toBe(false);

    await page.evaluate((dbName) => window.ftlabTest.deleteFtlabDatabase(dbName), DB);
    expect(h.browser.logs).toEqual([]);
  });

  it('upgrades a version-1 database in place (unversioned records migrated), stores plans, imports a records file once', async () => {
    const page = await h.browser.newPage();
    await openStorePage(page);
    const DB = 'ftlab-browser-upgrade';
    const out = await page.evaluate(async (dbName) => {
      const { openFtlabStore, deleteFtlabDatabase, cellKey, importResults } = window.ftlabTest;
      await deleteFtlabDatabase(dbName);
      // The database as ftlab's version 1 made it, holding one record of that time.
      const cell = { modelId: 'm', dataset: 'sst2', task: 'sentiment', mode: 'zero-shot' as const, shots: 0, template: 0, scoring: 'paper' as const };
      const old = { ...cell, cellKey: cellKey(cell), item: 0, promptHash: 'h0', prompt: 'p', bos: true, reference: 'positive', runId: 'old', timings: { startedAt: new Date(0).toISOString(), totalMs: 1, prefillMs: 1, decodeMs: 0, promptTokens: 1, newTokens: 0 }, kind: 'classification' as const, labels: ['positive', 'negative'], labelTokenIds: [1, 2], labelLogprobs: [-0.1, -2], labelProbs: [0.8, 0.2], predictionIndex: 0, prediction: 'positive', metric: 1 };
      await new Promise<void>((resolve, reject) => {
        const req = indexedDB.open(dbName, 1);
        req.onupgradeneeded = () => {
          const db = req.result;
          const records = db.createObjectStore('records', { keyPath: ['cellKey', 'item', 'promptHash'] });
          records.createIndex('byCell', 'cellKey');
          records.createIndex('byRun', 'runId');
          records.createIndex('byModel', 'modelId');
          db.createObjectStore('runs', { keyPath: 'id' }).createIndex('byCreated', 'createdAt');
          db.createObjectStore('plans', { keyPath: 'id' });
          records.put(old);
        };
        req.onsuccess = () => {
          req.result.close();
          resolve();
        };
        req.onerror = () => reject(req.error);
      });
      const store = await openFtlabStore(dbName);
      const migrated = await store.getByCell(old.cellKey);
      const line = (r: object): string => JSON.stringify(r) + '\n';
      const text = line({ ...old, item: 1, promptHash: 'h1' }) + line(old) + '{bad\n';
      const first = await importResults(store, text, 'eval.jsonl');
      const second = await importResults(store, text, 'eval.jsonl');
      const plans = await store.listPlans();
      store.close();
      await deleteFtlabDatabase(dbName);
      return { migrated, first, second, plans: plans.length, cells: plans[0]?.cells.length };
    }, DB);
    expect(out.migrated.map((r) => [r.item, r.schemaVersion])).toEqual([[0, 2]]);
    expect(out.first).toMatchObject({ added: 1, alreadyStored: 1, problems: [{ line: 3 }] });
    expect(out.second).toMatchObject({ added: 0, alreadyStored: 2 });
    expect(out.cells).toBe(1);
    expect(h.browser.logs).toEqual([]);
  });
});
