/**
 * MLC Llama folder → float32 GGUF, for llama.cpp's OpenAI-compatible server (the real server
 * the openai backend is tested against). The weights are read with the cpu backend's own loader
 * (q4 matrices dequantized row by row), so the GGUF holds exactly what the cpu engine computes
 * with; the vocabulary comes from the folder's tokenizer.json, with scores set so that llama.cpp
 * merges as Llama-2 does (src/core/gguf/llama.ts).
 *
 * A PEFT LoRA adapter of that model (train/'s adapter folder) becomes a llama.cpp LoRA adapter
 * GGUF (src/core/gguf/lora.ts), which llama.cpp's server applies on top of the model's GGUF and
 * serves as a model of its own (llama-cpp-python's config: `lora_path`).
 *
 *   node --import tsx scripts/export-gguf.ts --model DIR --out FILE.gguf [--add-bos true|false]
 *   node --import tsx scripts/export-gguf.ts --model DIR --adapter ADAPTER_DIR --out LORA.gguf
 */
import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { ADAPTER_CONFIG_FILE, ADAPTER_WEIGHTS_FILE, pairLoraTensors, parseLoraConfig } from '../src/core/delta/lora.ts';
import { encodeGguf, llamaGgufMetadata, llamaGgufTensorName, loraGguf, permuteForGgufRope, type GgufTensor, type PeftLoraModule } from '../src/core/gguf/index.ts';
import { readSafetensorsHeader, readSafetensorsTensor } from '../src/core/safetensors/reader.ts';
import { openFileByteSource } from '../src/cli/support/file-bytes.ts';
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

/**
 * The LoRA adapter GGUF's bytes for a PEFT adapter folder of the model in `modelDir` (its shapes
 * and heads come from the model's mlc-chat-config.json; the adapter's tensors are read one at a
 * time). `alpha` is what the file carries (0 when the scales were folded into lora_b).
 */
export async function peftLoraToGguf(modelDir: string, adapterDir: string, opts: { name?: string } = {}): Promise<{ chunks: Uint8Array[]; alpha: number; modules: number }> {
  const cfg = parseChatConfig(JSON.parse(await readFile(path.join(modelDir, 'mlc-chat-config.json'), 'utf8'))).model;
  const cfgFile = path.join(adapterDir, ADAPTER_CONFIG_FILE);
  const weightsFile = path.join(adapterDir, ADAPTER_WEIGHTS_FILE);
  const lora = parseLoraConfig(JSON.parse(await readFile(cfgFile, 'utf8')), cfgFile);
  const src = await openFileByteSource(weightsFile);
  try {
    const header = await readSafetensorsHeader(src);
    const modules: PeftLoraModule[] = [];
    for (const m of pairLoraTensors([...header.tensors.keys()], weightsFile)) {
      modules.push({
        module: m.module,
        a: await readSafetensorsTensor(src, header, m.a),
        aShape: header.tensors.get(m.a)?.shape ?? [],
        b: await readSafetensorsTensor(src, header, m.b),
        bShape: header.tensors.get(m.b)?.shape ?? [],
      });
    }
    const { metadata, tensors, alpha } = loraGguf(opts.name ?? path.basename(path.resolve(adapterDir)), cfg, lora, modules, weightsFile);
    return { chunks: encodeGguf(metadata, tensors), alpha, modules: modules.length };
  } finally {
    await src.close();
  }
}

function writeChunks(file: string, chunks: Uint8Array[]): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const out = createWriteStream(file);
    out.on('error', reject);
    out.on('finish', resolve);
    for (const c of chunks) out.write(c);
    out.end();
  });
}

/** Writes the GGUF of `dir` to `file`. */
export async function exportGguf(dir: string, file: string, opts: ExportGgufOptions = {}): Promise<void> {
  await writeChunks(file, await mlcToGguf(dir, opts));
}

/** Writes the LoRA adapter GGUF of `adapterDir` (an adapter of the model in `modelDir`) to `file`. */
export async function exportLoraGguf(modelDir: string, adapterDir: string, file: string): Promise<{ alpha: number; modules: number }> {
  const { chunks, alpha, modules } = await peftLoraToGguf(modelDir, adapterDir);
  await writeChunks(file, chunks);
  return { alpha, modules };
}

const isEntry = process.argv[1] && import.meta.url === new URL(`file://${path.resolve(process.argv[1])}`).href;
if (isEntry) {
  const { values } = parseArgs({ options: { model: { type: 'string' }, adapter: { type: 'string' }, out: { type: 'string' }, 'add-bos': { type: 'string' } } });
  if (!values.model || !values.out) {
    const me = path.relative(process.cwd(), fileURLToPath(import.meta.url));
    console.error(`usage: node --import tsx ${me} --model DIR --out FILE.gguf [--add-bos true|false]\n       node --import tsx ${me} --model DIR --adapter ADAPTER_DIR --out LORA.gguf`);
    process.exit(2);
  }
  if (values.adapter) {
    const { alpha, modules } = await exportLoraGguf(values.model, values.adapter, values.out);
    console.log(`wrote ${values.out} (LoRA adapter, ${modules} modules, adapter.lora.alpha ${alpha})`);
  } else {
    await exportGguf(values.model, values.out, { addBos: values['add-bos'] !== 'false' });
    console.log(`wrote ${values.out}`);
  }
}
