/**
 * How MLC readers get bytes: one function from a path relative to the model folder to its
 * content. The same reader then works on a directory in Node (see
 * workers/backends/cpu/node-file-source.ts) and on URLs in a page or worker (fetchFileSource).
 */
import { ArtifactCorruptError, ArtifactMissingError, ModelNetworkError } from '../engine-errors.ts';

/**
 * Whether an answer is an HTML page: a dev or preview server (vite, most SPA hosts) answers an
 * unknown path with index.html and status 200, so a missing tokenizer.json would otherwise be
 * reported as "not valid JSON (Unexpected token '<')".
 */
export function looksLikeHtml(bytes: Uint8Array | ArrayBuffer, contentType?: string | null): boolean {
  if (contentType && /^\s*text\/html\b/i.test(contentType)) return true;
  const b = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  let i = b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf ? 3 : 0;
  while (i < b.length && (b[i] === 0x20 || b[i] === 0x09 || b[i] === 0x0a || b[i] === 0x0d)) i++;
  const head = new TextDecoder().decode(b.subarray(i, i + 15)).toLowerCase();
  return head.startsWith('<!doctype html') || head.startsWith('<html');
}

/** The "missing" error for an artifact the server answered with an HTML page. */
export function htmlAnswerError(file: string, url: string): ArtifactMissingError {
  return new ArtifactMissingError(file, `GET ${url} answered with an HTML page, not the file (a dev/preview server's fallback for a path it does not have): the file is missing there`);
}

const isHtmlPath = (p: string): boolean => /\.html?$/i.test(p);

/** Reads `relativePath` (e.g. "params_shard_0.bin") of one model folder. Rejects with ArtifactMissingError (no such file) or ModelNetworkError (no answer). */
export type FileSource = (relativePath: string) => Promise<ArrayBuffer>;

/** Joins a base URL (absolute, or relative to the page/worker origin) and a file name. */
export function joinUrl(base: string, file: string): string {
  return base.endsWith('/') ? base + file : `${base}/${file}`;
}

/**
 * A FileSource over HTTP(S) with the global fetch. `base` may be relative ("/models/x"): it is
 * then resolved against `origin` (in a worker, `self.location.origin`), since fetch in a worker
 * resolves relative URLs against the worker script, not the page.
 */
export function fetchFileSource(base: string, opts: { origin?: string; fetchImpl?: typeof fetch } = {}): FileSource {
  const doFetch = opts.fetchImpl ?? fetch;
  const root = opts.origin && !/^[a-z][a-z0-9+.-]*:/i.test(base) ? new URL(base, opts.origin).href : base;
  return async (relativePath) => {
    const url = joinUrl(root, relativePath);
    let res: Response;
    try {
      res = await doFetch(url);
    } catch (e) {
      // fetch rejects only when no HTTP answer came back at all (refused, DNS, CORS, offline).
      throw new ModelNetworkError(url, (e as Error).message, { cause: e, file: relativePath });
    }
    if (!res.ok) throw new ArtifactMissingError(relativePath, `GET ${url} answered HTTP ${res.status}`);
    const body = await res.arrayBuffer();
    if (!isHtmlPath(relativePath) && looksLikeHtml(body, res.headers.get('content-type'))) throw htmlAnswerError(relativePath, url);
    return body;
  };
}

/** A FileSource over an in-memory folder (tests, the generator's round trip). */
export function memoryFileSource(files: ReadonlyMap<string, Uint8Array>): FileSource {
  return async (relativePath) => {
    const bytes = files.get(relativePath);
    if (!bytes) throw new ArtifactMissingError(relativePath, 'no such file');
    return bytes.slice().buffer;
  };
}

/** Reads and parses a JSON file of the model folder; bad JSON names the file. */
export async function readJsonFile(source: FileSource, relativePath: string): Promise<unknown> {
  const buf = await source(relativePath);
  const text = new TextDecoder().decode(buf);
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new ArtifactCorruptError(relativePath, `not valid JSON (${(e as Error).message})`, undefined, { cause: e });
  }
}
