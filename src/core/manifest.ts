/**
 * `ftlab-manifest.json`: what a folder of model artifacts is (which base model, which method,
 * trained on what) and exactly which bytes it holds (sha256 and size of every file), so that a
 * result can say which model produced it and a download or local import can be verified.
 *
 * Framework-free: the validator works on parsed JSON and the checksum uses WebCrypto
 * (`crypto.subtle`, present in Node 20+, pages and workers).
 */
import { FtlabError } from './errors.ts';
import { ArtifactCorruptError } from './engine-errors.ts';

export const MANIFEST_FILE = 'ftlab-manifest.json';
export const MANIFEST_SCHEMA = 'ftlab-manifest';
export const MANIFEST_VERSION = 1;

/** How the weights came about (the paper's three variants). */
export type TrainingMethod = 'base' | 'ft' | 'fticl';
export const TRAINING_METHODS: readonly TrainingMethod[] = ['base', 'ft', 'fticl'];


export interface ManifestTraining {
  /** Training set name, e.g. "xsum_train_2000" or "paws_train_4000". */
  dataset: string;
  /** Number of training examples actually used. */
  size: number;
  /** In-context examples per FTICL training example (0 for plain FT). */
  shots: number;
}

export interface ManifestFile {
  /** Path relative to the folder, '/'-separated, e.g. "params_shard_0.bin". */
  path: string;
  /** Lowercase hex sha256 of the file's bytes. */
  sha256: string;
  /** Size in bytes. */
  size: number;
}

/**
 * Field names: the validator also accepts what scripts/make-tiny-model.ts writes ("schemaVersion"
 * for "version", "bytes" for a file's "size", "description" for "notes", no "schema"); other
 * extra fields ("format", "generator") are allowed and ignored.
 */
export interface FtlabManifest {
  schema: typeof MANIFEST_SCHEMA;
  version: typeof MANIFEST_VERSION;
  /** Stable model id (also the web-llm model_id), e.g. "llama2-7b-ft-paws4000-q4f16_1". */
  id: string;
  /** The model the weights start from, e.g. "meta-llama/Llama-2-7b-hf". */
  baseModel: string;
  method: TrainingMethod;
  /** null for the base model. */
  training: ManifestTraining | null;
  /** Prompt template ("map") used in training: 0 (`### Input:`) or 1 (natural language); null for base. */
  template: number | null;
  /** MLC quantization, e.g. "q4f16_1". Must match mlc-chat-config.json's. */
  quantization: string;
  /** URL of the compiled model library; null: the prebuilt lib of this quantization. */
  modelLib: string | null;
  /** Every artifact file, ftlab-manifest.json itself excluded. */
  files: ManifestFile[];
  /** Free text: who made it, how it was converted, caveats. */
  notes?: string;
}

/** The manifest is missing a field, has a wrong type, or contradicts itself. */
export class ManifestInvalidError extends FtlabError {
  readonly problems: string[];
  constructor(problems: string[], source = MANIFEST_FILE) {
    super(
      'manifest-invalid',
      `${source} is invalid: ${problems.join('; ')}`,
      `fix ${source} (fields: schema, version, id, baseModel, method, training, template, quantization, modelLib, files[{path, sha256, size}])`,
    );
    this.problems = problems;
  }
}

/** A file's bytes do not match the manifest (wrong sha256 or size): a corrupt or swapped file. */
export class ArtifactChecksumError extends ArtifactCorruptError {
  readonly expected: string;
  readonly actual: string;
  constructor(file: string, what: 'sha256' | 'size', expected: string, actual: string) {
    super(file, `${what} ${actual} does not match the manifest's ${expected}`);
    this.expected = expected;
    this.actual = actual;
  }
}

const SHA256_HEX = /^[0-9a-f]{64}$/;
/** Model ids become URL path segments and cache keys: keep them plain. */
const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

type Json = Record<string, unknown>;

function isObject(x: unknown): x is Json {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  return typeof v === 'object' ? 'an object' : `${typeof v} ${String(v)}`;
}

/** A relative, normalized, '/'-separated path that cannot escape the folder. */
function isSafeRelativePath(p: string): boolean {
  if (p.length === 0 || p.startsWith('/') || p.includes('\\') || p.includes('?') || p.includes('#')) return false;
  return p.split('/').every((seg) => seg !== '' && seg !== '.' && seg !== '..');
}

