import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeSafetensors, memoryByteSource, readSafetensorsHeader, readSafetensorsTensor } from '../../src/core/safetensors/index.ts';
import { openFileByteSource } from '../../src/cli/support/file-bytes.ts';
import { roundToBf16, roundToF16 } from '../../src/core/mlc/dtype.ts';
import { ArtifactCorruptError, UnsupportedModelError } from '../../src/core/engine-errors.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'ftlab-st-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const values = (n: number, k = 1) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * k + 0.3) * 3.7);

/** A header written by hand, for files the writer would never make. */
function rawFile(header: unknown, dataBytes: number): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.byteLength + dataBytes);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.byteLength), true);
  out.set(json, 8);
  return out;
}

async function headerError(bytes: Uint8Array): Promise<ArtifactCorruptError> {
  const e = await readSafetensorsHeader(memoryByteSource(bytes, 'bad.safetensors')).catch((x: unknown) => x);
  expect(e).toBeInstanceOf(ArtifactCorruptError);
  return e as ArtifactCorruptError;
}

describe('safetensors reader', () => {
  it('reads F32, F16 and BF16 tensors from a file on disk, by byte range, with metadata', async () => {
    const a = values(6);
    const b = values(35, 2);
    const c = values(8, 3);
    const bytes = encodeSafetensors(
      [
        { name: 'a', dtype: 'F32', shape: [2, 3], data: a },
        { name: 'b.weight', dtype: 'F16', shape: [5, 7], data: b },
        { name: 'c', dtype: 'BF16', shape: [8], data: c },
      ],
      { format: 'pt' },
    );
    const file = path.join(dir, 'three.safetensors');
    writeFileSync(file, bytes);
    const src = await openFileByteSource(file);
    try {
      const h = await readSafetensorsHeader(src);
      expect([...h.tensors.keys()]).toEqual(['a', 'b.weight', 'c']);
      expect(h.metadata).toEqual({ format: 'pt' });
      expect(h.dataStart % 8).toBe(0);
      expect(h.tensors.get('b.weight')).toMatchObject({ dtype: 'F16', shape: [5, 7] });
      expect(await readSafetensorsTensor(src, h, 'a')).toEqual(a);
      expect(await readSafetensorsTensor(src, h, 'b.weight')).toEqual(Float32Array.from(b, roundToF16));
      expect(await readSafetensorsTensor(src, h, 'c')).toEqual(Float32Array.from(c, roundToBf16));
    } finally {
      await src.close();
    }
  });

  it('reads a tensor at an odd offset (copies to an aligned buffer)', async () => {
    const bytes = encodeSafetensors([
      { name: 'h', dtype: 'F16', shape: [3], data: values(3) },
      { name: 'f', dtype: 'F32', shape: [4], data: values(4, 5) },
    ]);
    const src = memoryByteSource(bytes);
    const h = await readSafetensorsHeader(src);
    expect((h.tensors.get('f')!.begin - h.dataStart) % 4).toBe(2);
    expect(await readSafetensorsTensor(src, h, 'f')).toEqual(values(4, 5));
  });

  it('a file cut short is "truncated", naming the tensor it cuts', async () => {
    const bytes = encodeSafetensors([
      { name: 'x', dtype: 'F32', shape: [4], data: values(4) },
      { name: 'y', dtype: 'F32', shape: [16], data: values(16) },
    ]);
    const e = await headerError(bytes.subarray(0, bytes.byteLength - 10));
    expect(e.message).toMatch(/truncated/);
    expect(e.tensor).toBe('y');
    expect((await headerError(bytes.subarray(0, 5))).message).toMatch(/truncated.*8-byte/);
    expect((await headerError(bytes.subarray(0, 20))).message).toMatch(/truncated: the header claims/);
  });

  it('a byte range that disagrees with dtype × shape, or overlaps another, is "inconsistent"', async () => {
    let e = await headerError(rawFile({ w: { dtype: 'F32', shape: [2, 2], data_offsets: [0, 12] } }, 16));
    expect(e.message).toMatch(/inconsistent.*F32\[2, 2\] needs 16/);
    expect(e.tensor).toBe('w');
    e = await headerError(rawFile({ p: { dtype: 'F32', shape: [4], data_offsets: [0, 16] }, q: { dtype: 'F32', shape: [2], data_offsets: [8, 16] } }, 16));
    expect(e.message).toMatch(/overlap/);
  });

  it('rejects garbage, unknown dtypes and malformed entries with one clear error each', async () => {
    const garbage = new Uint8Array(64).fill(0xff);
    expect((await headerError(garbage)).message).toMatch(/implausible/);
    const notJson = rawFile({}, 0);
    notJson.set(new TextEncoder().encode('{x'), 8);
    expect((await headerError(notJson)).message).toMatch(/not valid UTF-8 JSON/);
    expect((await headerError(rawFile({ w: { dtype: 'F33', shape: [1], data_offsets: [0, 4] } }, 4))).message).toMatch(/unknown dtype "F33"/);
    expect((await headerError(rawFile({ w: { dtype: 'F32', shape: [-1], data_offsets: [0, 4] } }, 4))).message).toMatch(/malformed shape/);
    expect((await headerError(rawFile({ w: { dtype: 'F32', shape: [1], data_offsets: [4, 0] } }, 4))).message).toMatch(/malformed data_offsets/);
    expect((await headerError(rawFile({ __metadata__: { a: 1 } }, 0))).message).toMatch(/__metadata__/);
  });

  it('lists integer tensors but refuses to decode them as weights', async () => {
    const src = memoryByteSource(rawFile({ ids: { dtype: 'I64', shape: [2], data_offsets: [0, 16] } }, 16));
    const h = await readSafetensorsHeader(src);
    expect(h.tensors.get('ids')?.dtype).toBe('I64');
    await expect(readSafetensorsTensor(src, h, 'ids')).rejects.toBeInstanceOf(UnsupportedModelError);
    await expect(readSafetensorsTensor(src, h, 'nope')).rejects.toThrow(/no such tensor/);
  });
});
