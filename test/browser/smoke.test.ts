import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBrowserHarness, type BrowserHarness } from './harness/index.ts';

let h: BrowserHarness;
beforeAll(async () => {
  h = await startBrowserHarness();
});
afterAll(async () => {
  await h?.close();
});

describe('the built app in Chromium', () => {
  it('renders the page without errors', async () => {
    const page = await h.browser.newPage();
    await page.goto(`${h.origin}/`);
    expect(await page.locator('h1').textContent()).toContain('ftlab');
    expect(h.browser.logs).toEqual([]);
  });
});
