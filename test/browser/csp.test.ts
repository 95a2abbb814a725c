/**
 * The Content-Security-Policy in force: the built page carries it as a meta tag, the server
 * sends it as a header (so the worker runs under it too), and the harness catches a violation
 * (a test that could not fail would prove nothing: here one is caused on purpose and found).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { contentSecurityPolicy } from '../../scripts/csp.ts';
import { useBrowserHarness, type BrowserHarness } from './harness/index.ts';

let h: BrowserHarness;
useBrowserHarness(async (harness) => {
  h = harness;
});

describe('Content-Security-Policy', () => {
  it('the built index.html carries the policy as its first meta after charset; the server sends it', async () => {
    const html = readFileSync(path.join(h.outDir, 'index.html'), 'utf8');
    const policy = contentSecurityPolicy({ connect: [] });
    expect(html).toMatch(/<meta charset="UTF-8" \/>\s*<meta http-equiv="Content-Security-Policy" content="default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; /);
    expect(policy).not.toMatch(/unsafe-inline|'unsafe-eval'/);
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/); // no inline script
    const res = await fetch(`${h.origin}/`);
    expect(res.headers.get('content-security-policy')).toMatch(/connect-src 'self' .*http:\/\/127\.0\.0\.1:\*/);
  });

  it('a violation is caught by the harness: a fetch to an unlisted host, an inline script', async () => {
    const page = await h.browser.newPage();
    await page.goto(`${h.origin}/`);
    await page.evaluate(async () => {
      await fetch('https://not-a-configured-host.example/x').catch(() => undefined);
      const s = document.createElement('script');
      s.textContent = 'window.__inlineRan = true';
      document.body.append(s);
      await new Promise((r) => setTimeout(r, 100));
    });
    await expect.poll(() => h.browser.cspViolations.length).toBeGreaterThanOrEqual(2);
    const seen = h.browser.cspViolations.splice(0); // caused on purpose: do not fail this test
    expect(seen.join('\n')).toMatch(/connect-src blocked https:\/\/not-a-configured-host\.example/);
    expect(seen.join('\n')).toMatch(/script-src(-elem)? blocked \(inline\)|inline/);
    expect(await page.evaluate(() => (window as unknown as { __inlineRan?: boolean }).__inlineRan)).toBeUndefined();
    await page.close();
  });
});
