/**
 * A model folder's weights as float32 tensors by name, read one at a time: a Hugging Face
 * checkpoint (its own names, or fused into MLC names so it can be compared with an MLC folder)
 * or an MLC folder (quantized matrices dequantized on the fly, by byte range from the shards).
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { HF_CONFIG_FILE, parseHfLlamaConfig } from '../../core/convert/hf-config.ts';
import { planLlamaConversion } from '../../core/convert/llama-plan.ts';
import { ArtifactCorruptError, ArtifactMissingError } from '../../core/engine-errors.ts';
import { TENSOR_CACHE_FILES } from '../../core/mlc/tensor-cache.ts';
import { openMlcFolderWeights, type FolderReader } from '../../core/delta/mlc-folders.ts';
import { openFileByteSource, type FileByteSource } from './file-bytes.ts';
import { openCheckpoint, readJson } from './hf-checkpoint.ts';

export interface WeightSource {
  dir: string;
  format: 'hf' | 'mlc';
  /** Logical tensors (an MLC q_weight/q_scale pair is one "X.weight"), in file order. */
  shapes: ReadonlyMap<string, number[]>;
  read(name: string): Promise<Float32Array>;
  close(): Promise<void>;
}

export function folderFormat(dir: string): 'hf' | 'mlc' {
  if (TENSOR_CACHE_FILES.some((f) => existsSync(path.join(dir, f)))) return 'mlc';
  if (existsSync(path.join(dir, HF_CONFIG_FILE)) || (existsSync(dir) && readdirSync(dir).some((f) => f.endsWith('.safetensors')))) return 'hf';
  throw new ArtifactMissingError(dir, 'neither an MLC folder (tensor-cache.json) nor a Hugging Face checkpoint (config.json + *.safetensors)');
}

const IGNORED = /\.rotary_emb\.inv_freq$/;

/** An HF checkpoint in its own names (`view: 'hf'`) or fused into MLC's (`view: 'mlc'`). */
export async function openHfWeights(dir: string, view: 'hf' | 'mlc'): Promise<WeightSource> {
  const ckpt = await openCheckpoint(dir);
  if (view === 'hf') {
    const shapes = new Map([...ckpt.shapes].filter(([n]) => !IGNORED.test(n)));
    return { dir, format: 'hf', shapes, read: (n) => ckpt.read(n), close: () => ckpt.close() };
  }
  const cfg = parseHfLlamaConfig(readJson(path.join(dir, HF_CONFIG_FILE)), path.join(dir, HF_CONFIG_FILE)).model;
  const plan = planLlamaConversion(cfg);
  const byName = new Map(plan.map((t) => [`${t.mlcName}.weight`, t]));
  return {
    dir,
    format: 'hf',
    shapes: new Map(plan.map((t) => [`${t.mlcName}.weight`, t.kind === 'norm' ? [t.N] : [t.N, t.K]])),
    async read(name) {
      const t = byName.get(name);
      if (!t) throw new ArtifactCorruptError(dir, 'no such tensor', name);
      const w = new Float32Array(t.N * t.K);
      let off = 0;
      for (const s of t.sources) {
        const v = await ckpt.read(s.name);
        w.set(v, off);
        off += v.length;
      }
      return w;
    },
    close: () => ckpt.close(),
  };
}

export async function openMlcWeights(dir: string): Promise<WeightSource> {
  // Byte ranges straight from the shard files: a 7B shard is never read whole.
  const files = new Map<string, FileByteSource>();
  const reader: FolderReader = {
    json: async (file) => readJson(path.join(dir, file)),
    async bytes(shard, offset, length, tensor) {
      let src = files.get(shard);
      if (!src) {
        src = await openFileByteSource(path.join(dir, shard));
        files.set(shard, src);
      }
      const bytes = await src.read(offset, length);
      if (bytes.byteLength !== length) throw new ArtifactCorruptError(shard, `truncated: ${bytes.byteLength} of ${length} bytes`, tensor);
      return bytes.slice().buffer;
    },
  };
  try {
    const weights = await openMlcFolderWeights(reader);
    return { dir, format: 'mlc', shapes: weights.shapes, read: (name) => weights.read(name), close: async () => void (await Promise.all([...files.values()].map((f) => f.close()))) };
  } catch (e) {
    await Promise.all([...files.values()].map((f) => f.close()));
    throw e;
  }
}

/** Opens two folders for comparison: both in HF names when both are HF, else both in MLC names. */
export async function openPair(baseDir: string, modelDir: string): Promise<[WeightSource, WeightSource]> {
  const fa = folderFormat(baseDir);
  const fb = folderFormat(modelDir);
  const open = (dir: string, f: 'hf' | 'mlc') => (f === 'mlc' ? openMlcWeights(dir) : openHfWeights(dir, fa === 'hf' && fb === 'hf' ? 'hf' : 'mlc'));
  const a = await open(baseDir, fa);
  try {
    return [a, await open(modelDir, fb)];
  } catch (e) {
    await a.close();
    throw e;
  }
}
