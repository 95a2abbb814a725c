/** The vitest side of the harness (kept apart so that benches can start a harness without vitest). */
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { startBrowserHarness, type BrowserHarness } from './index.ts';

/**
 * Registers a test file's harness: starts it (then runs `setup`, e.g. opening pages) before the
 * file's tests and closes it after. A failure there (Chromium missing, the build broken) FAILS
 * every test of the file with that error — in a plain beforeAll it would only mark them skipped,
 * which summaries may not count as failures.
 */
export function useBrowserHarness(setup: (h: BrowserHarness) => Promise<void> = async () => undefined): void {
  let harness: BrowserHarness | undefined;
  let failure: unknown;
  beforeAll(async () => {
    try {
      harness = await startBrowserHarness();
      await setup(harness);
    } catch (e) {
      failure = e;
    }
  });
  beforeEach(() => {
    if (failure) throw failure;
  });
  afterAll(async () => {
    await harness?.close();
  });
}
