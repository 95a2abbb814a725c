/**
 * `npm run make-tiny-model`: writes tiny RANDOM Llama checkpoints in the MLC weight format,
 *   public/models/tiny-random-llama-f32/       (float32, raw)
 *   public/models/tiny-random-llama-q4f16_1/   (the same weights, group-quantized like mlc_llm)
 *   public/models/tiny-random-llama-q4f32_1/   (the same 4-bit codes with float32 scales and norms:
 *                                               the 4-bit format a GPU without shader-f16 runs)
 * so the cpu backend, the worker, the UI and the tests have real artifacts to load without
 * downloading gigabytes. The weights are seeded noise: the model's text is NONSENSE by design.
 * It exercises every code path (GQA, padded-K quantization, 32 MiB shard cap, the real Llama-2
 * tokenizer) and nothing else; never read its outputs as results.
 *
 * Deterministic (seeded PRNG, one stream per tensor name) and idempotent: a folder whose
 * ftlab-manifest.json carries the same generator version and spec hash is left alone.
 * Folders are written to a temporary sibling and renamed into place, so parallel test workers
 * calling ensureTinyModels() never see a half-written model.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import llamaTokenizer from 'llama-tokenizer-js';
import { chatConfigJson, CHAT_CONFIG_FILE, type LlamaConfig } from '../src/core/mlc/chat-config.ts';
import { llamaMatrices, llamaNorms, llamaParamCount } from '../src/core/mlc/llama-layout.ts';
import { parseQuantization } from '../src/core/mlc/quantization.ts';
import { fnv1a, mulberry32 } from '../src/core/random.ts';
import { buildTensorCache, MAX_SHARD_BYTES, weightTensors, type TensorToWrite } from '../src/core/mlc/writer.ts';

/** Bump when the output of this script changes for the same spec. */
export const GENERATOR_VERSION = 2;

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const MODELS_DIR = path.join(PROJECT_ROOT, 'public', 'models');

export interface RandomLlamaSpec {
  id: string;
  seed: number;
  /** mlc quantization name: q0f32 (float32), q4f16_1, q4f32_1, ... */
  quantization: string;
  config: LlamaConfig;
  /** float32 tensors stored as bfloat16 ("f32-to-bf16"), like real MLC caches do. Default false. */
  bf16Storage?: boolean;
  maxShardBytes?: number;
}

/** The tiny model: 2 layers, GQA (4 heads / 2 KV heads), intermediate 172 so down_proj's K pads to 192. */
export const TINY_CONFIG: LlamaConfig = {
  hiddenSize: 64,
  numLayers: 2,
  numHeads: 4,
  numKvHeads: 2,
  headDim: 16,
  intermediateSize: 172,
  rmsNormEps: 1e-5,
  ropeTheta: 10000,
  contextWindowSize: 4096,
  prefillChunkSize: 1024,
  vocabSize: 32000,
  tieWordEmbeddings: false,
};

/** The bench's larger random model (hidden 512, 8 layers); written to a temp dir, never public/. */
export const BENCH_CONFIG: LlamaConfig = {
  ...TINY_CONFIG,
  hiddenSize: 512,
  numLayers: 8,
  numHeads: 8,
  numKvHeads: 4,
  headDim: 64,
  intermediateSize: 1376,
};

export const TINY_SEED = 20240617;
export const TINY_MODELS: RandomLlamaSpec[] = [
  { id: 'tiny-random-llama-f32', seed: TINY_SEED, quantization: 'q0f32', config: TINY_CONFIG },
  { id: 'tiny-random-llama-q4f16_1', seed: TINY_SEED, quantization: 'q4f16_1', config: TINY_CONFIG },
  { id: 'tiny-random-llama-q4f32_1', seed: TINY_SEED, quantization: 'q4f32_1', config: TINY_CONFIG },
];

// ---------------------------------------------------------------------------------------------
// Deterministic noise

