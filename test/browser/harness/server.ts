/**
 * A tiny static server for the browser tests: the test build first, then public/ (where the
 * tiny models live), on 127.0.0.1 and an ephemeral port. It serves what `vite preview` would
 * (same files, same MIME types) without a second Vite instance per test file.
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

export interface StaticServer {
  /** e.g. "http://127.0.0.1:41234" (no trailing slash). */
  origin: string;
  /** Every path requested so far, in order (tests assert what the browser fetched). */
  requests: string[];
  close(): Promise<void>;
}

/** Resolves a URL path inside one of the roots, refusing anything that escapes it. */
function resolveIn(roots: readonly string[], urlPath: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  for (const root of roots) {
    const file = path.join(root, decoded);
    if (!file.startsWith(root + path.sep) && file !== root) continue;
    if (existsSync(file)) {
      const st = statSync(file);
      if (st.isFile()) return file;
      if (st.isDirectory() && existsSync(path.join(file, 'index.html'))) return path.join(file, 'index.html');
    }
  }
  return null;
}

/**
 * `answers`: paths answered by a function at each request instead of a file.
 * `csp`: a Content-Security-Policy header for every response, as the README asks servers to
 * send (the meta tag of the built pages does not reach the Web Worker; the header does).
 */
export async function serveStatic(roots: readonly string[], opts: { csp?: string; answers?: Record<string, () => string> } = {}): Promise<StaticServer> {
  const absRoots = roots.map((r) => path.resolve(r));
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    const urlPath = new URL(req.url ?? '/', 'http://x').pathname;
    requests.push(urlPath);
    // Answers made when asked (models/index.json: the model folders as they are now).
    const answer = opts.answers?.[urlPath];
    if (answer) {
      res.writeHead(200, { 'content-type': MIME[path.extname(urlPath)] ?? 'text/plain', 'cache-control': 'no-store', 'access-control-allow-origin': '*', ...(opts.csp ? { 'content-security-policy': opts.csp } : {}) });
      res.end(answer());
      return;
    }
    const file = resolveIn(absRoots, urlPath);
    if (!file && urlPath === '/favicon.ico') {
      // The app has no icon; answer like a server that knows it, not with a console-noisy 404.
      res.writeHead(204);
      res.end();
      return;
    }
    if (!file || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(file ? 405 : 404, { 'content-type': 'text/plain', 'access-control-allow-origin': '*' });
      res.end(file ? 'method not allowed' : `not found: ${urlPath}`);
      return;
    }
    const size = statSync(file).size;
    res.writeHead(200, {
      'content-type': MIME[path.extname(file).toLowerCase()] ?? 'application/octet-stream',
      'content-length': String(size),
      'cache-control': 'no-store',
      ...(opts.csp ? { 'content-security-policy': opts.csp } : {}),
      // Test data is fetched cross-origin too (the app's dataset catalogue on another port).
      'access-control-allow-origin': '*',
    });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
