/**
 * One call sets up everything a browser test needs: the test build (shared by all test files),
 * a static server for it and public/ (the tiny models), and a fresh headless Chromium. The
 * pages run under the production Content-Security-Policy (meta tag and header) and any
 * violation fails the test that caused it (suite.ts).
 */
import path from 'node:path';
import { PROJECT_ROOT } from '../../helpers/paths.ts';
import { SERVED_MODELS_PATH, servedModelsJson } from '../../../scripts/served-models.ts';
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

/**
 * `extraRoots`: folders served before public/ by this file's server only (a test's own model
 * folders, e.g. under models/<id>/), so no test writes into public/ while others run.
 */
export async function startBrowserHarness(opts: { extraRoots?: readonly string[] } = {}): Promise<BrowserHarness> {
  // The app's default models: generated (deterministically, idempotently) into public/models.
  ensureTinyModels();
  const outDir = await ensureTestBuild();
  const roots = [outDir, ...(opts.extraRoots ?? []), PUBLIC_DIR];
  const server = await serveStatic(roots, {
    csp: contentSecurityPolicy({ connect: TEST_CONNECT_SRC }),
    answers: { [`/${SERVED_MODELS_PATH}`]: () => servedModelsJson([...(opts.extraRoots ?? []), PUBLIC_DIR]) },
  });
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