function validateFiles(raw: unknown, problems: string[]): ManifestFile[] {
  // Accept both the canonical array and a {path: {sha256, size}} map (easier to write by hand).
  let entries: [string | undefined, unknown][];
  if (Array.isArray(raw)) entries = raw.map((f) => [undefined, f]);
  else if (isObject(raw)) entries = Object.entries(raw);
  else {
    problems.push(`"files" must be an array of {path, sha256, size}, got ${describe(raw)}`);
    return [];
  }
  const files: ManifestFile[] = [];
  const seen = new Set<string>();
  entries.forEach(([key, f], i) => {
    const where = key !== undefined ? `files["${key}"]` : `files[${i}]`;
    if (!isObject(f)) {
      problems.push(`${where} must be an object, got ${describe(f)}`);
      return;
    }
    const path = key ?? f.path;
    if (typeof path !== 'string' || !isSafeRelativePath(path)) {
      problems.push(`${where}.path must be a relative path inside the folder (no "..", no leading "/"), got ${describe(path)}`);
      return;
    }
    if (path === MANIFEST_FILE) problems.push(`${where}: the manifest must not list itself`);
    if (seen.has(path)) problems.push(`${where}: "${path}" is listed twice`);
    seen.add(path);
    const sha = f.sha256;
    if (typeof sha !== 'string' || !SHA256_HEX.test(sha.toLowerCase())) {
      problems.push(`${where} ("${path}").sha256 must be 64 hex digits, got ${describe(sha)}`);
    }
    // "bytes" is what scripts/make-tiny-model.ts writes; "size" is the documented name.
    const size = f.size ?? f.bytes;
    if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) {
      problems.push(`${where} ("${path}").size must be a non-negative integer (bytes), got ${describe(size)}`);
    }
    if (typeof sha === 'string' && typeof size === 'number') files.push({ path, sha256: sha.toLowerCase(), size });
  });
  if (entries.length === 0) problems.push('"files" is empty: list every artifact with its sha256 and size');
  return files;
}

/** The files an MLC weight folder cannot do without (web-llm requests exactly these names). */
export const REQUIRED_ARTIFACTS = ['mlc-chat-config.json', 'tensor-cache.json'] as const;

/**
 * Validates parsed ftlab-manifest.json and returns it normalized (sha256 lowercased, files as an
 * array). Collects every problem and throws one ManifestInvalidError listing them all.
 */
