/**
 * Reads an MLC weight folder's tensors through a FileSource: the index first, then each shard,
 * decoding every record to float32 (float32 / float16 / bfloat16 / f32-to-bf16) or keeping it
 * as raw uint32 words (quantized weights stay packed: the engine dequantizes on the fly).
 */
import { ArtifactCorruptError, ArtifactMissingError } from '../engine-errors.ts';
import { decodeBf16, decodeF16, type MlcDtype } from './dtype.ts';
import { readJsonFile, type FileSource } from './file-source.ts';
import { parseTensorCache, TENSOR_CACHE_FILES, type RecordLocation, type TensorCacheJson } from './tensor-cache.ts';

export interface LoadedTensor {
  name: string;
  /** The dtype the record declares (float data is float32 in memory whatever this says). */
  dtype: MlcDtype;
  shape: number[];
  data: Float32Array | Uint32Array;
}

export interface OpenedTensorCache {
  /** Which index file was found ("tensor-cache.json" or the older "ndarray-cache.json"). */
  file: string;
  cache: TensorCacheJson;
  byName: Map<string, RecordLocation>;
  /** Sum of the shards' declared sizes. */
  totalBytes: number;
}

export interface ShardProgress {
  file: string;
  loadedBytes: number;
  totalBytes: number;
}

/** Reads and validates the index, trying tensor-cache.json then ndarray-cache.json. */
export async function openTensorCache(source: FileSource): Promise<OpenedTensorCache> {
  let lastMissing: unknown;
  for (const file of TENSOR_CACHE_FILES) {
    let json: unknown;
    try {
      json = await readJsonFile(source, file);
    } catch (e) {
      if (e instanceof ArtifactMissingError) {
        lastMissing = e;
        continue;
      }
      throw e;
    }
    const { cache, byName } = parseTensorCache(json, file);
    const totalBytes = cache.records.reduce((a, s) => a + s.nbytes, 0);
    return { file, cache, byName, totalBytes };
  }
  throw new ArtifactMissingError(TENSOR_CACHE_FILES[0], `neither ${TENSOR_CACHE_FILES.join(' nor ')} could be read`, { cause: lastMissing });
}

/** Copies when the record's offset is not aligned for a typed-array view. */
function bytesOf(buf: ArrayBuffer, offset: number, nbytes: number): ArrayBuffer {
  return buf.slice(offset, offset + nbytes);
}

/** Decodes one record from a buffer holding its bytes at r.byteOffset (indexFile: for errors). */
export function decodeRecord(r: RecordLocation, buf: ArrayBuffer, indexFile: string): LoadedTensor {
  const count = r.shape.reduce((a, b) => a * b, 1);
  const { byteOffset: off, nbytes } = r;
  let data: Float32Array | Uint32Array;
  const u16 = () => (off % 2 === 0 ? new Uint16Array(buf, off, count) : new Uint16Array(bytesOf(buf, off, nbytes)));
  if (r.dtype === 'float32' && r.format === 'f32-to-bf16') data = decodeBf16(u16());
  else if (r.dtype === 'bfloat16') data = decodeBf16(u16());
  else if (r.dtype === 'float16') data = decodeF16(u16());
  else if (r.dtype === 'float32') data = off % 4 === 0 ? new Float32Array(buf, off, count) : new Float32Array(bytesOf(buf, off, nbytes));
  else data = off % 4 === 0 ? new Uint32Array(buf, off, count) : new Uint32Array(bytesOf(buf, off, nbytes));
  if (data instanceof Float32Array) {
    // One pass over each float tensor, at load: a NaN or an infinity in the weights would only
    // show up later as NaN scores or empty text.
    for (let i = 0; i < data.length; i++) {
      const v = data[i];
      if (v - v !== 0) throw new ArtifactCorruptError(indexFile, `non-finite weight ${v} at element ${i}`, r.name);
    }
  }
  return { name: r.name, dtype: r.dtype, shape: r.shape, data };
}

/** Loaded tensors by name, with lookups that name the missing tensor or the wrong shape. */
export class TensorStore {
  constructor(
    private readonly tensors: Map<string, LoadedTensor>,
    /** The index file the records came from (for error messages). */
    readonly indexFile: string,
  ) {}

  has(name: string): boolean {
    return this.tensors.has(name);
  }

  names(): string[] {
    return [...this.tensors.keys()];
  }

  /** The tensor, checked against `shape` when given. */
  get(name: string, shape?: readonly number[]): LoadedTensor {
    const t = this.tensors.get(name);
    if (!t) throw new ArtifactCorruptError(this.indexFile, 'no record with this name', name);
    if (shape && (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i]))) {
      throw new ArtifactCorruptError(this.indexFile, `shape [${t.shape.join(', ')}] but the model config implies [${shape.join(', ')}]`, name);
    }
    return t;
  }

  float32(name: string, shape?: readonly number[]): Float32Array {
    const t = this.get(name, shape);
    if (!(t.data instanceof Float32Array)) throw new ArtifactCorruptError(this.indexFile, `dtype ${t.dtype}, expected a float tensor`, name);
    return t.data;
  }

  uint32(name: string, shape?: readonly number[]): Uint32Array {
    const t = this.get(name, shape);
    if (t.dtype !== 'uint32') throw new ArtifactCorruptError(this.indexFile, `dtype ${t.dtype}, expected uint32 (packed int4)`, name);
    return t.data as Uint32Array;
  }
}

/**
 * Fetches every shard (one at a time, so peak memory is the weights plus one shard) and
 * decodes its records. A shard whose length differs from the index (a truncated download)
 * is an ArtifactCorruptError naming the shard.
 */
export async function loadTensorStore(
  source: FileSource,
  opts: { opened?: OpenedTensorCache; onProgress?: (p: ShardProgress) => void } = {},
): Promise<TensorStore> {
  const opened = opts.opened ?? (await openTensorCache(source));
  const tensors = new Map<string, LoadedTensor>();
  let loadedBytes = 0;
  for (const shard of opened.cache.records) {
    const buf = await source(shard.dataPath);
    if (buf.byteLength !== shard.nbytes) {
      throw new ArtifactCorruptError(
        shard.dataPath,
        `${buf.byteLength} bytes but ${opened.file} says ${shard.nbytes}${buf.byteLength < shard.nbytes ? ' (truncated)' : ''}`,
      );
    }
    for (const r of shard.records) {
      const loc = opened.byName.get(r.name);
      if (loc) tensors.set(r.name, decodeRecord(loc, buf, opened.file));
    }
    loadedBytes += shard.nbytes;
    opts.onProgress?.({ file: shard.dataPath, loadedBytes, totalBytes: opened.totalBytes });
  }
  return new TensorStore(tensors, opened.file);
}
