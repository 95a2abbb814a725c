/**
 * A test double of web-llm 0.2.86's MLCEngine, for running the webgpu backend's real code in
 * Node (no GPU here, and no model library compiled for the tiny model). It does what the backend
 * relies on, the way web-llm does it (lib/index.js, read for 0.2.86):
 * - reload(modelId, chatOpts) finds the record in the app config, fetches the weights over HTTP
 *   from the record's URL after web-llm's cleanModelUrl, reports progress in web-llm's texts, and
 *   reads the LogitProcessor registry once, at reload;
 * - forwardTokensAndSample(ids, isPrefill) appends ids to the KV cache (checking no context
 *   window; this double throws where the real KV cache would overrun), computes the logits of
 *   the last position, awaits "the GPU" (a macrotask, like device.sync()), hands a fresh
 *   Float32Array to processLogits, samples greedily from what it returns, then calls
 *   processSampledToken;
 * - resetChat() empties the KV cache and calls the processor's resetState();
 * - the loaded model's pipeline is in `loadedModelIdToPipeline` with the members the backend's
 *   prefix reuse reads (kv-reuse.ts): `kvCache`, `kvStateKind`, `slidingWindowSize`,
 *   `filledKVCacheLength` and a `tvm` whose global `vm.builtin.kv_state_popn` drops the last n
 *   positions (TVM's PopN: n ≤ the sequence length, Scalar arguments).
 * The logits come from the cpu backend's Llama forward pass (LlamaRunner) on the same weights,
 * so the backend's loops can be compared with the cpu engine number for number.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createReadStream, existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { argmaxFirst } from '../../src/core/decoding/index.ts';
import { parseChatConfig } from '../../src/core/mlc/chat-config.ts';
import { fetchFileSource, readJsonFile } from '../../src/core/mlc/file-source.ts';
import { parseQuantization } from '../../src/core/mlc/quantization.ts';
import { loadTensorStore } from '../../src/core/mlc/reader.ts';
import { LlamaRunner } from '../../workers/backends/cpu/llama-runner.ts';
import { llamaWeightsFromStore } from '../../workers/backends/cpu/weights.ts';
import type { MlcEngineLike } from '../../workers/backends/webgpu/backend.ts';

type AppConfig = Parameters<MlcEngineLike['setAppConfig']>[0];
type ProcessorRegistry = NonNullable<Parameters<MlcEngineLike['setLogitProcessorRegistry']>[0]>;
type LogitProcessor = ProcessorRegistry extends Map<string, infer P> ? P : never;
type InitProgressCallback = Parameters<MlcEngineLike['setInitProgressCallback']>[0];
type ChatOptions = Exclude<Parameters<MlcEngineLike['reload']>[1], unknown[] | undefined>;

/** web-llm 0.2.86's cleanModelUrl, verbatim in behaviour: the folder it fetches weights from. */
function cleanModelUrl(modelUrl: string): string {
  let u = modelUrl + (modelUrl.endsWith('/') ? '' : '/');
  if (!/.+\/resolve\/.+\//.test(u)) u += 'resolve/main/';
  return new URL(u).href;
}

interface LoadedDouble {
  modelId: string;
  runner: LlamaRunner;
  kv: number[];
  contextWindow: number;
  prefillChunk: number;
  processor: LogitProcessor | undefined;
}

interface ScalarDouble {
  value: number;
  dtype: string;
}
const isScalar = (v: unknown, dtype: string): v is ScalarDouble => typeof v === 'object' && v !== null && 'value' in v && 'dtype' in v && v.dtype === dtype && typeof v.value === 'number';

interface PipelineDouble {
  kvCache: object;
  kvStateKind: string;
  slidingWindowSize: number;
  filledKVCacheLength: number;
  tvm: {
    beginScope(): void;
    endScope(): void;
    detachFromCurrentScope<T>(x: T): T;
    scalar(value: number, dtype: string): ScalarDouble;
    getGlobalFunc(name: string): (...args: unknown[]) => void;
  };
}

/** One call the backend made, for tests that check how web-llm is driven. */
export type DoubleCall =
  | { kind: 'reload'; modelId: string; contextWindow: number }
  | { kind: 'resetChat' }
  | { kind: 'popn'; n: number; kvBefore: number }
  | { kind: 'forward'; ids: number[]; isPrefill: boolean; kvBefore: number }
  | { kind: 'unload' };

export class WebLlmEngineDouble implements MlcEngineLike {
  readonly calls: DoubleCall[] = [];
  private appConfig: AppConfig | undefined;
  private registry: ProcessorRegistry | undefined;
  private progress: InitProgressCallback | undefined;
  private loaded: LoadedDouble | null = null;
  private readonly t0 = performance.now();
  /** What web-llm's MLCEngine keeps per loaded model (its LLMChatPipeline), as far as the backend reads it. */
  readonly loadedModelIdToPipeline = new Map<string, PipelineDouble>();

  setAppConfig(appConfig: AppConfig): void {
    this.appConfig = appConfig;
  }

  setLogitProcessorRegistry(registry?: ProcessorRegistry): void {
    this.registry = registry;
  }

  setInitProgressCallback(cb: InitProgressCallback): void {
    this.progress = cb;
  }

  private report(progress: number, text: string): void {
    this.progress?.({ progress, timeElapsed: (performance.now() - this.t0) / 1000, text });
  }

  async reload(modelId: string | string[], chatOpts?: ChatOptions | ChatOptions[]): Promise<void> {
    if (Array.isArray(modelId) || Array.isArray(chatOpts)) throw new Error('web-llm double: one model at a time');
    this.loaded = null;
    const record = this.appConfig?.model_list.find((r) => r.model_id === modelId);
    if (!record) throw Object.assign(new Error(`Cannot find model record in appConfig for ${modelId}`), { name: 'ModelNotFoundError' });
    const source = fetchFileSource(cleanModelUrl(record.model));
    const config = parseChatConfig(await readJsonFile(source, 'mlc-chat-config.json'));
    this.report(0, 'Start to fetch params');
    const store = await loadTensorStore(source, {
      onProgress: (p) =>
        this.report(
          p.loadedBytes / p.totalBytes,
          `Fetching param cache[1/1]: ${Math.ceil(p.loadedBytes / 2 ** 20)}MB fetched. ${Math.floor((100 * p.loadedBytes) / p.totalBytes)}% completed, 0 secs elapsed. It can take a while when you first run this app.`,
        ),
    });
    this.report(1, 'Loading GPU shader modules[1/1]: 100% completed, 0 secs elapsed.');
    const contextWindow = chatOpts?.context_window_size ?? record.overrides?.context_window_size ?? config.model.contextWindowSize;
    const weights = llamaWeightsFromStore(store, config.model, parseQuantization(config.quantization));
    const runner = new LlamaRunner({ ...config.model, contextWindowSize: contextWindow }, weights);
    this.loaded = {
      modelId,
      runner,
      kv: [],
      contextWindow,
      prefillChunk: config.model.prefillChunkSize,
      processor: this.registry?.get(modelId),
    };
    this.loadedModelIdToPipeline.clear();
    this.loadedModelIdToPipeline.set(modelId, this.pipeline(this.loaded));
    this.calls.push({ kind: 'reload', modelId, contextWindow });
    this.report(1, `Finish loading on WebGPU - test double of web-llm (${modelId})`);
  }

  /** The pipeline members of web-llm 0.2.86 the backend's prefix reuse uses, over this double's KV ids. */
  private pipeline(m: LoadedDouble): PipelineDouble {
    const calls = this.calls;
    const kvCache = { kind: 'PagedKVCache double' };
    return {
      kvCache,
      kvStateKind: 'kv_cache',
      slidingWindowSize: -1,
      get filledKVCacheLength() {
        return m.kv.length;
      },
      set filledKVCacheLength(n: number) {
        // web-llm's own count; a value the cache does not hold would fail its next forward.
        if (n !== m.kv.length) throw new Error(`web-llm double: filledKVCacheLength set to ${n}, the KV cache holds ${m.kv.length}`);
      },
      tvm: {
        beginScope: () => undefined,
        endScope: () => undefined,
        detachFromCurrentScope: <T>(x: T) => x,
        scalar: (value: number, dtype: string): ScalarDouble => ({ value, dtype }),
        getGlobalFunc: (name: string) => {
          if (name !== 'vm.builtin.kv_state_popn') throw new Error(`web-llm double: no global function ${name}`);
          return (state: unknown, seqId: unknown, n: unknown) => {
            if (state !== kvCache || !isScalar(seqId, 'int64') || seqId.value !== 0 || !isScalar(n, 'int32')) throw new Error('web-llm double: kv_state_popn(kvCache, Scalar(0, int64), Scalar(n, int32)) expected');
            if (n.value < 0 || n.value > m.kv.length) throw new Error(`web-llm double: PopN ${n.value} exceeds the sequence length ${m.kv.length}`);
            calls.push({ kind: 'popn', n: n.value, kvBefore: m.kv.length });
            m.kv.length -= n.value;
          };
        },
      },
    };
  }

  private need(modelId: string | undefined): LoadedDouble {
    const m = this.loaded;
    if (!m) throw Object.assign(new Error('Model not loaded before trying to complete the request'), { name: 'ModelNotLoadedError' });
    if (modelId !== undefined && modelId !== m.modelId) throw Object.assign(new Error(`Specified model ${modelId} not found`), { name: 'SpecifiedModelNotFoundError' });
    return m;
  }

  async resetChat(_keepStats = false, modelId?: string): Promise<void> {
    if (!this.loaded) return; // web-llm: a no-op before a model is loaded
    const m = this.need(modelId);
    m.kv = [];
    m.runner.reset();
    m.processor?.resetState();
    this.calls.push({ kind: 'resetChat' });
  }

  async forwardTokensAndSample(inputIds: number[], isPrefill: boolean, modelId?: string): Promise<number> {
    const m = this.need(modelId);
    if (inputIds.length === 0) throw new Error('inputIds must not be empty');
    if (!isPrefill && inputIds.length !== 1) throw new Error('decode expects exactly one token ID');
    this.calls.push({ kind: 'forward', ids: [...inputIds], isPrefill, kvBefore: m.kv.length });
    // web-llm checks no context window; a real KV cache would be overrun: fail loudly here.
    if (m.kv.length + inputIds.length > m.contextWindow) {
      throw new Error(`web-llm double: KV cache overrun (${m.kv.length} + ${inputIds.length} > ${m.contextWindow})`);
    }
    // Prefill goes through in chunks of prefill_chunk_size, as web-llm does.
    let logits: Float32Array = new Float32Array(0);
    for (let start = 0; start < inputIds.length; start += m.prefillChunk) {
      for (const id of inputIds.slice(start, start + m.prefillChunk)) m.kv.push(id);
      logits = m.runner.run(m.kv, [m.kv.length - 1]).logits;
    }
    await new Promise<void>((resolve) => setTimeout(resolve, 0)); // device.sync()
    let processed: Float32Array = logits.slice(); // logitsOnCPU.toArray(): a fresh copy
    if (m.processor) processed = m.processor.processLogits(processed);
    const token = argmaxFirst(processed); // temperature 0
    m.processor?.processSampledToken(token);
    return token;
  }

  async unload(): Promise<void> {
    this.loaded = null;
    this.loadedModelIdToPipeline.clear();
    this.calls.push({ kind: 'unload' });
  }
}

/**
 * A static HTTP server on 127.0.0.1 (the only network the tests use): `/models/<name>/<file>`
 * from the given folders, and any `/lib/*.wasm` as a placeholder model library (the double
 * never runs it; the backend only checks that it is there).
 */
export async function serveModelFolders(folders: () => Record<string, string>): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    if (parts[0] === 'lib' && parts.length === 2 && parts[1].endsWith('.wasm')) {
      res.writeHead(200, { 'Content-Type': 'application/wasm', 'Content-Length': '8' });
      res.end(req.method === 'HEAD' ? undefined : Buffer.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]));
      return;
    }
    const root = parts[0] === 'models' && parts.length === 3 ? folders()[parts[1]] : undefined;
    const file = root && !parts[2].includes('..') ? path.join(root, parts[2]) : undefined;
    if (!file || !existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'Content-Length': String(statSync(file).size), 'Access-Control-Allow-Origin': '*' });
    if (req.method === 'HEAD') res.end();
    else createReadStream(file).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A WebGPU adapter as navigator.gpu would give it: hardware-like limits, shader-f16. */
export function gpuDouble(): { requestAdapter(): Promise<unknown> } {
  return {
    async requestAdapter() {
      return {
        features: new Set(['shader-f16']),
        limits: {
          maxBufferSize: 2 ** 31,
          maxStorageBufferBindingSize: 2 ** 31,
          maxComputeWorkgroupStorageSize: 32768,
          maxStorageBuffersPerShaderStage: 10,
          maxComputeInvocationsPerWorkgroup: 1024,
        },
        info: { vendor: 'test-double', architecture: 'none', device: 'web-llm double (cpu logits)', description: 'no GPU on this machine', isFallbackAdapter: false },
      };
    },
  };
}
