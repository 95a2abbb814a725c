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
import { CHAT_CONFIG_FILE, parseChatConfig } from '../../core/mlc/chat-config.ts';
import { llamaMatrices } from '../../core/mlc/llama-layout.ts';
import { dequantizeGroupwise, groupLayout } from '../../core/mlc/quantization.ts';
import { decodeRecord } from '../../core/mlc/reader.ts';
import { parseTensorCache, TENSOR_CACHE_FILES, type RecordLocation } from '../../core/mlc/tensor-cache.ts';
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
  const indexFile = TENSOR_CACHE_FILES.find((f) => existsSync(path.join(dir, f)))!;
  const { byName } = parseTensorCache(readJson(path.join(dir, indexFile)), indexFile);
  const cfg = parseChatConfig(readJson(path.join(dir, CHAT_CONFIG_FILE)), CHAT_CONFIG_FILE).model;
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
  const files = new Map<string, FileByteSource>();
  const record = async (loc: RecordLocation) => {
    let src = files.get(loc.shard);
    if (!src) {
      src = await openFileByteSource(path.join(dir, loc.shard));
      files.set(loc.shard, src);
    }
    const bytes = await src.read(loc.byteOffset, loc.nbytes);
    if (bytes.byteLength !== loc.nbytes) throw new ArtifactCorruptError(loc.shard, `truncated: ${bytes.byteLength} of ${loc.nbytes} bytes`, loc.name);
    return decodeRecord({ ...loc, byteOffset: 0 }, bytes.slice().buffer, indexFile);
  };
  return {
    dir,
    format: 'mlc',
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
    close: async () => void (await Promise.all([...files.values()].map((f) => f.close()))),
  };
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
