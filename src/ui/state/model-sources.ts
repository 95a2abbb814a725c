/**
 * Where a model comes from, as a tagged union: each kind says how to load it and what to show.
 * Other kinds (a remote OpenAI-compatible endpoint, a trained delta) are one more member each.
 */
import type { ModelSpec } from '../../core/engine.ts';
import type { BackendName, ModelSummary, RemoteServer } from '../../engine-client/index.ts';

/** How a model was made, for labels and grouping (from its ftlab-manifest.json when it has one). */
export interface ModelProvenance {
  /** 'base' | 'FT' | 'FTICL' | 'chat' | 'random' (free text from a manifest otherwise). */
  method: string;
  /** The training set (e.g. "amazon_train_2000"), when fine-tuned. */
  trainingSet?: string;
  /** Training examples used (e.g. 2000), when fine-tuned. */
  trainingSize?: number;
  shots?: number;
  /** The prompt template ("map") trained with, when fine-tuned. */
  template?: number;
  /** The model the weights start from, when a manifest says. */
  baseModel?: string;
}

export type ModelSource =
  /**
   * Served by the app itself (public/models/): the tiny random Llamas, on the cpu engine, or on
   * webgpu with the model library ftlab builds for them (`modelLib`, relative to the page).
   */
  | { kind: 'embedded'; id: string; title: string; url: string; note: string; sizeBytes: number; provenance: ModelProvenance; backend?: 'webgpu'; modelLib?: string }
  /** A model of the webgpu backend's registry (prebuilt Llama-2-7b, added by URL, imported folder). */
  | { kind: 'webgpu-registry'; id: string; title: string; summary: ModelSummary; provenance: ModelProvenance }
  /** An MLC folder by URL, on the cpu engine (any size, slow) or webgpu. */
  | { kind: 'url'; id: string; title: string; url: string; backend: BackendName; provenance: ModelProvenance; sizeBytes?: number }
  /**
   * A model served by an OpenAI-compatible server (vLLM, llama.cpp's server): `model` is the
   * server's model name (a LoRA adapter is one more name), the tokenizer comes from a folder the
   * page reads (ftlab tokenizes locally). The API key is kept for this page only, never saved.
   */
  | { kind: 'remote'; id: string; title: string; model: string; baseUrl: string; tokenizerUrl: string; apiKey?: string; provenance: ModelProvenance };

/** A remote model's id in this app: its name at its server's host (another server may serve the same name). */
export function remoteId(model: string, baseUrl: string): string {
  return `${model}@${new URL(baseUrl).host}`;
}

/** The backend a source's model runs on. */
export function backendOf(source: ModelSource): BackendName {
  switch (source.kind) {
    case 'embedded':
      return source.backend ?? 'cpu';
    case 'webgpu-registry':
      return 'webgpu';
    case 'url':
      return source.backend;
    case 'remote':
      return 'openai';
  }
}

/** The server a remote source's loads go to (undefined for the other kinds). */
export function serverOf(source: ModelSource): RemoteServer | undefined {
  if (source.kind !== 'remote') return undefined;
  return { baseUrls: [source.baseUrl], ...(source.apiKey ? { apiKey: source.apiKey } : {}) };
}

/** The ModelSpec to load a source's model with (URLs resolved against the page). */
export function specOf(source: ModelSource, baseHref: string): ModelSpec {
  switch (source.kind) {
    case 'embedded':
      return { id: source.id, url: new URL(source.url, baseHref).href, ...(source.modelLib ? { modelLib: new URL(source.modelLib, baseHref).href } : {}) };
    case 'webgpu-registry':
      return { id: source.id, url: source.summary.folderUrl, modelLib: source.summary.modelLib };
    case 'url': {
      const href = new URL(source.url, baseHref).href;
      return { id: source.id, url: href.endsWith('/') ? href : `${href}/` };
    }
    case 'remote': {
      const href = new URL(source.tokenizerUrl, baseHref).href;
      return { id: source.model, url: href.endsWith('/') ? href : `${href}/` };
    }
  }
}

const RANDOM: ModelProvenance = { method: 'random' };

/** The command that builds the tiny models' webgpu libraries (tools/model-lib). */
export const TINY_MODEL_LIB_COMMAND = 'npm run model-lib -- --tiny';

/**
 * The models every build has: the tiny random Llamas (nonsense by design), on the cpu engine,
 * and the two formats SwiftShader and GPUs without shader-f16 run (q0f32, q4f32_1) on webgpu
 * too. Their webgpu ids differ from the cpu ones: a record's cell is keyed by model id, so the
 * two backends' records of the same weights stay apart (and compare).
 */
export const EMBEDDED_MODELS: readonly ModelSource[] = [
  {
    kind: 'embedded',
    id: 'tiny-random-llama-f32',
    title: 'tiny random Llama (float32)',
    url: 'models/tiny-random-llama-f32/',
    note: 'A 2-layer Llama with random weights: it loads in a blink and writes nonsense, by design. It is here to try the machinery, not to judge fine-tuning.',
    sizeBytes: 0,
    provenance: RANDOM,
  },
  {
    kind: 'embedded',
    id: 'tiny-random-llama-q4f16_1',
    title: 'tiny random Llama (q4f16_1)',
    url: 'models/tiny-random-llama-q4f16_1/',
    note: 'The same tiny random Llama, 4-bit quantized like the real 7B weights. Nonsense text, by design.',
    sizeBytes: 0,
    provenance: RANDOM,
  },
  {
    kind: 'embedded',
    id: 'tiny-random-llama-q4f32_1',
    title: 'tiny random Llama (q4f32_1)',
    url: 'models/tiny-random-llama-q4f32_1/',
    note: 'The same tiny random Llama as q4f32_1 (4-bit codes, float32 scales): the 4-bit format a GPU without shader-f16 runs. Nonsense text, by design.',
    sizeBytes: 0,
    provenance: RANDOM,
  },
  {
    kind: 'embedded',
    id: 'tiny-random-llama-q0f32-webgpu',
    title: 'tiny random Llama (q0f32, webgpu)',
    url: 'models/tiny-random-llama-f32/',
    note: `The float32 tiny Llama on webgpu (web-llm), with the model library ftlab builds for it: \`${TINY_MODEL_LIB_COMMAND}\` writes models/tiny-random-llama-f32/model-lib-q0f32-webgpu.wasm.`,
    sizeBytes: 0,
    provenance: RANDOM,
    backend: 'webgpu',
    modelLib: 'models/tiny-random-llama-f32/model-lib-q0f32-webgpu.wasm',
  },
  {
    kind: 'embedded',
    id: 'tiny-random-llama-q4f32_1-webgpu',
    title: 'tiny random Llama (q4f32_1, webgpu)',
    url: 'models/tiny-random-llama-q4f32_1/',
    note: `The q4f32_1 tiny Llama on webgpu (web-llm), with the model library ftlab builds for it: \`${TINY_MODEL_LIB_COMMAND}\` writes models/tiny-random-llama-q4f32_1/model-lib-q4f32_1-webgpu.wasm.`,
    sizeBytes: 0,
    provenance: RANDOM,
    backend: 'webgpu',
    modelLib: 'models/tiny-random-llama-q4f32_1/model-lib-q4f32_1-webgpu.wasm',
  },
];

/** A webgpu registry model as a source. */
export function registrySource(summary: ModelSummary): ModelSource {
  const method = summary.method || (summary.source === 'prebuilt' ? 'chat' : 'base');
  return { kind: 'webgpu-registry', id: summary.id, title: summary.id, summary, provenance: { method } };
}
