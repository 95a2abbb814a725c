/**
 * The cpu backend: the Engine contract over an MLC Llama folder, computed in TypeScript.
 * It is the reference the webgpu backend is checked against and the engine that runs without a
 * GPU (tests, CLI, any browser). It reads files through a FileSource factory, so the same class
 * loads from a directory in Node (nodeFileSource) and from URLs in a worker (fetchFileSource).
 *
 * The generation/scoring loops are src/core/decoding's SequenceRunner, the very code the webgpu
 * backend runs over web-llm; this file only supplies the logits (LlamaForwarder below).
 */
import { SequenceRunner, type ForwardResult, type LogitsForwarder, type TokenizerLike } from '../../../src/core/decoding/index.ts';
import type {
  Engine,
  EngineStats,
  GenerateRequest,
  GenerateResult,
  LoadedModelInfo,
  LoadProgress,
  LoglikelihoodResult,
  ModelSpec,
  PromptInput,
  ScoreNextResult,
} from '../../../src/core/engine.ts';
import { ArtifactCorruptError, ArtifactMissingError, EngineRequestError, ModelNotLoadedError } from '../../../src/core/engine-errors.ts';
import { CHAT_CONFIG_FILE, parseChatConfig, type MlcChatConfig } from '../../../src/core/mlc/chat-config.ts';
import { fetchFileSource, readJsonFile, type FileSource } from '../../../src/core/mlc/file-source.ts';
import { parseQuantization } from '../../../src/core/mlc/quantization.ts';
import { loadTensorStore, openTensorCache } from '../../../src/core/mlc/reader.ts';
import { matmul, matmulNaive } from './linear.ts';
import { LlamaRunner } from './llama-runner.ts';
import { ModelTokenizer } from './tokenizer.ts';
import { llamaWeightsFromStore } from './weights.ts';

export const CPU_BACKEND = 'cpu';

export interface CpuEngineOptions {
  /** Opens a model folder by spec.url. Default: fetch (browser/worker; relative URLs need `origin`). */
  openFiles?: (url: string) => FileSource;
  /** 'naive' runs the unblocked baseline kernels (bench only). */
  kernels?: 'blocked' | 'naive';
  /** Yield to the event loop at least this often while decoding, so interrupt() gets through. */
  yieldEveryMs?: number;
}

interface Loaded {
  spec: ModelSpec;
  config: MlcChatConfig;
  tokenizer: ModelTokenizer;
  runner: LlamaRunner;
  sequences: SequenceRunner;
  info: LoadedModelInfo;
}

const now = () => performance.now();
const yieldToEventLoop = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/**
 * The TypeScript Llama as the loops' LogitsForwarder. It keeps the ids of the current sequence;
 * reset() only forgets them, not the runner's KV cache: the runner matches every request against
 * the ids it holds, so a prompt that shares a prefix with the previous one (the same prompt
 * scored against several labels, or generated from again) only computes the rest.
 */
class LlamaForwarder implements LogitsForwarder {
  private sequence: number[] = [];
  private lastYield = now();

  constructor(
    private readonly runner: LlamaRunner,
    private readonly yieldEveryMs: number,
  ) {}

  async reset(): Promise<void> {
    this.sequence = [];
    this.lastYield = now();
  }

  async forward(ids: number[], _isPrefill: boolean): Promise<ForwardResult> {
    for (const id of ids) this.sequence.push(id);
    const { logits, computed } = this.runner.run(this.sequence, [this.sequence.length - 1]);
    return { logits, computed };
  }

  /** The forward pass is synchronous: yield now and then so interrupt() (a message) gets in. */
  async betweenSteps(): Promise<void> {
    if (now() - this.lastYield < this.yieldEveryMs) return;
    await yieldToEventLoop();
    this.lastYield = now();
  }
}

/** ModelTokenizer as the loops see it. */
/** The tokenizer must not produce ids the model has no embedding for. */
function checkConfigIds(config: MlcChatConfig, tokenizerVocab: number): void {
  if (tokenizerVocab > config.model.vocabSize) {
    throw new ArtifactCorruptError('tokenizer.json', `${tokenizerVocab} pieces, but the model has ${config.model.vocabSize} embeddings (vocab_size in ${CHAT_CONFIG_FILE}): a tokenizer of another model?`);
  }
}

function tokenizerView(t: ModelTokenizer): TokenizerLike {
  return { encode: (text) => t.encode(text), decode: (ids) => t.decode(ids), idToToken: (id) => t.piece(id), maxPieceChars: t.maxPieceChars };
}

export class CpuEngine implements Engine {
  private readonly opts: Required<Pick<CpuEngineOptions, 'kernels' | 'yieldEveryMs'>> & CpuEngineOptions;
  private loaded: Loaded | undefined;

  constructor(opts: CpuEngineOptions = {}) {
    this.opts = { kernels: 'blocked', yieldEveryMs: 25, ...opts };
  }

