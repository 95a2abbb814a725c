/**
 * The app's first load: the production build's initial JavaScript (what index.html loads before
 * any view: the entry and its preloads), gzipped, against the 150 KB budget; and the time from
 * navigation to the Playground's first render in headless Chromium on 127.0.0.1, as a ratio to a
 * blank page's load measured in the same run (medians of several loads, fresh cache each).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'vite';
import { PROJECT_ROOT } from '../test/helpers/paths.ts';
import { launchChromium } from '../test/browser/harness/chromium.ts';
import { serveStatic } from '../test/browser/harness/server.ts';
import { PUBLIC_DIR } from '../test/browser/harness/index.ts';

const BUDGET_GZ = 150 * 1024;
const LOADS = 5;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** The scripts index.html loads up front: its module entry and modulepreloads. */
export function initialScripts(indexHtml: string): string[] {
  return [...indexHtml.matchAll(/(?:src|href)="\/(assets\/[^"]+\.js)"/g)].map((m) => m[1]);
}

export default async function appBench(): Promise<void> {
  const outDir = mkdtempSync(path.join(tmpdir(), 'ftlab-bench-app-'));
  try {
    await build({ root: PROJECT_ROOT, logLevel: 'error', build: { outDir, emptyOutDir: true } });
    const html = readFileSync(path.join(outDir, 'index.html'), 'utf8');
    const files = initialScripts(html);
    const sizes = files.map((f) => ({ f, raw: readFileSync(path.join(outDir, f)).length, gz: gzipSync(readFileSync(path.join(outDir, f)), { level: 9 }).length }));
    const gz = sizes.reduce((a, s) => a + s.gz, 0);
    console.log(`initial JavaScript (production build, ${files.length} files): ${(gz / 1024).toFixed(1)} KB gzipped, ${(sizes.reduce((a, s) => a + s.raw, 0) / 1024).toFixed(1)} KB raw`);
    for (const s of sizes.sort((a, b) => b.gz - a.gz)) console.log(`  ${(s.gz / 1024).toFixed(1).padStart(7)} KB  ${s.f}`);
    console.log(`  budget ${(BUDGET_GZ / 1024).toFixed(0)} KB gzipped: ${gz <= BUDGET_GZ ? 'within' : 'OVER'} (${((100 * gz) / BUDGET_GZ).toFixed(0)}% of it)`);

    writeFileSync(path.join(outDir, 'blank.html'), '<!doctype html><title>blank</title><p id="ready">blank</p>');
    const server = await serveStatic([outDir, PUBLIC_DIR]);
    const browser = await launchChromium();
    try {
      const app: number[] = [];
      const shell: number[] = [];
      const blank: number[] = [];
      for (let i = 0; i < LOADS; i++) {
        const page = await browser.newPage();
        await page.goto(`${server.origin}/blank.html`);
        blank.push(await page.evaluate(() => performance.getEntriesByType('navigation')[0].duration || performance.now()));
        const cdp = await browser.context.newCDPSession(page);
        await cdp.send('Network.clearBrowserCache');
        await page.goto(`${server.origin}/#/playground`);
        await page.getByRole('navigation', { name: 'Views' }).waitFor();
        shell.push(await page.evaluate(() => performance.now()));
        await page.getByLabel('Prompt text').waitFor();
        app.push(await page.evaluate(() => performance.now()));
        await page.close();
      }
      const b = median(blank);
      console.log(`first render on 127.0.0.1 (median of ${LOADS} cold loads, headless Chromium):`);
      console.log(`  blank page loaded        ${b.toFixed(0)} ms (baseline)`);
      console.log(`  shell (navigation) shown ${median(shell).toFixed(0)} ms  (${(median(shell) / b).toFixed(1)}x baseline)`);
      console.log(`  Playground prompt shown  ${median(app).toFixed(0)} ms  (${(median(app) / b).toFixed(1)}x baseline; the goal: under 1 s)`);
    } finally {
      await browser.close();
      await server.close();
    }
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}
