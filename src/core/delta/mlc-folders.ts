/**
 * mean |Δw| between two models' weights, and an MLC folder's weights as float32 tensors by name
 * (quantized matrices dequantized on the fly). One implementation for both front ends: the CLI
 * reads byte ranges of files on disk (`ftlab delta`), the app's worker reads shards over HTTP
 * (the Models view), each through a FolderReader.
 */
import { ArtifactCorruptError, ArtifactMissingError } from '../engine-errors.ts';
import { FtlabError } from '../errors.ts';
import { CHAT_CONFIG_FILE, parseChatConfig } from '../mlc/chat-config.ts';
import { readJsonFile, type FileSource } from '../mlc/file-source.ts';
import { llamaMatrices } from '../mlc/llama-layout.ts';
import { dequantizeGroupwise, groupLayout } from '../mlc/quantization.ts';
import { decodeRecord } from '../mlc/reader.ts';
import { parseTensorCache, TENSOR_CACHE_FILES, type RecordLocation } from '../mlc/tensor-cache.ts';
import { absDiff, DeltaAccumulator, type DeltaReport } from './stats.ts';

/** The two models hold different tensors or shapes: they are not one model and its fine-tune. */
export class DeltaMismatchError extends FtlabError {
  constructor(detail: string) {
    super('delta-mismatch', `the two models cannot be compared: ${detail}`, 'compare a fine-tuned model with its own base model (same architecture)');
  }
}

/** A model's weights, tensor by tensor. */
export interface TensorSource {
  /** Logical tensors (an MLC q_weight/q_scale pair is one "X.weight"), in index order. */
  shapes: ReadonlyMap<string, number[]>;
  read(name: string): Promise<Float32Array>;
}

/** How an MLC folder is read: its JSON files, and byte ranges of its shards. */
export interface FolderReader {
  /** The parsed JSON file, or a rejection (ArtifactMissingError when it is not there). */
  json(file: string): Promise<unknown>;
  /** `length` bytes of `file` from `offset`; `tensor` names what is read, for a truncated file's error. */
  bytes(file: string, offset: number, length: number, tensor: string): Promise<ArrayBuffer>;
}

/**
 * A FolderReader over a FileSource (whole files, e.g. over HTTP): only the shard being read is
 * kept, so comparing two 7B folders holds two shards, not two models.
 */
export function shardReader(source: FileSource): FolderReader {
  let shard: { name: string; bytes: ArrayBuffer } | null = null;
  return {
    json: (file) => readJsonFile(source, file),
    async bytes(file, offset, length, tensor) {
      if (shard?.name !== file) shard = { name: file, bytes: await source(file) };
      if (shard.bytes.byteLength < offset + length) throw new ArtifactCorruptError(file, `truncated: ${shard.bytes.byteLength} bytes, ${tensor} ends at ${offset + length}`, tensor);
      return shard.bytes.slice(offset, offset + length);
    },
  };
}

async function readIndex(reader: FolderReader): Promise<{ file: string; json: unknown }> {
  let last: unknown;
  for (const file of TENSOR_CACHE_FILES) {
    try {
      return { file, json: await reader.json(file) };
    } catch (e) {
      // Only a missing file moves on to the other name; a broken one is the error.
      if (!(e instanceof ArtifactMissingError)) throw e;
      last = e;
    }
  }
  throw last;
}

/** An MLC folder's weights as float32 tensors by name. */
export async function openMlcFolderWeights(reader: FolderReader): Promise<TensorSource> {
  const { file: indexFile, json } = await readIndex(reader);
  const { byName } = parseTensorCache(json, indexFile);
  const cfg = parseChatConfig(await reader.json(CHAT_CONFIG_FILE), CHAT_CONFIG_FILE).model;
  const inputs = new Map(llamaMatrices(cfg).map((m) => [m.name, m.K]));
  const shapes = new Map<string, number[]>();
  for (const [name, r] of byName) {
    if (name.endsWith('.q_scale')) continue;
    if (name.endsWith('.q_weight')) {
      const base = name.slice(0, -'.q_weight'.length);
      const K = inputs.get(base);
      if (K === undefined) throw new ArtifactCorruptError(indexFile, 'a quantized tensor the Llama layout does not know', name);
      shapes.set(`${base}.weight`, [r.shape[0], K]);
    } else shapes.set(name, r.shape);
  }
  const record = async (loc: RecordLocation) => decodeRecord({ ...loc, byteOffset: 0 }, await reader.bytes(loc.shard, loc.byteOffset, loc.nbytes, loc.name), indexFile);
  return {
    shapes,
    async read(name) {
      const base = name.replace(/\.weight$/, '');
      const q = byName.get(`${base}.q_weight`);
      if (q) {
        const s = byName.get(`${base}.q_scale`);
        if (!s) throw new ArtifactCorruptError(indexFile, 'q_weight without q_scale', `${base}.q_weight`);
        const [N, K] = shapes.get(name)!;
        const { groups, wordsPerRow } = groupLayout(K);
        const qWeight = (await record(q)).data as Uint32Array;
        const scale = (await record(s)).data as Float32Array;
        return dequantizeGroupwise({ N, K, groups, wordsPerRow, qWeight, scale });
      }
      const loc = byName.get(name);
      if (!loc) throw new ArtifactCorruptError(indexFile, 'no such tensor', name);
      const t = await record(loc);
      if (!(t.data instanceof Float32Array)) throw new ArtifactCorruptError(indexFile, `dtype ${t.dtype} is not a weight`, name);
      return t.data;
    },
  };
}

export type DeltaProgress = (done: number, total: number, name: string) => void;

/** mean |Δw| per tensor, layer, module kind and overall, streamed tensor by tensor. */
export async function weightsDelta(a: TensorSource, b: TensorSource, details: Record<string, unknown>, onTensor?: DeltaProgress): Promise<DeltaReport> {
  const onlyBase = [...a.shapes.keys()].filter((n) => !b.shapes.has(n));
  const onlyModel = [...b.shapes.keys()].filter((n) => !a.shapes.has(n));
  if (onlyBase.length || onlyModel.length) {
    throw new DeltaMismatchError(`${onlyBase.length} tensors only in the base (${onlyBase.slice(0, 2).join(', ')}), ${onlyModel.length} only in the model (${onlyModel.slice(0, 2).join(', ')})`);
  }
  const acc = new DeltaAccumulator();
  const names = [...a.shapes.keys()];
  let done = 0;
  for (const name of names) {
    const shape = a.shapes.get(name)!;
    if (shape.join(',') !== b.shapes.get(name)!.join(',')) throw new DeltaMismatchError(`${name} is [${shape.join(', ')}] in the base, [${b.shapes.get(name)!.join(', ')}] in the model`);
    const x = await a.read(name);
    const y = await b.read(name);
    const { sum, max } = absDiff(x, y);
    acc.add(name, shape, sum, max, x.length);
    onTensor?.(++done, names.length, name);
  }
  return acc.report('models', details);
}

/** mean |Δw| between two MLC folders read through FileSources (the app's worker, over HTTP). */
export async function mlcFoldersDelta(base: FileSource, model: FileSource, details: Record<string, unknown>, onTensor?: DeltaProgress): Promise<DeltaReport> {
  return weightsDelta(await openMlcFolderWeights(shardReader(base)), await openMlcFolderWeights(shardReader(model)), details, onTensor);
}
