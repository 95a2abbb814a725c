/**
 * What crossing the engine worker costs per call. In headless Chromium (the browser tests' build,
 * the tiny f32 model), N sequential `tokenize` calls go through the comlink worker
 * (src/engine-client → workers/engine.worker.ts), and the same N calls go to a cpu engine in the
 * page itself (test/browser/pages/worker-overhead.ts). Reported: µs per call for each, their
 * ratio and difference (the round-trip overhead), and the cheapest worker call (currentBackend:
 * no engine work). Medians of batches measured in the same run; no absolute thresholds.
 */
import { startBrowserHarness } from '../test/browser/harness/index.ts';
import type { EngineTestApi } from '../test/browser/pages/engine-page.ts';

declare const window: { ftlabTest: EngineTestApi };

const CALLS = 1000;
const BATCHES = 5;
const TEXT = 'The movie was wonderful, I loved every minute of it.';

export default async function workerBench(): Promise<void> {
  const h = await startBrowserHarness();
  try {
    const page = await h.browser.newPage();
    await page.goto(`${h.origin}/test/browser/pages/engine.html`);
    await page.waitForSelector('body[data-ready="true"]');
    const args = { url: `${h.origin}/models/tiny-random-llama-f32/`, text: TEXT, calls: CALLS, batches: BATCHES };
    const r = await page.evaluate((a) => window.ftlabTest.measureWorkerOverhead(a.url, a.text, a.calls, a.batches), args);
    if (!r.same) throw new Error('worker and in-page tokenize disagree: the bench would compare different work');
    console.log(`tokenize x${CALLS} sequential calls (median of ${BATCHES} batches), tiny-random-llama-f32, headless Chromium ${h.browser.context.browser()?.version() ?? ''}:`);
    console.log(`  via worker (comlink)   ${r.viaWorkerUs.toFixed(1)} µs/call`);
    console.log(`  in page (direct)       ${r.inPageUs.toFixed(1)} µs/call`);
    console.log(`  ratio worker/direct    ${(r.viaWorkerUs / r.inPageUs).toFixed(2)}x`);
    console.log(`  overhead per call      ${(r.viaWorkerUs - r.inPageUs).toFixed(1)} µs`);
    console.log(`  empty round trip       ${r.roundTripUs.toFixed(1)} µs/call (currentBackend: no engine work)`);
  } finally {
    await h.close();
  }
}
