import { describe, expect, it } from 'vitest';
import { ArtifactCorruptError, ArtifactMissingError } from '../../src/core/engine-errors.ts';
import { roundToBf16, roundToF16 } from '../../src/core/mlc/dtype.ts';
import { memoryFileSource } from '../../src/core/mlc/file-source.ts';
import { loadTensorStore, openTensorCache } from '../../src/core/mlc/reader.ts';
import { buildTensorCache, weightTensors, type TensorToWrite } from '../../src/core/mlc/writer.ts';
import { parseQuantization } from '../../src/core/mlc/quantization.ts';
import type { TensorCacheJson } from '../../src/core/mlc/tensor-cache.ts';

const vals = (n: number, seed = 1) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37 + seed) * 3);

function sample(): TensorToWrite[] {
  return [
    { name: 'a.f32', dtype: 'float32', shape: [3, 5], data: vals(15) },
    { name: 'b.f16', dtype: 'float16', shape: [7], data: vals(7, 2) }, // 14 bytes: misaligns what follows
    { name: 'c.bf16', dtype: 'float32', shape: [2, 3], data: vals(6, 3), format: 'f32-to-bf16' },
    { name: 'd.u32', dtype: 'uint32', shape: [4], data: new Uint32Array([0, 1, 0xffffffff, 0x76543210]) },
    { name: 'e.bfloat16', dtype: 'bfloat16', shape: [3], data: vals(3, 4) },
  ];
}

async function roundTrip(tensors: TensorToWrite[], maxShardBytes?: number) {
  const { files, index } = buildTensorCache(tensors, { maxShardBytes });
  const store = await loadTensorStore(memoryFileSource(files));
  return { files, index, store };
}

/** Rewrites the index of an in-memory folder. */
function withIndex(files: Map<string, Uint8Array>, edit: (idx: TensorCacheJson) => void): Map<string, Uint8Array> {
  const idx = JSON.parse(new TextDecoder().decode(files.get('tensor-cache.json'))) as TensorCacheJson;
  edit(idx);
  const out = new Map(files);
  out.set('tensor-cache.json', new TextEncoder().encode(JSON.stringify(idx)));
  return out;
}

describe('tensor cache writer → reader', () => {
  it('round-trips float32, float16, bfloat16, f32-to-bf16 and uint32 records (misaligned offsets too)', async () => {
    const { store, index } = await roundTrip(sample());
    expect(index.records).toHaveLength(1);
    expect(index.records[0].records.map((r) => r.byteOffset)).toEqual([0, 60, 74, 86, 102]);
    expect(Array.from(store.float32('a.f32', [3, 5]))).toEqual(Array.from(vals(15)));
    expect(Array.from(store.float32('b.f16'))).toEqual(Array.from(vals(7, 2), roundToF16));
    expect(Array.from(store.float32('c.bf16'))).toEqual(Array.from(vals(6, 3), roundToBf16));
    expect(Array.from(store.uint32('d.u32'))).toEqual([0, 1, 0xffffffff, 0x76543210]);
    expect(Array.from(store.float32('e.bfloat16'))).toEqual(Array.from(vals(3, 4), roundToBf16));
    expect(store.get('c.bf16').dtype).toBe('float32');
  });

  it('splits shards at the cap and reads records by name across shards', async () => {
    const { index, store } = await roundTrip(sample(), 64);
    expect(index.records.map((s) => s.dataPath)).toEqual(['params_shard_0.bin', 'params_shard_1.bin']);
    expect(index.records.every((s) => s.nbytes <= 64)).toBe(true);
    expect(store.names().sort()).toEqual(['a.f32', 'b.f16', 'c.bf16', 'd.u32', 'e.bfloat16']);
    expect(Array.from(store.uint32('d.u32'))).toEqual([0, 1, 0xffffffff, 0x76543210]);
  });

  it('writes q_weight/q_scale for a quantized linear, unquantized .weight otherwise', () => {
    const w = vals(4 * 40);
    const q = weightTensors('x', w, 4, 40, parseQuantization('q4f16_1'));
    expect(q.map((t) => [t.name, t.dtype, t.shape])).toEqual([
      ['x.q_weight', 'uint32', [4, 8]],
      ['x.q_scale', 'float16', [4, 2]],
    ]);
    expect(weightTensors('x', w, 4, 40, parseQuantization('q0f32')).map((t) => t.name)).toEqual(['x.weight']);
  });

  it('reads the older ndarray-cache.json name', async () => {
    const { files } = buildTensorCache(sample(), { indexFile: 'ndarray-cache.json' });
    const opened = await openTensorCache(memoryFileSource(files));
    expect(opened.file).toBe('ndarray-cache.json');
    const store = await loadTensorStore(memoryFileSource(files), { opened });
    expect(store.has('a.f32')).toBe(true);
  });

  it('reports progress per shard', async () => {
    const { files } = buildTensorCache(sample(), { maxShardBytes: 64 });
    const seen: number[] = [];
    await loadTensorStore(memoryFileSource(files), { onProgress: (p) => seen.push(p.loadedBytes / p.totalBytes) });
    expect(seen).toHaveLength(2);
    expect(seen[1]).toBe(1);
  });
});

