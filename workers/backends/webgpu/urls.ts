/**
 * Model URLs as web-llm 0.2.86 reads them, and how to give it a plain folder.
 *
 * web-llm passes `ModelRecord.model` through `cleanModelUrl` (lib/index.js): it appends "/",
 * then appends "resolve/main/" unless the string matches /.+\/resolve\/.+\//, then returns
 * `new URL(url).href`. So a Hugging Face repo URL works as is, but a folder served by any other
 * static server (`http://host/models/foo/`) would be fetched from `…/foo/resolve/main/…` and 404.
 * Also, `new URL(url)` has no base there: a relative URL throws "Invalid URL" before web-llm's
 * own relative-URL handling is reached, so relative URLs must be made absolute first.
 *
 * The fix for plain folders needs no special server layout: web-llm tests the regex on the raw
 * string but uses the URL after `new URL()`, which removes dot segments. So
 * `http://host/models/foo/resolve/main/../../` passes the test and resolves to
 * `http://host/models/foo/`, the folder itself.
 *
 * Pure functions, no web-llm import: unit-tested in Node.
 */

/** What kind of location the user gave. */
export type ModelUrlKind = 'huggingface-repo' | 'resolve-path' | 'plain-folder';

export interface NormalizedModelUrl {
  kind: ModelUrlKind;
  /** The string to put in ModelRecord.model. */
  recordUrl: string;
  /** The folder web-llm will fetch files from (ends with "/"): mlc-chat-config.json etc. live here. */
  folderUrl: string;
}

/** Hosts that serve repos under `/<user>/<repo>/resolve/<rev>/` (web-llm's default layout). */
const HF_HOSTS = new Set(['huggingface.co', 'hf.co', 'www.huggingface.co', 'hf-mirror.com']);

const RESOLVE_SEGMENT = /.+\/resolve\/.+\//;

/** Suffix that satisfies web-llm's /resolve/ test and cancels out under URL normalization. */
export const DOT_SEGMENT_SUFFIX = 'resolve/main/../../';

/** A faithful copy of web-llm 0.2.86's cleanModelUrl (lib/index.js): the folder it fetches from. */
export function webLlmFolderOf(recordUrl: string): string {
  let u = recordUrl;
  u += u.endsWith('/') ? '' : '/';
  if (!RESOLVE_SEGMENT.test(u)) u += 'resolve/main/';
  return new URL(u).href;
}

function withSlash(u: string): string {
  return u.endsWith('/') ? u : `${u}/`;
}

/**
 * Turns what a user typed (absolute or relative URL of an MLC weight folder, a Hugging Face repo
 * URL, or a `…/resolve/<rev>/` URL) into the ModelRecord.model string web-llm needs.
 * `base` resolves relative URLs (in a worker: `self.location.href`).
 */
export function normalizeModelUrl(input: string, base?: string): NormalizedModelUrl {
  const trimmed = input.trim();
  if (trimmed === '') throw new TypeError('empty model URL');
  let abs: URL;
  try {
    abs = base !== undefined ? new URL(trimmed, base) : new URL(trimmed);
  } catch {
    throw new TypeError(`not a valid URL: "${trimmed}"${base === undefined ? ' (a relative URL needs a base)' : ''}`);
  }
  if (abs.protocol !== 'http:' && abs.protocol !== 'https:') {
    throw new TypeError(`model URL must be http(s), got "${abs.protocol}" in "${trimmed}"`);
  }
  abs.search = '';
  abs.hash = '';
  const href = withSlash(abs.href);

  if (RESOLVE_SEGMENT.test(href)) {
    return { kind: 'resolve-path', recordUrl: href, folderUrl: webLlmFolderOf(href) };
  }
  const pathParts = abs.pathname.split('/').filter((s) => s !== '');
  if (HF_HOSTS.has(abs.hostname) && pathParts.length === 2) {
    return { kind: 'huggingface-repo', recordUrl: href, folderUrl: webLlmFolderOf(href) };
  }
  if (HF_HOSTS.has(abs.hostname) && pathParts.length >= 4 && (pathParts[2] === 'tree' || pathParts[2] === 'blob')) {
    // A repo page URL copied from the browser (…/tree/<rev>/…): files are served under /resolve/.
    const resolved = `${abs.origin}/${pathParts[0]}/${pathParts[1]}/resolve/${pathParts.slice(3).join('/')}/`;
    return { kind: 'resolve-path', recordUrl: resolved, folderUrl: webLlmFolderOf(resolved) };
  }
  const recordUrl = href + DOT_SEGMENT_SUFFIX;
  return { kind: 'plain-folder', recordUrl, folderUrl: webLlmFolderOf(recordUrl) };
}

/** URL of one artifact of a model folder, exactly as web-llm builds it (`new URL(file, folder)`). */
export function artifactUrl(folderUrl: string, path: string): string {
  return new URL(path, folderUrl).href;
}

/**
 * Base URL under which locally imported folders are cached. It is never fetched when the import
 * is complete; if a file is missing, the fetch fails at once (the .invalid TLD never resolves)
 * rather than hitting some real server. It must not contain "localhost": web-llm fetches model
 * libs whose URL contains "localhost" directly and never looks in its cache for them.
 */
export const IMPORT_BASE_URL = 'https://ftlab-import.invalid/';

/** Folder URL (and record URL) of a locally imported model. */
export function importedModelUrl(modelId: string): NormalizedModelUrl {
  return normalizeModelUrl(`${IMPORT_BASE_URL}${encodeURIComponent(modelId)}/`);
}

/**
 * Would web-llm 0.2.86 read this model lib from its cache? It fetches a lib directly (and never
 * caches it) when the URL contains "localhost" or is not http(s)-prefixed.
 */
export function isModelLibCached(modelLibUrl: string): boolean {
  return modelLibUrl.startsWith('http') && !modelLibUrl.includes('localhost');
}
