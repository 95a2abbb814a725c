/**
 * One call sets up everything a browser test needs: the test build (shared by all test files),
 * a static server for it and public/ (the tiny models), and a fresh headless Chromium. The
 * pages run under the production Content-Security-Policy (meta tag and header) and any
 * violation fails the test that caused it (suite.ts).
 */
import path from 'node:path';
import { PROJECT_ROOT } from '../../helpers/paths.ts';
import { ensureTinyModels } from '../../../scripts/make-tiny-model.ts';
import { contentSecurityPolicy } from '../../../scripts/csp.ts';
import { ensureTestBuild, TEST_CONNECT_SRC } from './build.ts';
import { launchChromium, type Browser } from './chromium.ts';
import { serveStatic, type StaticServer } from './server.ts';

export { assertChromiumInstalled } from './chromium.ts';
export { useBrowserHarness } from './suite.ts';

export interface BrowserHarness {
  /** Origin of the served build, e.g. "http://127.0.0.1:41234". */
  origin: string;
  /** The test build's folder (what the server serves before public/). */
  outDir: string;
  server: StaticServer;
  browser: Browser;
  close(): Promise<void>;
}

export const PUBLIC_DIR = path.join(PROJECT_ROOT, 'public');

export async function startBrowserHarness(): Promise<BrowserHarness> {
  // The app's default models: generated (deterministically, idempotently) into public/models.
  ensureTinyModels();
  const outDir = await ensureTestBuild();
  const server = await serveStatic([outDir, PUBLIC_DIR], { csp: contentSecurityPolicy({ connect: TEST_CONNECT_SRC }) });
  let browser: Browser;
  try {
    browser = await launchChromium();
  } catch (e) {
    await server.close();
    throw e;
  }
  return {
    origin: server.origin,
    outDir,
    server,
    browser,
    async close() {
      await browser.close();
      await server.close();
    },
  };
}