describe('tensor cache errors name the file and the tensor', () => {
  it('missing index → ArtifactMissingError', async () => {
    const { files } = buildTensorCache(sample());
    files.delete('tensor-cache.json');
    await expect(openTensorCache(memoryFileSource(files))).rejects.toThrow(ArtifactMissingError);
    await expect(openTensorCache(memoryFileSource(files))).rejects.toThrow(/tensor-cache\.json/);
  });

  it('bad JSON → ArtifactCorruptError naming the file', async () => {
    const { files } = buildTensorCache(sample());
    files.set('tensor-cache.json', new TextEncoder().encode('{"records": ['));
    const err = await openTensorCache(memoryFileSource(files)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ArtifactCorruptError);
    expect((err as ArtifactCorruptError).file).toBe('tensor-cache.json');
    expect((err as Error).message).toMatch(/not valid JSON/);
  });

  it('nbytes that disagree with dtype × shape', async () => {
    const { files } = buildTensorCache(sample());
    const bad = withIndex(files, (idx) => {
      idx.records[0].records[1].nbytes = 16;
    });
    const err = await openTensorCache(memoryFileSource(bad)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ArtifactCorruptError);
    expect((err as ArtifactCorruptError).tensor).toBe('b.f16');
    expect((err as Error).message).toMatch(/nbytes 16 does not match float16\[7\]/);
  });

  it('a record running past its shard', async () => {
    const { files } = buildTensorCache(sample());
    const bad = withIndex(files, (idx) => {
      idx.records[0].records[4].byteOffset = 200;
    });
    await expect(openTensorCache(memoryFileSource(bad))).rejects.toThrow(/e\.bfloat16: record runs to byte 206, past the end of params_shard_0\.bin/);
  });

  it('a truncated shard → ArtifactCorruptError naming the shard', async () => {
    const { files } = buildTensorCache(sample(), { maxShardBytes: 64 });
    files.set('params_shard_1.bin', files.get('params_shard_1.bin')!.slice(0, 10));
    const err = await loadTensorStore(memoryFileSource(files)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ArtifactCorruptError);
    expect((err as ArtifactCorruptError).file).toBe('params_shard_1.bin');
    expect((err as Error).message).toMatch(/params_shard_1\.bin: 10 bytes but tensor-cache\.json says \d+ \(truncated\)/);
  });

  it('a missing shard → ArtifactMissingError naming the shard', async () => {
    const { files } = buildTensorCache(sample(), { maxShardBytes: 64 });
    files.delete('params_shard_0.bin');
    await expect(loadTensorStore(memoryFileSource(files))).rejects.toThrow(/params_shard_0\.bin could not be read/);
  });

  it('missing record and shape mismatch at lookup', async () => {
    const { store } = await roundTrip(sample());
    expect(() => store.get('nope')).toThrow(/tensor-cache\.json, tensor nope: no record with this name/);
    expect(() => store.get('a.f32', [5, 3])).toThrow(/tensor a\.f32: shape \[3, 5\] but the model config implies \[5, 3\]/);
    expect(() => store.uint32('a.f32')).toThrow(/expected uint32/);
  });

  it('paths leaving the folder are refused', async () => {
    const { files } = buildTensorCache(sample());
    const bad = withIndex(files, (idx) => {
      idx.records[0].dataPath = '../secret.bin';
    });
    await expect(openTensorCache(memoryFileSource(bad))).rejects.toThrow(/leaves the model folder/);
  });
});