/** n normal samples (Box–Muller) with standard deviation std and mean mean. */
export function normals(seed: number, n: number, std: number, mean = 0): Float32Array {
  const rand = mulberry32(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const u = 1 - rand();
    const v = rand();
    const r = Math.sqrt(-2 * Math.log(u)) * std;
    out[i] = mean + r * Math.cos(2 * Math.PI * v);
    if (i + 1 < n) out[i + 1] = mean + r * Math.sin(2 * Math.PI * v);
  }
  return out;
}

/**
 * The float32 weights of a random Llama. Scales keep activations O(1) through the layers
 * (matrices ~ N(0, 1/K), norms ~ 1 ± 0.1), so logits spread over a few nats, which is what the
 * numerical tests need to see differences (an N(0, 0.02) init gives near-uniform logits).
 */
export function randomLlamaWeights(cfg: LlamaConfig, seed: number): { matrices: Map<string, { N: number; K: number; w: Float32Array }>; norms: Map<string, Float32Array> } {
  const matrices = new Map<string, { N: number; K: number; w: Float32Array }>();
  for (const m of llamaMatrices(cfg)) {
    const std = m.name === 'model.embed_tokens' ? 1 : 1 / Math.sqrt(m.K);
    // Per-tensor seeds (FNV-1a of the name): a tensor's values do not depend on write order.
    matrices.set(m.name, { N: m.N, K: m.K, w: normals((seed ^ fnv1a(m.name)) >>> 0, m.N * m.K, std) });
  }
  const norms = new Map<string, Float32Array>();
  for (const name of llamaNorms(cfg)) norms.set(name, normals((seed ^ fnv1a(name)) >>> 0, cfg.hiddenSize, 0.1, 1));
  return { matrices, norms };
}

// ---------------------------------------------------------------------------------------------
// Tokenizer files

/**
 * A Hugging Face tokenizer.json for Llama-1/2, built from llama-tokenizer-js's vocabulary and
 * merges (the real Llama-2 ones): a BPE model with byte fallback, the legacy normalizer
 * (prepend "▁", spaces → "▁") and the matching decoder, as in meta-llama/Llama-2-7b-hf.
 */
export function llamaTokenizerJson(): Record<string, unknown> {
  const vocabById = llamaTokenizer.vocabById;
  const vocab: Record<string, number> = {};
  vocabById.forEach((piece, id) => {
    vocab[piece] = id;
  });
  const merges = [...llamaTokenizer.merges.entries()].sort((a, b) => a[1] - b[1]).map(([pair]) => pair);
  const special = (id: number, content: string) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true });
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [special(0, '<unk>'), special(1, '<s>'), special(2, '</s>')],
    normalizer: {
      type: 'Sequence',
      normalizers: [
        { type: 'Prepend', prepend: '▁' },
        { type: 'Replace', pattern: { String: ' ' }, content: '▁' },
      ],
    },
    pre_tokenizer: null,
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: '<s>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
      pair: [
        { SpecialToken: { id: '<s>', type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: '<s>', type_id: 1 } },
        { Sequence: { id: 'B', type_id: 1 } },
      ],
      special_tokens: { '<s>': { id: '<s>', ids: [1], tokens: ['<s>'] } },
    },
    decoder: {
      type: 'Sequence',
      decoders: [
        { type: 'Replace', pattern: { String: '▁' }, content: ' ' },
        { type: 'ByteFallback' },
        { type: 'Fuse' },
        { type: 'Strip', content: ' ', start: 1, stop: 0 },
      ],
    },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: '<unk>',
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: true,
      byte_fallback: true,
      vocab,
      merges,
    },
  };
}

