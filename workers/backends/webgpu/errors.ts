/**
 * Errors only the webgpu backend raises: the GPU, the browser's storage and the network between
 * the page and the model host. Each says what went wrong and what to do next. The engine-wide
 * ones (context window, not loaded, artifact missing/corrupt) live in src/core/engine-errors.ts.
 *
 * No web-llm import here: this module is unit-tested in Node.
 */
import { FtlabError } from '../../../src/core/errors.ts';

/** The browser has no WebGPU (navigator.gpu missing) or gives no adapter. */
export class WebGpuUnavailableError extends FtlabError {
  constructor(detail: string, options?: { cause?: unknown }) {
    super(
      'webgpu-unavailable',
      `WebGPU is not available: ${detail}`,
      'use a recent Chrome/Edge (113+) or Safari 26+, with hardware acceleration on (chrome://gpu shows WebGPU status), or pick the cpu engine for tiny models',
      options,
    );
  }
}

/** The adapter's limits are below what web-llm requests for a 7B model. */
export class WebGpuLimitsError extends FtlabError {
  constructor(detail: string, options?: { cause?: unknown }) {
    super(
      'webgpu-limits',
      `this GPU's WebGPU limits are too low: ${detail}`,
      'try another browser (Firefox offers only 16 KB workgroup storage; Chrome/Edge offer 32 KB) or another GPU',
      options,
    );
  }
}

/** A q4f16 model on an adapter without the shader-f16 feature. */
export class ShaderF16UnsupportedError extends FtlabError {
  constructor(modelId: string, options?: { cause?: unknown }) {
    super(
      'webgpu-no-shader-f16',
      `model ${modelId} needs the WebGPU feature shader-f16, which this GPU/browser does not offer`,
      'load the q4f32_1 variant of the same model (it needs no f16 shaders, about 30% more memory)',
      options,
    );
  }
}

/** The GPU device went away (almost always out of memory; also driver resets, tab in background). */
export class GpuDeviceLostError extends FtlabError {
  constructor(detail: string, options?: { cause?: unknown }) {
    super(
      'gpu-device-lost',
      `the GPU device was lost: ${detail}`,
      'reload the model; if it happens again, close other GPU-heavy tabs, use a smaller context window, or use q4f16_1 instead of q4f32_1',
      options,
    );
  }
}

/** GPU (or wasm/host) memory allocation failed. */
export class GpuOutOfMemoryError extends FtlabError {
  constructor(detail: string, options?: { cause?: unknown }) {
    super(
      'gpu-out-of-memory',
      `out of memory while running the model: ${detail}`,
      'a 7B q4 model needs about 5-9 GB of GPU memory: close other tabs/apps, load with a smaller context window (e.g. 1024), or use q4f16_1',
      options,
    );
  }
}

/** The browser refused to store more (Cache API / IndexedDB quota). */
export class StorageQuotaError extends FtlabError {
  constructor(detail: string, options?: { cause?: unknown }) {
    super(
      'storage-quota-exceeded',
      `browser storage is full: ${detail}`,
      'delete cached models you no longer need (Models → cache), free disk space, or switch the cache backend; a 7B q4 model takes about 4 GB',
      options,
    );
  }
}

/** Shared with the cpu backend, so the same failure has the same code on both. */
export { ModelNetworkError } from '../../../src/core/engine-errors.ts';

/** A load was cancelled (unload or a new load while one was in progress). */
export class LoadAbortedError extends FtlabError {
  constructor(modelId: string) {
    super('load-aborted', `loading ${modelId} was cancelled`, 'load the model again');
  }
}

/** Something web-llm raised that ftlab has no specific mapping for (kept with its name). */
export class WebLlmError extends FtlabError {
  readonly webLlmName: string;
  constructor(name: string, message: string, options?: { cause?: unknown }) {
    super('webllm', `web-llm ${name}: ${message}`, 'see the browser console for details; reloading the page and the model often helps', options);
    this.webLlmName = name;
  }
}

/** The model library was compiled for other weights (another model, size or quantization). */
export class ModelLibMismatchError extends FtlabError {
  constructor(modelId: string, detail: string, options?: { cause?: unknown }) {
    super(
      'model-lib-mismatch',
      `the model library does not fit the weights of ${modelId}: ${detail}`,
      'use the library built for this model and quantization (`npm run model-lib -- --model DIR --quant Q` builds one for a Llama folder; Llama-2-7b uses the prebuilt library of its quantization)',
      options,
    );
  }
}
