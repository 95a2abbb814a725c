/**
 * `tensor-cache.json` (older conversions: `ndarray-cache.json`): the index of the weight
 * shards. Each shard `params_shard_N.bin` holds records at byte offsets; a record names one
 * tensor, its dtype and shape, and how it is encoded (`format`).
 */
import { ArtifactCorruptError } from '../engine-errors.ts';
import { dtypeBytes, isMlcDtype, type MlcDtype } from './dtype.ts';

/** Index file names, newest first: readers try them in this order. */
export const TENSOR_CACHE_FILES = ['tensor-cache.json', 'ndarray-cache.json'] as const;

/**
 * `raw`: bytes are the dtype. `f32-to-bf16`: a float32 tensor stored as bfloat16 (2 bytes per
 * element). Real caches stamp `f32-to-bf16` on uint32/float16 records too, where it means
 * nothing: it applies only when the dtype is float32.
 */
export type RecordFormat = 'raw' | 'f32-to-bf16';

export interface TensorRecord {
  name: string;
  shape: number[];
  dtype: MlcDtype;
  format: RecordFormat;
  nbytes: number;
  byteOffset: number;
}

export interface ShardEntry {
  dataPath: string;
  format: 'raw-shard';
  nbytes: number;
  md5sum?: string;
  records: TensorRecord[];
}

export interface TensorCacheJson {
  metadata: { ParamSize: number; ParamBytes: number; BitsPerParam: number; [k: string]: unknown };
  records: ShardEntry[];
}

/** Where one tensor lives, after validation. */
export interface RecordLocation extends TensorRecord {
  shard: string;
}

/** Bytes a record should occupy in its shard given dtype, shape and format. */
export function storedBytes(r: Pick<TensorRecord, 'dtype' | 'shape' | 'format'>): number {
  const count = r.shape.reduce((a, b) => a * b, 1);
  const per = r.dtype === 'float32' && r.format === 'f32-to-bf16' ? 2 : dtypeBytes(r.dtype);
  return count * per;
}

function isNonNegInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0;
}

/**
 * Validates a parsed tensor cache and indexes its records by name. Every inconsistency the
 * index alone can show (a record whose nbytes disagrees with its shape, one that runs past
 * its shard's declared size, a duplicated name) is an ArtifactCorruptError naming the tensor.
 */
export function parseTensorCache(json: unknown, file: string = TENSOR_CACHE_FILES[0]): { cache: TensorCacheJson; byName: Map<string, RecordLocation> } {
  if (!json || typeof json !== 'object' || !Array.isArray((json as TensorCacheJson).records)) {
    throw new ArtifactCorruptError(file, 'expected an object with a "records" array of shards');
  }
  const cache = json as TensorCacheJson;
  const byName = new Map<string, RecordLocation>();
  for (const shard of cache.records) {
    if (!shard || typeof shard.dataPath !== 'string' || !isNonNegInt(shard.nbytes) || !Array.isArray(shard.records)) {
      throw new ArtifactCorruptError(file, `malformed shard entry ${JSON.stringify(shard)?.slice(0, 120)}`);
    }
    if (shard.dataPath.includes('..') || shard.dataPath.startsWith('/')) {
      throw new ArtifactCorruptError(file, `shard path "${shard.dataPath}" leaves the model folder`);
    }
    for (const r of shard.records) {
      const name = typeof r?.name === 'string' ? r.name : '?';
      if (!isMlcDtype(r?.dtype)) throw new ArtifactCorruptError(file, `unsupported dtype ${JSON.stringify(r?.dtype)}`, name);
      if (!Array.isArray(r.shape) || !r.shape.every(isNonNegInt)) throw new ArtifactCorruptError(file, 'malformed shape', name);
      if (!isNonNegInt(r.nbytes) || !isNonNegInt(r.byteOffset)) throw new ArtifactCorruptError(file, 'malformed nbytes/byteOffset', name);
      const format: RecordFormat = r.format === 'f32-to-bf16' ? 'f32-to-bf16' : 'raw';
      const expected = storedBytes({ dtype: r.dtype, shape: r.shape, format });
      if (expected !== r.nbytes) {
        throw new ArtifactCorruptError(file, `nbytes ${r.nbytes} does not match ${r.dtype}[${r.shape.join(', ')}] (${format}) = ${expected} bytes`, name);
      }
      if (r.byteOffset + r.nbytes > shard.nbytes) {
        throw new ArtifactCorruptError(file, `record runs to byte ${r.byteOffset + r.nbytes}, past the end of ${shard.dataPath} (${shard.nbytes} bytes)`, name);
      }
      if (byName.has(name)) throw new ArtifactCorruptError(file, 'tensor listed twice', name);
      byName.set(name, { ...r, format, name, shard: shard.dataPath });
    }
  }
  return { cache, byName };
}
