/**
 * Builds the app (plus the test-only pages under test/browser/pages/) once for all browser
 * tests, with Vite's JS API.
 *
 * vitest runs each test file in its own worker, so "once" cannot be a module-level promise:
 * the build goes to a folder named after a hash of every input (sources, configs, lockfile),
 * under node_modules/.cache, guarded by a lock directory. The first test file builds; the
 * others wait for the lock and reuse the folder, as does the next run when nothing changed.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../../helpers/paths.ts';

/** What the build reads: a change to any of these makes a new build. */
const INPUT_DIRS = ['src', 'workers', 'test/browser/pages'];
const INPUT_FILES = ['index.html', 'vite.config.ts', 'scripts/csp.ts', 'svelte.config.js', 'tsconfig.json', 'package-lock.json'];
const CACHE_ROOT = path.join(PROJECT_ROOT, 'node_modules', '.cache', 'ftlab-browser-build');
const PAGES_DIR = path.join(PROJECT_ROOT, 'test', 'browser', 'pages');
const LOCK_STALE_MS = 10 * 60_000;
/** connect-src hosts of the test build and server (scripts/csp.ts adds 'self' and the prebuilt hosts). */
export const TEST_CONNECT_SRC = ['http://127.0.0.1:*'];

function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listFiles(full));
    else if (entry.isFile()) out.push(full);
  }
  return out;
}

/** Hash of every build input's path and content. */
export function buildInputsHash(): string {
  const hash = createHash('sha256');
  const files = [
    ...INPUT_DIRS.flatMap((d) => listFiles(path.join(PROJECT_ROOT, d))),
    ...INPUT_FILES.map((f) => path.join(PROJECT_ROOT, f)).filter((f) => existsSync(f)),
  ].sort();
  for (const file of files) {
    hash.update(path.relative(PROJECT_ROOT, file));
    hash.update('\0');
    hash.update(readFileSync(file));
    hash.update('\0');
  }
  return hash.digest('hex').slice(0, 16);
}

/** The HTML entries of the test build: the app and every test page. */
export function testBuildInputs(): Record<string, string> {
  const inputs: Record<string, string> = { main: path.join(PROJECT_ROOT, 'index.html') };
  if (existsSync(PAGES_DIR)) {
    for (const f of readdirSync(PAGES_DIR)) {
      if (f.endsWith('.html')) inputs[`page-${f.replace(/\.html$/, '')}`] = path.join(PAGES_DIR, f);
    }
  }
  return inputs;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes the build lock (a directory: mkdir is atomic); breaks it when its owner is gone. */
async function withLock<T>(lockDir: string, fn: () => Promise<T>): Promise<T> {
  const owner = path.join(lockDir, 'owner');
  for (;;) {
    try {
      mkdirSync(lockDir);
      writeFileSync(owner, String(process.pid));
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      let stale = false;
      try {
        const pid = Number(readFileSync(owner, 'utf8'));
        stale = (pid > 0 && !pidAlive(pid)) || Date.now() - statSync(lockDir).mtimeMs > LOCK_STALE_MS;
      } catch {
        // Owner file not written yet (the other process is between mkdir and write), or gone.
        stale = existsSync(lockDir) && Date.now() - statSync(lockDir).mtimeMs > 5_000;
      }
      if (stale) rmSync(lockDir, { recursive: true, force: true });
      else await sleep(200);
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lockDir, { recursive: true, force: true });
  }
}

/** Builds (or reuses) the test build and returns its folder. */
export async function ensureTestBuild(): Promise<string> {
  const hash = buildInputsHash();
  const outDir = path.join(CACHE_ROOT, hash);
  const done = path.join(outDir, '.complete');
  if (existsSync(done)) return outDir;
  mkdirSync(CACHE_ROOT, { recursive: true });
  return withLock(path.join(CACHE_ROOT, '.lock'), async () => {
    if (existsSync(done)) return outDir; // another test file built it while we waited
    const tmpDir = `${outDir}.tmp-${process.pid}`;
    rmSync(tmpDir, { recursive: true, force: true });
    // The test's own model hosts (an unreachable 127.0.0.1 port in the failure tests) are
    // configured hosts, as a user's would be: the rest of the policy is the production one.
    process.env.FTLAB_CONNECT_SRC = TEST_CONNECT_SRC.join(' ');
    const { build } = await import('vite');
    await build({
      root: PROJECT_ROOT,
      configFile: path.join(PROJECT_ROOT, 'vite.config.ts'),
      logLevel: 'error',
      // Served by the test server from public/ directly (the tiny models live there and change
      // independently of the code).
      build: {
        outDir: tmpDir,
        emptyOutDir: true,
        copyPublicDir: false,
        reportCompressedSize: false,
        rolldownOptions: { input: testBuildInputs() },
      },
    });
    writeFileSync(path.join(tmpDir, '.complete'), new Date().toISOString());
    // Older builds are dead weight (the web-llm worker chunk alone is ~6 MB).
    for (const old of readdirSync(CACHE_ROOT)) {
      if (old !== '.lock' && path.join(CACHE_ROOT, old) !== tmpDir) rmSync(path.join(CACHE_ROOT, old), { recursive: true, force: true });
    }
    renameSync(tmpDir, outDir);
    return outDir;
  });
}
