/**
 * Writes tensors in the MLC weight format: `params_shard_N.bin` files (records packed back to
 * back, shards capped like mlc_llm's 32 MiB) and the `tensor-cache.json` index. The output is
 * in memory (a path → bytes map), so the same code serves the Node generator and tests.
 */
import { encodeBf16, encodeF16, type MlcDtype } from './dtype.ts';
import { quantizeGroupwise, type Quantization } from './quantization.ts';
import { storedBytes, TENSOR_CACHE_FILES, type RecordFormat, type ShardEntry, type TensorCacheJson, type TensorRecord } from './tensor-cache.ts';

export const MAX_SHARD_BYTES = 32 * 1024 * 1024;

export interface TensorToWrite {
  name: string;
  dtype: MlcDtype;
  shape: number[];
  /** Values (float dtypes: float32 values, encoded to the dtype on write) or packed words (uint32). */
  data: Float32Array | Uint32Array;
  /** Default "raw". "f32-to-bf16" stores a float32 tensor as bfloat16, as real MLC caches do. */
  format?: RecordFormat;
}

/** A tensor's bytes as stored in a shard (float dtypes encoded, f32-to-bf16 applied). */
export function encodeTensor(t: TensorToWrite): Uint8Array {
  const format = t.format ?? 'raw';
  const count = t.shape.reduce((a, b) => a * b, 1);
  if (t.data.length !== count) throw new RangeError(`${t.name}: ${t.data.length} values for shape [${t.shape.join(', ')}]`);
  let out: ArrayBufferView;
  if (t.dtype === 'float16') out = encodeF16(t.data);
  else if (t.dtype === 'bfloat16' || (t.dtype === 'float32' && format === 'f32-to-bf16')) out = encodeBf16(t.data);
  else if (t.dtype === 'float32') out = t.data instanceof Float32Array ? t.data : Float32Array.from(t.data);
  else out = t.data instanceof Uint32Array ? t.data : Uint32Array.from(t.data);
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

/**
 * Packs tensors into shards of at most `maxShardBytes` (a tensor larger than that gets a shard
 * of its own) and builds the index. `paramCount` (logical parameters, for metadata) defaults to
 * the number of stored elements.
 */
export function buildTensorCache(
  tensors: TensorToWrite[],
  opts: { maxShardBytes?: number; paramCount?: number; indexFile?: string } = {},
): { files: Map<string, Uint8Array>; index: TensorCacheJson } {
  const cap = opts.maxShardBytes ?? MAX_SHARD_BYTES;
  const shards: { entry: ShardEntry; parts: Uint8Array[] }[] = [];
  let current: { entry: ShardEntry; parts: Uint8Array[] } | undefined;
  let totalBytes = 0;
  let elements = 0;
  for (const t of tensors) {
    const bytes = encodeTensor(t);
    const format = t.format ?? 'raw';
    const record: TensorRecord = { name: t.name, shape: t.shape, dtype: t.dtype, format, nbytes: bytes.byteLength, byteOffset: 0 };
    if (storedBytes(record) !== bytes.byteLength) throw new Error(`${t.name}: encoded ${bytes.byteLength} bytes, expected ${storedBytes(record)}`);
    if (!current || (current.entry.nbytes > 0 && current.entry.nbytes + bytes.byteLength > cap)) {
      current = { entry: { dataPath: `params_shard_${shards.length}.bin`, format: 'raw-shard', nbytes: 0, records: [] }, parts: [] };
      shards.push(current);
    }
    record.byteOffset = current.entry.nbytes;
    current.entry.records.push(record);
    current.entry.nbytes += bytes.byteLength;
    current.parts.push(bytes);
    totalBytes += bytes.byteLength;
    elements += t.data.length * (t.dtype === 'uint32' ? 8 : 1);
  }
  const files = new Map<string, Uint8Array>();
  for (const s of shards) {
    const buf = new Uint8Array(s.entry.nbytes);
    let off = 0;
    for (const p of s.parts) {
      buf.set(p, off);
      off += p.byteLength;
    }
    files.set(s.entry.dataPath, buf);
  }
  const paramCount = opts.paramCount ?? elements;
  const index: TensorCacheJson = {
    metadata: { ParamSize: paramCount, ParamBytes: totalBytes, BitsPerParam: paramCount ? (totalBytes * 8) / paramCount : 0 },
    records: shards.map((s) => s.entry),
  };
  files.set(opts.indexFile ?? TENSOR_CACHE_FILES[0], new TextEncoder().encode(JSON.stringify(index, null, 1)));
  return { files, index };
}

/**
 * The records a linear (or embedding) weight W[N, K] becomes under `quant`: `<name>.weight`
 * unquantized, or `<name>.q_weight` + `<name>.q_scale` group-quantized.
 */
export function weightTensors(name: string, w: Float32Array, N: number, K: number, quant: Quantization, floatDtype: MlcDtype = 'float32'): TensorToWrite[] {
  if (quant.kind === 'none') return [{ name: `${name}.weight`, dtype: floatDtype, shape: [N, K], data: w }];
  const q = quantizeGroupwise(w, N, K, quant.modelDtype);
  return [
    { name: `${name}.q_weight`, dtype: 'uint32', shape: [N, q.wordsPerRow], data: q.qWeight },
    { name: `${name}.q_scale`, dtype: quant.modelDtype, shape: [N, q.groups], data: q.scale },
  ];
}

/**
 * The shard rule as an incremental packer, for writers that stream tensors to disk one by one
 * (ftlab convert): records go back to back into `params_shard_N.bin`; a record that would take
 * the shard past the cap starts a new one (a record larger than the cap gets a shard alone).
 * The same rule as buildTensorCache, which holds everything in memory.
 */
export class ShardPacker {
  private readonly shards: ShardEntry[] = [];
  private totalBytes = 0;

  constructor(private readonly cap: number = MAX_SHARD_BYTES) {}

  /** Places one record; `startsShard` tells the caller to open the next shard file. */
  add(record: Omit<TensorRecord, 'byteOffset'>): { dataPath: string; byteOffset: number; startsShard: boolean } {
    const expected = storedBytes(record);
    if (expected !== record.nbytes) throw new Error(`${record.name}: ${record.nbytes} bytes, expected ${expected}`);
    let current = this.shards.at(-1);
    let startsShard = false;
    if (!current || (current.nbytes > 0 && current.nbytes + record.nbytes > this.cap)) {
      current = { dataPath: `params_shard_${this.shards.length}.bin`, format: 'raw-shard', nbytes: 0, records: [] };
      this.shards.push(current);
      startsShard = true;
    }
    const byteOffset = current.nbytes;
    current.records.push({ ...record, byteOffset });
    current.nbytes += record.nbytes;
    this.totalBytes += record.nbytes;
    return { dataPath: current.dataPath, byteOffset, startsShard };
  }

  /** The tensor-cache.json of everything added (paramCount: logical parameters, for metadata). */
  index(paramCount: number): TensorCacheJson {
    return {
      metadata: { ParamSize: paramCount, ParamBytes: this.totalBytes, BitsPerParam: paramCount ? (this.totalBytes * 8) / paramCount : 0 },
      records: this.shards.map((s) => ({ ...s, records: [...s.records] })),
    };
  }
}
