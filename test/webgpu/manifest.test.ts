import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import {
  ArtifactChecksumError,
  ManifestInvalidError,
  manifestTotalBytes,
  parseManifest,
  sha256Hex,
  validateManifest,
  verifyArtifact,
} from '../../src/core/manifest.ts';

const SHA_A = 'a'.repeat(64);

function goodManifest(): Record<string, unknown> {
  return {
    schema: 'ftlab-manifest',
    version: 1,
    id: 'llama2-7b-ft-paws4000-q4f16_1',
    baseModel: 'meta-llama/Llama-2-7b-hf',
    method: 'ft',
    training: { dataset: 'paws_train_4000', size: 4000, shots: 0 },
    template: 0,
    quantization: 'q4f16_1',
    modelLib: null,
    files: [
      { path: 'mlc-chat-config.json', sha256: SHA_A, size: 10 },
      { path: 'tensor-cache.json', sha256: SHA_A.toUpperCase(), size: 20 },
      { path: 'tokenizer.json', sha256: SHA_A, size: 30 },
      { path: 'params_shard_0.bin', sha256: SHA_A, size: 40 },
    ],
  };
}

function problemsOf(json: unknown): string[] {
  try {
    validateManifest(json);
  } catch (e) {
    expect(e).toBeInstanceOf(ManifestInvalidError);
    return (e as ManifestInvalidError).problems;
  }
  throw new Error('expected the manifest to be rejected');
}

describe('validateManifest', () => {
  it('accepts a complete manifest and normalizes sha256 to lowercase', () => {
    const m = validateManifest(goodManifest());
    expect(m.id).toBe('llama2-7b-ft-paws4000-q4f16_1');
    expect(m.training).toEqual({ dataset: 'paws_train_4000', size: 4000, shots: 0 });
    expect(m.files[1].sha256).toBe(SHA_A);
    expect(manifestTotalBytes(m)).toBe(100);
  });

  it('accepts files given as a {path: {sha256, size}} map', () => {
    const j = goodManifest();
    j.files = Object.fromEntries((j.files as { path: string; sha256: string; size: number }[]).map((f) => [f.path, { sha256: f.sha256, size: f.size }]));
    expect(validateManifest(j).files.map((f) => f.path)).toContain('params_shard_0.bin');
  });

  it('base models take training null and template null', () => {
    const m = validateManifest({ ...goodManifest(), method: 'base', training: null, template: null });
    expect(m.training).toBeNull();
    expect(m.template).toBeNull();
  });

  it('names each problem, all at once', () => {
    const j = goodManifest();
    delete j.baseModel;
    j.method = 'lora';
    j.version = 2;
    const problems = problemsOf(j);
    expect(problems).toContain('"baseModel" must be a non-empty string, got nothing');
    expect(problems.some((p) => p.startsWith('"method" must be one of "base", "ft", "fticl", got "lora"'))).toBe(true);
    expect(problems.some((p) => p.includes('newer ftlab'))).toBe(true);
  });

  it('rejects a non-object and bad JSON with a specific message', () => {
    expect(problemsOf([1, 2])).toEqual(['expected a JSON object, got an array']);
    expect(() => parseManifest('{"schema": ')).toThrow(/ftlab-manifest.json is invalid: not valid JSON/);
  });

  it('checks training against the method', () => {
    expect(problemsOf({ ...goodManifest(), method: 'base' })[0]).toMatch(/"training" must be null for method "base"/);
    expect(problemsOf({ ...goodManifest(), method: 'fticl' })).toContain(
      '"training.shots" must be > 0 for method "fticl" (in-context examples per training example)',
    );
    expect(problemsOf({ ...goodManifest(), training: { dataset: 'x', size: 10, shots: 2 } })[0]).toMatch(/use method "fticl"/);
    expect(problemsOf({ ...goodManifest(), training: { dataset: '', size: -1 } })).toEqual([
      '"training.dataset" must be a non-empty string, got ""',
      '"training.size" must be a positive integer, got number -1',
    ]);
  });

  it('rejects unsafe or duplicate paths, bad hashes and sizes', () => {
    const j = goodManifest();
    (j.files as unknown[]).push(
      { path: '../etc/passwd', sha256: SHA_A, size: 1 },
      { path: 'tokenizer.json', sha256: SHA_A, size: 1 },
      { path: 'x.bin', sha256: 'abc', size: 1.5 },
    );
    const problems = problemsOf(j);
    expect(problems.some((p) => p.startsWith('files[4].path must be a relative path'))).toBe(true);
    expect(problems).toContain('files[5]: "tokenizer.json" is listed twice');
    expect(problems).toContain('files[6] ("x.bin").sha256 must be 64 hex digits, got "abc"');
    expect(problems).toContain('files[6] ("x.bin").size must be a non-negative integer (bytes), got number 1.5');
  });

  it('requires the files web-llm fetches', () => {
    const j = goodManifest();
    j.files = [{ path: 'params_shard_0.bin', sha256: SHA_A, size: 1 }];
    expect(problemsOf(j)).toEqual([
      '"files" lacks mlc-chat-config.json (an MLC weight folder needs it)',
      '"files" lacks tensor-cache.json (an MLC weight folder needs it)',
      '"files" lacks tokenizer.json (or tokenizer.model)',
    ]);
  });

  it('checks ids and model lib URLs', () => {
    expect(problemsOf({ ...goodManifest(), id: 'a b/c' })[0]).toMatch(/"id" may hold only/);
    expect(problemsOf({ ...goodManifest(), modelLib: 'https://x/y.so' })[0]).toMatch(/"modelLib" must point to a .wasm file/);
    expect(validateManifest({ ...goodManifest(), modelLib: 'https://x/lib.wasm' }).modelLib).toBe('https://x/lib.wasm');
  });
});

