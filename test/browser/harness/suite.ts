/** The vitest side of the harness (kept apart so that benches can start a harness without vitest). */
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { startBrowserHarness, type BrowserHarness } from './index.ts';

/**
 * Registers a test file's harness: starts it (then runs `setup`, e.g. opening pages) before the
 * file's tests and closes it after. A failure there (Chromium missing, the build broken) FAILS
 * every test of the file with that error — in a plain beforeAll it would only mark them skipped,
 * which summaries may not count as failures. Any Content-Security-Policy violation during a
 * test fails that test.
 */
export function useBrowserHarness(setup: (h: BrowserHarness) => Promise<void> = async () => undefined, opts: { extraRoots?: readonly string[] | (() => readonly string[]) } = {}): void {
  let harness: BrowserHarness | undefined;
  let failure: unknown;
  beforeAll(async () => {
    try {
      const extraRoots = typeof opts.extraRoots === 'function' ? opts.extraRoots() : opts.extraRoots;
      harness = await startBrowserHarness({ ...(extraRoots ? { extraRoots } : {}) });
      await setup(harness);
    } catch (e) {
      failure = e;
    }
  });
  beforeEach(() => {
    if (failure) throw failure;
  });
  // The page runs under the production Content-Security-Policy: a violation is a failure of the
  // test that caused it (one during setup fails the file's first test), never a console line
  // nobody reads.
  afterEach(() => {
    const seen = harness?.browser.cspViolations.splice(0) ?? [];
    if (seen.length > 0) throw new Error(`Content-Security-Policy violation${seen.length === 1 ? '' : 's'}:\n  ${seen.join('\n  ')}`);
  });
  afterAll(async () => {
    await harness?.close();
  });
}
