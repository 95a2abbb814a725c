import { describe, expect, it } from 'vitest';
import { useBrowserHarness, type BrowserHarness } from './harness/index.ts';

let h: BrowserHarness;
useBrowserHarness(async (harness) => {
  h = harness;
});

describe('the built app in Chromium', () => {
  it('renders the page without errors', async () => {
    const page = await h.browser.newPage();
    await page.goto(`${h.origin}/`);
    expect(await page.locator('h1').textContent()).toContain('ftlab');
    expect(h.browser.logs).toEqual([]);
  });
});
