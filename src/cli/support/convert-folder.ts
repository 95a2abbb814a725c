/**
 * `ftlab convert`'s work on disk: a Hugging Face Llama folder in, an MLC folder out
 * (mlc-chat-config.json, tensor-cache.json, params_shard_*.bin, the tokenizer files, the run
 * card, ftlab-manifest.json). Tensors stream from the safetensors files to the shards one MLC
 * tensor at a time. The folder is written beside the target and renamed into place at the end,
 * so an interrupted conversion never leaves a folder that looks complete. Same input, same
 * bytes: nothing time- or machine-dependent is written.
 */
import { createHash, type Hash } from 'node:crypto';
import { closeSync, copyFileSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import { checkSources, convertLlamaTensors } from '../../core/convert/hf-to-mlc.ts';
import { HF_CONFIG_FILE, parseHfLlamaConfig } from '../../core/convert/hf-config.ts';
import { planLlamaConversion, plannedRecords } from '../../core/convert/llama-plan.ts';
import { diffParams, isLlama2_7b, LLAMA2_7B_LIBS, llama2_7bLibraryParams, type PrebuiltQuantization } from '../../core/convert/prebuilt.ts';
import { parseRunCard, RUN_CARD_FILE, type RunCardIdentity } from '../../core/convert/run-card.ts';
import { ArtifactMissingError } from '../../core/engine-errors.ts';
import { FtlabError } from '../../core/errors.ts';
import { MANIFEST_FILE, MANIFEST_SCHEMA, MANIFEST_VERSION, validateManifest, type FtlabManifest } from '../../core/manifest.ts';
import { chatConfigJson, CHAT_CONFIG_FILE } from '../../core/mlc/chat-config.ts';
import { llamaParamCount } from '../../core/mlc/llama-layout.ts';
import { parseQuantization } from '../../core/mlc/quantization.ts';
import { TENSOR_CACHE_FILES } from '../../core/mlc/tensor-cache.ts';
import { encodeTensor, ShardPacker, MAX_SHARD_BYTES } from '../../core/mlc/writer.ts';
import { openCheckpoint, readJson } from './hf-checkpoint.ts';

/** The quantizations `ftlab convert` writes (declared once: the CLI check and help derive from it). */
export const CONVERT_QUANTIZATIONS = ['q0f32', 'q0f16', 'q4f16_1', 'q4f32_1'] as const;
export type ConvertQuantization = (typeof CONVERT_QUANTIZATIONS)[number];

/** Tokenizer files copied when present (tokenizer.json or tokenizer.model is required). */
const TOKENIZER_FILES = ['tokenizer.json', 'tokenizer_config.json', 'tokenizer.model'] as const;

export interface ConvertOptions {
  hfDir: string;
  outDir: string;
  quantization: ConvertQuantization;
  /** ftlab-run-card.json written by train/ftlab_train.py: the manifest's identity. */
  runCardFile?: string;
  /** Manifest id; default: the run card's modelId, else the output folder's name. */
  id?: string;
  /** Manifest baseModel when there is no run card; default: config's _name_or_path, else the HF folder's name. */
  baseModel?: string;
  /** Replace an existing output folder. */
  force?: boolean;
  maxShardBytes?: number;
  onTensor?: (done: number, total: number, name: string) => void;
}

export interface ConvertResult {
  manifest: FtlabManifest;
  /** The prebuilt web-llm library the folder binds to, or a sentence why none does. */
  library: { file: string } | { none: string };
  /** Checkpoint tensors not converted (a tied lm_head, stray buffers). */
  unused: string[];
  shards: number;
}

export class ConvertError extends FtlabError {
  constructor(message: string, hint: string) {
    super('convert-failed', message, hint);
  }
}

/** Where shard bytes go: one file open at a time, hashed as written. */
class ShardFiles {
  private fd: number | undefined;
  private hash: Hash | undefined;
  private name = '';
  readonly sha256 = new Map<string, string>();
  constructor(private readonly dir: string) {}

  write(dataPath: string, startsShard: boolean, bytes: Uint8Array): void {
    if (startsShard) {
      this.finish();
      this.name = dataPath;
      this.fd = openSync(path.join(this.dir, dataPath), 'w');
      this.hash = createHash('sha256');
    }
    let off = 0;
    while (off < bytes.byteLength) off += writeSync(this.fd!, bytes, off, bytes.byteLength - off);
    this.hash!.update(bytes);
  }

  finish(): void {
    if (this.fd === undefined) return;
    closeSync(this.fd);
    this.sha256.set(this.name, this.hash!.digest('hex'));
    this.fd = undefined;
  }
}

const sha256Of = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

function identity(opts: ConvertOptions, nameOrPath: string | undefined): RunCardIdentity & { id: string } {
  if (opts.runCardFile) {
    const card = parseRunCard(readJson(opts.runCardFile), opts.runCardFile);
    return { ...card, id: opts.id ?? card.modelId ?? path.basename(path.resolve(opts.outDir)) };
  }
  return {
    modelId: undefined,
    id: opts.id ?? path.basename(path.resolve(opts.outDir)),
    baseModel: opts.baseModel ?? nameOrPath ?? path.basename(path.resolve(opts.hfDir)),
    method: 'base',
    training: null,
    template: null,
  };
}

export async function convertHfFolder(opts: ConvertOptions): Promise<ConvertResult> {
  const hf = parseHfLlamaConfig(readJson(path.join(opts.hfDir, HF_CONFIG_FILE)), path.join(opts.hfDir, HF_CONFIG_FILE));
  const quant = parseQuantization(opts.quantization);
  const cfg = hf.model;
  const plan = planLlamaConversion(cfg);
  const who = identity(opts, hf.nameOrPath);
  const tokenizerFiles = TOKENIZER_FILES.filter((f) => existsSync(path.join(opts.hfDir, f)));
  if (!tokenizerFiles.includes('tokenizer.json') && !tokenizerFiles.includes('tokenizer.model')) {
    throw new ArtifactMissingError(path.join(opts.hfDir, 'tokenizer.json'), 'the checkpoint folder has no tokenizer.json (save the tokenizer beside the model: tokenizer.save_pretrained(dir))');
  }
  const out = path.resolve(opts.outDir);
  if (existsSync(out) && readdirSync(out).length > 0 && !opts.force) {
    throw new ConvertError(`${opts.outDir} exists and is not empty`, 'choose another --out, or pass --force to replace it');
  }

  // The prebuilt library binds by name and shape: check before writing gigabytes.
  let library: ConvertResult['library'];
  if (isLlama2_7b(cfg) && opts.quantization in LLAMA2_7B_LIBS) {
    const q = opts.quantization as PrebuiltQuantization;
    const problems = diffParams(plannedRecords(plan, quant), llama2_7bLibraryParams(q));
    if (problems.length > 0) throw new ConvertError(`the conversion would not bind web-llm's ${LLAMA2_7B_LIBS[q]}: ${problems.slice(0, 3).join('; ')}`, 'report this as a bug in ftlab convert');
    library = { file: LLAMA2_7B_LIBS[q] };
  } else if (isLlama2_7b(cfg)) {
    library = { none: `web-llm has no prebuilt Llama-2-7b library in ${opts.quantization}: convert with --quantization q4f16_1 (or q4f32_1 without shader-f16) for the browser` };
  } else {
    library = { none: 'not Llama-2-7b: no prebuilt web-llm library; the cpu backend runs it, or build a model library for its shapes' };
  }

  const checkpoint = await openCheckpoint(opts.hfDir);
  const tmp = `${out}.tmp-${process.pid}-${Date.now().toString(36)}`;
  mkdirSync(tmp, { recursive: true });
  try {
    const unused = checkSources(plan, checkpoint, opts.hfDir);
    const packer = new ShardPacker(opts.maxShardBytes ?? MAX_SHARD_BYTES);
    const shards = new ShardFiles(tmp);
    let done = 0;
    for await (const { planned, records } of convertLlamaTensors(plan, quant, checkpoint)) {
      for (const r of records) {
        const bytes = encodeTensor(r);
        const at = packer.add({ name: r.name, dtype: r.dtype, shape: r.shape, format: 'raw', nbytes: bytes.byteLength });
        shards.write(at.dataPath, at.startsShard, bytes);
      }
      opts.onTensor?.(++done, plan.length, planned.mlcName);
    }
    shards.finish();

    const files = new Map<string, { sha256: string; size: number }>();
    const enc = new TextEncoder();
    const writeText = (name: string, text: string) => {
      const bytes = enc.encode(text);
      writeFileSync(path.join(tmp, name), bytes);
      files.set(name, { sha256: sha256Of(bytes), size: bytes.byteLength });
    };
    const index = packer.index(llamaParamCount(cfg));
    for (const s of index.records) files.set(s.dataPath, { sha256: shards.sha256.get(s.dataPath)!, size: s.nbytes });
    writeText(TENSOR_CACHE_FILES[0], JSON.stringify(index, null, 1));
    const chatConfig = chatConfigJson(cfg, {
      quantization: opts.quantization,
      bosTokenId: hf.bosTokenId,
      eosTokenId: hf.eosTokenId,
      padTokenId: hf.padTokenId ?? 0,
      tokenizerFiles: tokenizerFiles.filter((f) => f !== 'tokenizer.model' || !tokenizerFiles.includes('tokenizer.json')),
    });
    writeText(CHAT_CONFIG_FILE, JSON.stringify(chatConfig, null, 2) + '\n');
    for (const f of tokenizerFiles) {
      copyFileSync(path.join(opts.hfDir, f), path.join(tmp, f));
      const bytes = readFileSync(path.join(tmp, f));
      files.set(f, { sha256: sha256Of(bytes), size: bytes.byteLength });
    }
    if (opts.runCardFile) {
      copyFileSync(opts.runCardFile, path.join(tmp, RUN_CARD_FILE));
      const bytes = readFileSync(path.join(tmp, RUN_CARD_FILE));
      files.set(RUN_CARD_FILE, { sha256: sha256Of(bytes), size: bytes.byteLength });
    }
    const libLine = 'file' in library ? `binds web-llm's prebuilt ${library.file}` : library.none;
    const manifestJson = {
      schema: MANIFEST_SCHEMA,
      version: MANIFEST_VERSION,
      id: who.id,
      baseModel: who.baseModel,
      method: who.method,
      training: who.training,
      template: who.template,
      quantization: opts.quantization,
      modelLib: null,
      files: [...files.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([p, f]) => ({ path: p, ...f })),
      notes: `Converted by ftlab convert from a Hugging Face Llama checkpoint (${path.basename(path.resolve(opts.hfDir))}); ${libLine}.`,
    };
    const manifest = validateManifest(manifestJson);
    writeFileSync(path.join(tmp, MANIFEST_FILE), JSON.stringify(manifestJson, null, 2) + '\n');
    if (existsSync(out)) rmSync(out, { recursive: true, force: true });
    renameSync(tmp, out);
    return { manifest, library, unused, shards: index.records.length };
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  } finally {
    await checkpoint.close();
  }
}