export function llamaTokenizerConfigJson(contextWindow: number): Record<string, unknown> {
  return {
    tokenizer_class: 'LlamaTokenizer',
    add_bos_token: true,
    add_eos_token: false,
    bos_token: '<s>',
    eos_token: '</s>',
    unk_token: '<unk>',
    pad_token: null,
    clean_up_tokenization_spaces: false,
    // The legacy (Llama-2 as released) behaviour: the normalizer in tokenizer.json does the work.
    legacy: true,
    model_max_length: contextWindow,
    sp_model_kwargs: {},
  };
}

// ---------------------------------------------------------------------------------------------
// A model folder in memory

function readme(spec: RandomLlamaSpec): string {
  const c = spec.config;
  return `# ${spec.id}

Generated by \`npm run make-tiny-model\` (scripts/make-tiny-model.ts, version ${GENERATOR_VERSION}, seed ${spec.seed}).

**The weights are random noise. This model writes nonsense by design.** It exists so that the
cpu backend, the worker and the tests can load a real MLC-format checkpoint (Llama architecture,
${c.numLayers} layers, hidden ${c.hiddenSize}, ${c.numHeads} heads / ${c.numKvHeads} KV heads, head_dim ${c.headDim},
intermediate ${c.intermediateSize}, vocabulary ${c.vocabSize} with the real Llama-2 tokenizer, quantization ${spec.quantization})
without downloading a real model. Nothing it outputs is a result.

Do not edit: the folder is regenerated when the generator changes (it is gitignored).
`;
}

function specHash(spec: RandomLlamaSpec): string {
  return createHash('sha256').update(JSON.stringify({ v: GENERATOR_VERSION, ...spec })).digest('hex').slice(0, 16);
}

export type LlamaWeights = ReturnType<typeof randomLlamaWeights>;

/** Every file of a random Llama model folder, path → bytes (no manifest yet). */
export function buildRandomLlama(spec: RandomLlamaSpec): Map<string, Uint8Array> {
  return buildLlamaFolder(spec, randomLlamaWeights(spec.config, spec.seed));
}

/** Every file of a model folder with these float32 weights (MLC names), in `spec`'s format. */
export function buildLlamaFolder(spec: RandomLlamaSpec, weights: LlamaWeights): Map<string, Uint8Array> {
  const cfg = spec.config;
  const quant = parseQuantization(spec.quantization);
  const { matrices, norms } = weights;
  const floatFormat = spec.bf16Storage ? 'f32-to-bf16' : 'raw';
  // q0f16 / q0bf16 store unquantized matrices in half precision; q4 models keep norms in the model dtype.
  const floatDtype = quant.kind === 'group' ? quant.modelDtype : quant.name === 'q0f16' ? 'float16' : quant.name === 'q0bf16' ? 'bfloat16' : 'float32';
  const normDtype = floatDtype;
  const tensors: TensorToWrite[] = [];
  for (const [name, m] of matrices) {
    const ts = weightTensors(name, m.w, m.N, m.K, quant, floatDtype);
    for (const t of ts) if (t.dtype === 'float32') t.format = floatFormat;
    tensors.push(...ts);
  }
  for (const [name, w] of norms) {
    tensors.push({ name: `${name}.weight`, dtype: normDtype, shape: [cfg.hiddenSize], data: w, format: normDtype === 'float32' ? floatFormat : 'raw' });
  }
  const { files } = buildTensorCache(tensors, { maxShardBytes: spec.maxShardBytes ?? MAX_SHARD_BYTES, paramCount: llamaParamCount(cfg) });
  const enc = new TextEncoder();
  const json = (v: unknown) => enc.encode(JSON.stringify(v, null, 2) + '\n');
  files.set(CHAT_CONFIG_FILE, json(chatConfigJson(cfg, { quantization: spec.quantization })));
  files.set('tokenizer.json', enc.encode(JSON.stringify(llamaTokenizerJson())));
  files.set('tokenizer_config.json', json(llamaTokenizerConfigJson(cfg.contextWindowSize)));
  files.set('README.md', enc.encode(readme(spec)));
  return files;
}