export function validateManifest(json: unknown, source = MANIFEST_FILE): FtlabManifest {
  if (!isObject(json)) throw new ManifestInvalidError([`expected a JSON object, got ${describe(json)}`], source);
  const p: string[] = [];
  const str = (k: string): string | undefined => {
    const v = json[k];
    if (typeof v !== 'string' || v.trim() === '') {
      p.push(`"${k}" must be a non-empty string, got ${describe(v)}`);
      return undefined;
    }
    return v;
  };

  // "schema" may be left out; "schemaVersion" (scripts/make-tiny-model.ts) is read as "version".
  if (json.schema !== undefined && json.schema !== MANIFEST_SCHEMA) p.push(`"schema" must be "${MANIFEST_SCHEMA}", got ${describe(json.schema)}`);
  const version = json.version ?? json.schemaVersion;
  if (version !== MANIFEST_VERSION) {
    p.push(`"version" must be ${MANIFEST_VERSION}, got ${describe(version)}${typeof version === 'number' && version > MANIFEST_VERSION ? ' (written by a newer ftlab: update the app)' : ''}`);
  }
  const id = str('id');
  if (id !== undefined && !ID_PATTERN.test(id)) p.push(`"id" may hold only letters, digits, ".", "_", "-" (max 128), got ${describe(id)}`);
  const baseModel = str('baseModel');
  const method = json.method;
  if (typeof method !== 'string' || !(TRAINING_METHODS as readonly string[]).includes(method)) {
    p.push(`"method" must be one of ${TRAINING_METHODS.map((m) => `"${m}"`).join(', ')}, got ${describe(method)}`);
  }

  let training: ManifestTraining | null = null;
  const t = json.training;
  if (method === 'base') {
    if (t !== null && t !== undefined) p.push(`"training" must be null for method "base", got ${describe(t)}`);
  } else if (typeof method === 'string') {
    if (!isObject(t)) p.push(`"training" must be {dataset, size, shots} for method "${method}", got ${describe(t)}`);
    else {
      if (typeof t.dataset !== 'string' || t.dataset.trim() === '') p.push(`"training.dataset" must be a non-empty string, got ${describe(t.dataset)}`);
      if (typeof t.size !== 'number' || !Number.isInteger(t.size) || t.size <= 0) p.push(`"training.size" must be a positive integer, got ${describe(t.size)}`);
      const shots = t.shots ?? 0;
      if (typeof shots !== 'number' || !Number.isInteger(shots) || shots < 0) p.push(`"training.shots" must be a non-negative integer, got ${describe(t.shots)}`);
      else if (method === 'fticl' && shots === 0) p.push('"training.shots" must be > 0 for method "fticl" (in-context examples per training example)');
      else if (method === 'ft' && shots !== 0) p.push(`"training.shots" must be 0 for method "ft" (use method "fticl" for ${shots}-shot training)`);
      if (typeof t.dataset === 'string' && typeof t.size === 'number' && typeof shots === 'number') {
        training = { dataset: t.dataset, size: t.size, shots };
      }
    }
  }

  const template = json.template ?? null;
  if (template !== null && template !== 0 && template !== 1) p.push(`"template" must be 0, 1 or null, got ${describe(template)}`);
  const quantization = str('quantization');
  const modelLib = json.modelLib ?? null;
  if (modelLib !== null) {
    if (typeof modelLib !== 'string' || modelLib.trim() === '') p.push(`"modelLib" must be a URL string or null, got ${describe(modelLib)}`);
    else if (!/\.wasm(\?.*)?$/.test(modelLib)) p.push(`"modelLib" must point to a .wasm file, got ${describe(modelLib)}`);
  }
  const notes = json.notes ?? json.description;
  if (notes !== undefined && typeof notes !== 'string') p.push(`"notes" must be a string, got ${describe(notes)}`);

  const files = validateFiles(json.files, p);
  if (files.length > 0) {
    for (const req of REQUIRED_ARTIFACTS) {
      if (!files.some((f) => f.path === req)) p.push(`"files" lacks ${req} (an MLC weight folder needs it)`);
    }
    if (!files.some((f) => f.path === 'tokenizer.json' || f.path === 'tokenizer.model')) p.push('"files" lacks tokenizer.json (or tokenizer.model)');
  }

  if (p.length > 0) throw new ManifestInvalidError(p, source);
  return {
    schema: MANIFEST_SCHEMA,
    version: MANIFEST_VERSION,
    id: id as string,
    baseModel: baseModel as string,
    method: method as TrainingMethod,
    training,
    template: template as number | null,
    quantization: quantization as string,
    modelLib: modelLib as string | null,
    files,
    ...(typeof notes === 'string' ? { notes } : {}),
  };
}

/** Parses the text of ftlab-manifest.json; a JSON syntax error becomes a ManifestInvalidError. */
export function parseManifest(text: string, source = MANIFEST_FILE): FtlabManifest {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new ManifestInvalidError([`not valid JSON (${e instanceof Error ? e.message : String(e)})`], source);
  }
  return validateManifest(json, source);
}

/** Lowercase hex sha256 of some bytes (WebCrypto). */
export async function sha256Hex(bytes: ArrayBuffer | ArrayBufferView): Promise<string> {
  const view = bytes instanceof ArrayBuffer ? new Uint8Array(bytes) : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const digest = await globalThis.crypto.subtle.digest('SHA-256', view as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Checks one file's bytes against its manifest entry (size first: it is free). */
export async function verifyArtifact(entry: ManifestFile, bytes: ArrayBuffer | ArrayBufferView): Promise<void> {
  if (bytes.byteLength !== entry.size) throw new ArtifactChecksumError(entry.path, 'size', `${entry.size} bytes`, `${bytes.byteLength} bytes`);
  const actual = await sha256Hex(bytes);
  if (actual !== entry.sha256) throw new ArtifactChecksumError(entry.path, 'sha256', entry.sha256, actual);
}

/** Total bytes of the listed artifacts. */
export function manifestTotalBytes(manifest: FtlabManifest): number {
  return manifest.files.reduce((s, f) => s + f.size, 0);
}
