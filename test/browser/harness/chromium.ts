/**
 * Launches Debian's Chromium (never a downloaded browser) headless through playwright-core,
 * with a fresh profile per launch. WebGPU: headless Chromium on localhost (a secure context)
 * exposes navigator.gpu with `--enable-unsafe-webgpu`; with no GPU it gets the SwiftShader
 * (software Vulkan) adapter, which has no shader-f16.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM_PATH = process.env.FTLAB_CHROMIUM ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-default-apps',
  '--no-first-run',
  '--no-default-browser-check',
  '--enable-unsafe-webgpu',
];

/** Fails (never skips) when Chromium is missing: CI installs it, so its absence is a real problem. */
export function assertChromiumInstalled(): void {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM_PATH}: the browser tests need Debian's Chromium. ` +
        'Install it with `sudo apt-get install chromium` (CI does), or point FTLAB_CHROMIUM at a Chromium binary.',
    );
  }
}

export interface Browser {
  context: BrowserContext;
  /** A new tab whose console errors and page errors are collected into `logs`. */
  newPage(): Promise<Page>;
  logs: string[];
  /**
   * Content-Security-Policy violations seen in any page or its workers (the page's
   * `securitypolicyviolation` events, and Chromium's "Refused to ..." console reports, which
   * also come from workers). useBrowserHarness fails a test that leaves any here.
   */
  cspViolations: string[];
  close(): Promise<void>;
}

/** A persistent context on a throw-away profile dir: real IndexedDB, Cache Storage and OPFS. */
export async function launchChromium(): Promise<Browser> {
  assertChromiumInstalled();
  const profile = mkdtempSync(path.join(tmpdir(), 'ftlab-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_ARGS,
  });
  const logs: string[] = [];
  const cspViolations: string[] = [];
  await context.exposeBinding('__ftlabCspViolation', (_source, text: string) => void cspViolations.push(text));
  await context.addInitScript(() => {
    const report = (window as unknown as { __ftlabCspViolation: (t: string) => void }).__ftlabCspViolation;
    document.addEventListener('securitypolicyviolation', (e) => {
      void report(`${e.effectiveDirective} blocked ${e.blockedURI || '(inline)'} in ${e.documentURI}${e.sourceFile ? ` (${e.sourceFile}:${e.lineNumber})` : ''}`);
    });
  });
  const watch = (page: Page): void => {
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') logs.push(`[${m.type()}] ${m.text()} (${m.location().url})`);
      if (/Content Security Policy/i.test(m.text())) cspViolations.push(`console: ${m.text()} (${m.location().url})`);
    });
    page.on('pageerror', (e) => logs.push(`[pageerror] ${e.message}`));
  };
  context.pages().forEach(watch);
  context.on('page', watch);
  return {
    context,
    logs,
    cspViolations,
    newPage: () => context.newPage(),
    async close() {
      await context.close().catch(() => undefined);
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