/**
 * ftlab-manifest.json for a generated folder, in src/core/manifest.ts's schema (identity, then
 * sha256 and size of every file); "generator" is an extra field the validator ignores.
 */
export function manifestFor(spec: RandomLlamaSpec, files: Map<string, Uint8Array>): Record<string, unknown> {
  return {
    schema: 'ftlab-manifest',
    version: 1,
    id: spec.id,
    baseModel: 'tiny-random-llama',
    method: 'base',
    training: null,
    template: null,
    quantization: spec.quantization,
    modelLib: null,
    files: [...files.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([p, bytes]) => ({ path: p, sha256: createHash('sha256').update(bytes).digest('hex'), size: bytes.byteLength })),
    notes: 'Random weights for tests and development: the text it generates is nonsense by design.',
    generator: { script: 'scripts/make-tiny-model.ts', version: GENERATOR_VERSION, seed: spec.seed, specHash: specHash(spec) },
  };
}

const MANIFEST_FILE = 'ftlab-manifest.json';

/** True when `dir` holds this spec's output already (same version and spec hash, files present at their sizes). */
export function isUpToDate(dir: string, spec: RandomLlamaSpec): boolean {
  const mf = path.join(dir, MANIFEST_FILE);
  if (!existsSync(mf)) return false;
  try {
    const m = JSON.parse(readFileSync(mf, 'utf8')) as { generator?: { specHash?: string }; files?: { path: string; size: number }[] };
    if (m.generator?.specHash !== specHash(spec) || !Array.isArray(m.files)) return false;
    return m.files.every((f) => existsSync(path.join(dir, f.path)) && statSync(path.join(dir, f.path)).size === f.size);
  } catch {
    return false;
  }
}

/** Writes the folder atomically (temp sibling, then rename). Returns false when it was up to date. */
export function writeRandomLlama(dir: string, spec: RandomLlamaSpec): boolean {
  if (isUpToDate(dir, spec)) return false;
  const files = buildRandomLlama(spec);
  const manifest = manifestFor(spec, files);
  const tmp = `${dir}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
  mkdirSync(tmp, { recursive: true });
  for (const [p, bytes] of files) writeFileSync(path.join(tmp, p), bytes);
  writeFileSync(path.join(tmp, MANIFEST_FILE), JSON.stringify(manifest, null, 2) + '\n');
  if (isUpToDate(dir, spec)) {
    // Another process finished first.
    rmSync(tmp, { recursive: true, force: true });
    return false;
  }
  if (existsSync(dir)) {
    const stale = `${dir}.stale-${process.pid}-${Math.random().toString(36).slice(2)}`;
    try {
      renameSync(dir, stale);
      rmSync(stale, { recursive: true, force: true });
    } catch {
      // Someone else moved it: fine.
    }
  }
  try {
    renameSync(tmp, dir);
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    if (!isUpToDate(dir, spec)) throw e;
    return false;
  }
  return true;
}

/** Makes sure public/models/tiny-random-llama-* exist and are current; returns their folders by id. */
export function ensureTinyModels(root = MODELS_DIR): Record<string, string> {
  mkdirSync(root, { recursive: true });
  const out: Record<string, string> = {};
  for (const spec of TINY_MODELS) {
    const dir = path.join(root, spec.id);
    writeRandomLlama(dir, spec);
    out[spec.id] = dir;
  }
  return out;
}

const isEntry = process.argv[1] && import.meta.url === new URL(`file://${path.resolve(process.argv[1])}`).href;
if (isEntry) {
  mkdirSync(MODELS_DIR, { recursive: true });
  for (const spec of TINY_MODELS) {
    const dir = path.join(MODELS_DIR, spec.id);
    const wrote = writeRandomLlama(dir, spec);
    console.log(`${wrote ? 'wrote' : 'up to date'}: ${path.relative(PROJECT_ROOT, dir)}`);
  }
}