  async load(spec: ModelSpec, onProgress?: (p: LoadProgress) => void): Promise<LoadedModelInfo> {
    await this.unload();
    const source = (this.opts.openFiles ?? ((url: string) => fetchFileSource(url)))(spec.url);
    onProgress?.({ phase: 'fetch', fraction: 0, text: `reading ${CHAT_CONFIG_FILE}` });
    const config = parseChatConfig(await readJsonFile(source, CHAT_CONFIG_FILE));
    const quant = parseQuantization(config.quantization);
    const tokenizerJson = await readJsonFile(source, 'tokenizer.json');
    let tokenizerConfig: unknown;
    try {
      tokenizerConfig = await readJsonFile(source, 'tokenizer_config.json');
    } catch (e) {
      if (!(e instanceof ArtifactMissingError)) throw e;
    }
    const tokenizer = ModelTokenizer.fromJson(tokenizerJson, tokenizerConfig);
    checkConfigIds(config, tokenizer.vocabSize);
    const opened = await openTensorCache(source);
    const store = await loadTensorStore(source, {
      opened,
      onProgress: (p) =>
        onProgress?.({
          phase: 'fetch',
          fraction: 0.95 * (p.loadedBytes / Math.max(1, p.totalBytes)),
          loadedBytes: p.loadedBytes,
          totalBytes: p.totalBytes,
          text: `loaded ${p.file}`,
        }),
    });
    onProgress?.({ phase: 'init', fraction: 0.97, text: 'building the model' });
    const weights = llamaWeightsFromStore(store, config.model, quant);
    const contextWindow = spec.contextWindow ?? config.model.contextWindowSize;
    if (contextWindow > config.model.contextWindowSize) {
      throw new EngineRequestError(
        `context window ${contextWindow} is larger than the model's own (${config.model.contextWindowSize}, context_window_size in ${CHAT_CONFIG_FILE}): positions past it were never trained`,
        `give at most ${config.model.contextWindowSize}`,
      );
    }
    const model = { ...config.model, contextWindowSize: contextWindow };
    const runner = new LlamaRunner(model, weights, { matmul: this.opts.kernels === 'naive' ? matmulNaive : matmul });
    const sequences = new SequenceRunner({
      forwarder: new LlamaForwarder(runner, this.opts.yieldEveryMs),
      tokenizer: tokenizerView(tokenizer),
      vocabSize: config.model.vocabSize,
      contextWindow,
      bosId: config.bosTokenId,
      eosIds: config.eosTokenIds,
      modelId: spec.id,
    });
    const info: LoadedModelInfo = {
      id: spec.id,
      backend: CPU_BACKEND,
      vocabSize: config.model.vocabSize,
      contextWindow,
      bosId: config.bosTokenId,
      eosId: config.eosTokenIds[0] ?? 2,
    };
    this.loaded = { spec, config, tokenizer, runner, sequences, info };
    onProgress?.({ phase: 'done', fraction: 1, loadedBytes: opened.totalBytes, totalBytes: opened.totalBytes, text: `${spec.id} ready (cpu)` });
    return info;
  }

  async unload(): Promise<void> {
    this.loaded?.runner.freeCache();
    this.loaded = undefined;
  }

  private need(operation: string): Loaded {
    if (!this.loaded) throw new ModelNotLoadedError(operation);
    return this.loaded;
  }

  async tokenize(text: string, opts?: { bos?: boolean }): Promise<number[]> {
    const m = this.need('tokenize');
    const ids = m.tokenizer.encode(text);
    return opts?.bos ? [m.config.bosTokenId, ...ids] : ids;
  }

  async detokenize(ids: number[]): Promise<string> {
    return this.need('detokenize').tokenizer.decode(ids);
  }

  generate(req: GenerateRequest): Promise<GenerateResult> {
    return this.call('generate', (m) => m.sequences.generate(req));
  }

  scoreNext(prompt: PromptInput, candidateIds: number[], opts?: { topK?: number }): Promise<ScoreNextResult> {
    return this.call('score', (m) => m.sequences.scoreNext(prompt, candidateIds, opts));
  }

  loglikelihood(prompt: PromptInput, continuation: string | number[]): Promise<LoglikelihoodResult> {
    return this.call('score', (m) => m.sequences.loglikelihood(prompt, continuation));
  }

  /** A rejected promise, never a synchronous throw, when nothing is loaded. */
  private async call<T>(operation: string, f: (m: Loaded) => Promise<T>): Promise<T> {
    return f(this.need(operation));
  }

  async interrupt(): Promise<void> {
    this.loaded?.sequences.interrupt();
  }

  async stats(): Promise<EngineStats> {
    const t = this.loaded?.sequences.total;
    return t ? { ...t } : { calls: 0, prefillTokens: 0, decodeTokens: 0, prefillMs: 0, decodeMs: 0 };
  }

  /** What is loaded (undefined before load). */
  get info(): LoadedModelInfo | undefined {
    return this.loaded?.info;
  }
}
