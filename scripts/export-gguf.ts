/**
 * MLC Llama folder → float32 GGUF, for llama.cpp's OpenAI-compatible server (the real server
 * the openai backend is tested against). The weights are read with the cpu backend's own loader
 * (q4 matrices dequantized row by row), so the GGUF holds exactly what the cpu engine computes
 * with; the vocabulary comes from the folder's tokenizer.json, with scores set so that llama.cpp
 * merges as Llama-2 does (src/core/gguf/llama.ts).
 *
 *   node --import tsx scripts/export-gguf.ts --model DIR --out FILE.gguf [--add-bos true|false]
 */
import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { encodeGguf, llamaGgufMetadata, llamaGgufTensorName, permuteForGgufRope, type GgufTensor } from '../src/core/gguf/index.ts';
import { parseChatConfig } from '../src/core/mlc/chat-config.ts';
import { parseQuantization } from '../src/core/mlc/quantization.ts';
import { loadTensorStore } from '../src/core/mlc/reader.ts';
import { readRow, type LinearWeight } from '../workers/backends/cpu/linear.ts';
import { nodeFileSource } from '../workers/backends/cpu/node-file-source.ts';
import { llamaWeightsFromStore } from '../workers/backends/cpu/weights.ts';

export interface ExportGgufOptions {
  /** Whether the server prepends BOS to text prompts (default true, as Llama-2's tokenizer does). */
  addBos?: boolean;
  /** general.name (default: the folder's name). */
  name?: string;
}

/** Rows [from, from + count) of W as float32, row-major. */
function rows(W: LinearWeight, from: number, count: number): Float32Array {
  const out = new Float32Array(count * W.K);
  for (let r = 0; r < count; r++) readRow(W, from + r, out, r * W.K);
  return out;
}

/** A [N, K] row-major matrix as a GGUF tensor (dims innermost first). */
const matrix = (name: string, data: Float32Array, N: number, K: number): GgufTensor => ({ name, dims: [K, N], data });

interface TokenizerJson {
  added_tokens?: { id: number; content: string; special?: boolean }[];
  model: { vocab: Record<string, number> };
}

/** The GGUF file's bytes (as chunks) for an MLC Llama folder. */
export async function mlcToGguf(dir: string, opts: ExportGgufOptions = {}): Promise<Uint8Array[]> {
  const source = nodeFileSource(dir);
  const config = parseChatConfig(JSON.parse(await readFile(path.join(dir, 'mlc-chat-config.json'), 'utf8')));
  const cfg = config.model;
  const tokJson = JSON.parse(await readFile(path.join(dir, 'tokenizer.json'), 'utf8')) as TokenizerJson;
  const pieces: string[] = [];
  for (const [piece, id] of Object.entries(tokJson.model.vocab)) pieces[id] = piece;
  for (const t of tokJson.added_tokens ?? []) pieces[t.id] = t.content;
  if (pieces.length !== cfg.vocabSize || pieces.some((p) => p === undefined)) {
    throw new Error(`${dir}/tokenizer.json: ${pieces.length} pieces, not the model's vocabulary of ${cfg.vocabSize}`);
  }
  const specialIds = new Set((tokJson.added_tokens ?? []).filter((t) => t.special !== false).map((t) => t.id));
  const unkId = tokJson.model.vocab['<unk>'] ?? 0;

  const store = await loadTensorStore(source);
  const w = llamaWeightsFromStore(store, cfg, parseQuantization(config.quantization));
  const H = cfg.hiddenSize;
  const hd = cfg.headDim;
  const qRows = cfg.numHeads * hd;
  const kvRows = cfg.numKvHeads * hd;
  const I = cfg.intermediateSize;
  const tensors: GgufTensor[] = [matrix(llamaGgufTensorName.embed, rows(w.embed, 0, cfg.vocabSize), cfg.vocabSize, H)];
  w.layers.forEach((layer, i) => {
    const n = llamaGgufTensorName.layer(i);
    tensors.push(
      { name: n.attnNorm, dims: [H], data: layer.inputNorm },
      matrix(n.q, permuteForGgufRope(rows(layer.qkv, 0, qRows), cfg.numHeads, hd, H), qRows, H),
      matrix(n.k, permuteForGgufRope(rows(layer.qkv, qRows, kvRows), cfg.numKvHeads, hd, H), kvRows, H),
      matrix(n.v, rows(layer.qkv, qRows + kvRows, kvRows), kvRows, H),
      matrix(n.o, rows(layer.o, 0, H), H, qRows),
      { name: n.ffnNorm, dims: [H], data: layer.postNorm },
      matrix(n.gate, rows(layer.gateUp, 0, I), I, H),
      matrix(n.up, rows(layer.gateUp, I, I), I, H),
      matrix(n.down, rows(layer.down, 0, H), H, I),
    );
  });
  tensors.push({ name: llamaGgufTensorName.outputNorm, dims: [H], data: w.norm }, matrix(llamaGgufTensorName.output, rows(w.lmHead, 0, cfg.vocabSize), cfg.vocabSize, H));
  const metadata = llamaGgufMetadata(opts.name ?? path.basename(path.resolve(dir)), cfg, {
    pieces,
    specialIds,
    bosId: config.bosTokenId,
    eosId: config.eosTokenIds[0] ?? 2,
    unkId,
    addBos: opts.addBos ?? true,
  });
  return encodeGguf(metadata, tensors);
}

/** Writes the GGUF of `dir` to `file`. */
export async function exportGguf(dir: string, file: string, opts: ExportGgufOptions = {}): Promise<void> {
  const chunks = await mlcToGguf(dir, opts);
  await new Promise<void>((resolve, reject) => {
    const out = createWriteStream(file);
    out.on('error', reject);
    out.on('finish', resolve);
    for (const c of chunks) out.write(c);
    out.end();
  });
}

const isEntry = process.argv[1] && import.meta.url === new URL(`file://${path.resolve(process.argv[1])}`).href;
if (isEntry) {
  const { values } = parseArgs({ options: { model: { type: 'string' }, out: { type: 'string' }, 'add-bos': { type: 'string' } } });
  if (!values.model || !values.out) {
    console.error(`usage: node --import tsx ${path.relative(process.cwd(), fileURLToPath(import.meta.url))} --model DIR --out FILE.gguf [--add-bos true|false]`);
    process.exit(2);
  }
  await exportGguf(values.model, values.out, { addBos: values['add-bos'] !== 'false' });
  console.log(`wrote ${values.out}`);
}
