/**
 * mean |Δw| between two MLC folders read through a FileSource (URLs in the app's worker, a
 * directory in Node): the same numbers `ftlab delta --base DIR --model DIR` prints for MLC
 * folders. Quantized matrices are dequantized on the fly; shards are read one at a time and only
 * the current shard of each folder is held, so a 7B comparison holds two shards, not two models.
 */
import { ArtifactCorruptError } from '../engine-errors.ts';
import { FtlabError } from '../errors.ts';
import { CHAT_CONFIG_FILE, parseChatConfig } from '../mlc/chat-config.ts';
import { readJsonFile, type FileSource } from '../mlc/file-source.ts';
import { llamaMatrices } from '../mlc/llama-layout.ts';
import { dequantizeGroupwise, groupLayout } from '../mlc/quantization.ts';
import { decodeRecord } from '../mlc/reader.ts';
import { parseTensorCache, TENSOR_CACHE_FILES, type RecordLocation } from '../mlc/tensor-cache.ts';
import { absDiff, DeltaAccumulator, type DeltaReport } from './stats.ts';

/** The two folders hold different tensors or shapes: they are not one model and its fine-tune. */
export class DeltaMismatchError extends FtlabError {
  constructor(detail: string) {
    super('delta-mismatch', `the two models cannot be compared: ${detail}`, 'compare a fine-tuned model with its own base model (same architecture)');
  }
}

interface MlcWeights {
  /** Logical tensors ("X.weight" for a q_weight/q_scale pair), in index order. */
  shapes: ReadonlyMap<string, number[]>;
  read(name: string): Promise<Float32Array>;
}

async function readIndex(source: FileSource): Promise<{ file: string; json: unknown }> {
  let last: unknown;
  for (const file of TENSOR_CACHE_FILES) {
    try {
      return { file, json: await readJsonFile(source, file) };
    } catch (e) {
      last = e;
    }
  }
  throw last;
}

/** An MLC folder's weights as float32 tensors by name. */
export async function openMlcFolderWeights(source: FileSource): Promise<MlcWeights> {
  const { file: indexFile, json } = await readIndex(source);
  const { byName } = parseTensorCache(json, indexFile);
  const cfg = parseChatConfig(await readJsonFile(source, CHAT_CONFIG_FILE), CHAT_CONFIG_FILE).model;
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
  // Only the shard being read is kept.
  let shard: { name: string; bytes: ArrayBuffer } | null = null;
  const record = async (loc: RecordLocation) => {
    if (shard?.name !== loc.shard) shard = { name: loc.shard, bytes: await source(loc.shard) };
    if (shard.bytes.byteLength < loc.byteOffset + loc.nbytes) throw new ArtifactCorruptError(loc.shard, `truncated: ${shard.bytes.byteLength} bytes, ${loc.name} ends at ${loc.byteOffset + loc.nbytes}`, loc.name);
    return decodeRecord({ ...loc, byteOffset: 0 }, shard.bytes.slice(loc.byteOffset, loc.byteOffset + loc.nbytes), indexFile);
  };
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

/** mean |Δw| per tensor, layer, module kind and overall between two MLC folders. */
export async function mlcFoldersDelta(base: FileSource, model: FileSource, details: Record<string, unknown>, onTensor?: DeltaProgress): Promise<DeltaReport> {
  const a = await openMlcFolderWeights(base);
  const b = await openMlcFolderWeights(model);
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
