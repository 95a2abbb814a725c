import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { validateManifest } from '../../src/core/manifest.ts';
import { buildRandomLlama, TINY_CONFIG, TINY_MODELS, writeRandomLlama } from '../../scripts/make-tiny-model.ts';

const tmp = mkdtempSync(path.join(tmpdir(), 'ftlab-gen-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('make-tiny-model', () => {
  it('is deterministic: the same spec gives the same bytes', () => {
    const a = buildRandomLlama(TINY_MODELS[1]);
    const b = buildRandomLlama(TINY_MODELS[1]);
    expect([...a.keys()].sort()).toEqual(['README.md', 'mlc-chat-config.json', 'params_shard_0.bin', 'tensor-cache.json', 'tokenizer.json', 'tokenizer_config.json']);
    for (const [k, v] of a) expect(Buffer.compare(Buffer.from(v), Buffer.from(b.get(k)!)), k).toBe(0);
  });

  it('writes a folder with a valid manifest (sha256 and size of every file) and skips it when current', () => {
    const spec = { ...TINY_MODELS[1], id: 'gen-test' };
    const dir = path.join(tmp, 'gen-test');
    expect(writeRandomLlama(dir, spec)).toBe(true);
    const mtime = statSync(path.join(dir, 'params_shard_0.bin')).mtimeMs;
    expect(writeRandomLlama(dir, spec)).toBe(false);
    expect(statSync(path.join(dir, 'params_shard_0.bin')).mtimeMs).toBe(mtime);
    const manifest = validateManifest(JSON.parse(readFileSync(path.join(dir, 'ftlab-manifest.json'), 'utf8')));
    expect(manifest).toMatchObject({ id: 'gen-test', method: 'base', quantization: 'q4f16_1' });
    const onDisk = readdirSync(dir).filter((f) => f !== 'ftlab-manifest.json').sort();
    expect(manifest.files.map((f) => f.path).sort()).toEqual(onDisk);
    for (const f of manifest.files) {
      const bytes = readFileSync(path.join(dir, f.path));
      expect(f.size).toBe(bytes.byteLength);
      expect(f.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    }
    expect(readFileSync(path.join(dir, 'README.md'), 'utf8')).toMatch(/random noise\. This model writes nonsense by design/);
    // A changed spec regenerates.
    expect(writeRandomLlama(dir, { ...spec, seed: spec.seed + 1 })).toBe(true);
  });

  it('caps shards and pads down_proj K (172 → 6 groups of 32)', () => {
    const files = buildRandomLlama({ ...TINY_MODELS[1], maxShardBytes: 512 * 1024 });
    const index = JSON.parse(new TextDecoder().decode(files.get('tensor-cache.json'))) as {
      records: { dataPath: string; nbytes: number; records: { name: string; shape: number[]; dtype: string }[] }[];
    };
    expect(index.records.length).toBeGreaterThan(3);
    for (const s of index.records) expect(s.nbytes <= 512 * 1024 || s.records.length === 1).toBe(true);
    const all = index.records.flatMap((s) => s.records);
    const down = all.filter((r) => r.name === 'model.layers.0.mlp.down_proj.q_weight' || r.name === 'model.layers.0.mlp.down_proj.q_scale');
    expect(down.map((r) => [r.dtype, r.shape])).toEqual([
      ['uint32', [TINY_CONFIG.hiddenSize, 24]],
      ['float16', [TINY_CONFIG.hiddenSize, 6]],
    ]);
    expect(all.find((r) => r.name === 'model.embed_tokens.q_weight')?.shape).toEqual([32000, 8]);
  });
});