describe('sha256 verification', () => {
  const bytes = new TextEncoder().encode('ftlab artifact bytes\n');
  const expected = createHash('sha256').update(bytes).digest('hex');

  it('sha256Hex agrees with node:crypto, for buffers and views', async () => {
    expect(await sha256Hex(bytes)).toBe(expected);
    expect(await sha256Hex(bytes.buffer)).toBe(expected);
    const padded = new Uint8Array(bytes.length + 8);
    padded.set(bytes, 4);
    expect(await sha256Hex(padded.subarray(4, 4 + bytes.length))).toBe(expected);
  });

  it('verifyArtifact passes good bytes and names the file on a mismatch', async () => {
    await verifyArtifact({ path: 'a.bin', sha256: expected, size: bytes.length }, bytes);
    const flipped = bytes.slice();
    flipped[0] ^= 1;
    const err = await verifyArtifact({ path: 'a.bin', sha256: expected, size: bytes.length }, flipped).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ArtifactChecksumError);
    expect((err as ArtifactChecksumError).code).toBe('artifact-corrupt');
    expect((err as ArtifactChecksumError).file).toBe('a.bin');
    expect((err as Error).message).toContain(`does not match the manifest's ${expected}`);
    await expect(verifyArtifact({ path: 'a.bin', sha256: expected, size: 3 }, bytes)).rejects.toThrow(/size 21 bytes does not match the manifest's 3 bytes/);
  });
});

describe('compatibility with scripts/make-tiny-model.ts', () => {
  it("accepts the generator's manifest (schemaVersion, bytes, description, generator)", async () => {
    const { manifestFor, TINY_MODELS } = await import('../../scripts/make-tiny-model.ts');
    const enc = new TextEncoder();
    const files = new Map<string, Uint8Array>(
      ['mlc-chat-config.json', 'tensor-cache.json', 'tokenizer.json', 'params_shard_0.bin'].map((p) => [p, enc.encode(`bytes of ${p}`)]),
    );
    const spec = TINY_MODELS.find((s) => s.quantization === 'q4f16_1') ?? TINY_MODELS[0];
    const m = validateManifest(manifestFor(spec, files));
    expect(m.id).toBe(spec.id);
    expect(m.method).toBe('base');
    expect(m.training).toBeNull();
    expect(m.modelLib).toBeNull();
    expect(m.files.find((f) => f.path === 'tokenizer.json')?.size).toBe(files.get('tokenizer.json')?.byteLength);
    await verifyArtifact(m.files[0], files.get(m.files[0].path) as Uint8Array);
  });
});
