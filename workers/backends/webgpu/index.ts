/**
 * The webgpu backend (web-llm 0.2.86), as helper G's worker uses it. Import this module lazily
 * inside the worker only: it pulls in web-llm.
 *
 * Engine
 *   new WebGpuEngine() (or createWebGpuBackend())  implements Engine (src/core/engine.ts); shares the
 *                                                 registry and cache setting with the extras below
 *     load(spec, onProgress)   spec.id: a registry id (prebuilt "Llama-2-7b-chat-hf-q4f16_1-MLC" /
 *                              "…-q4f32_1-MLC", or one added/imported before), or any new id with
 *                              spec.url = folder of MLC artifacts (plain static folder, HF repo, or
 *                              …/resolve/<rev>/; relative URLs resolve against the worker location);
 *                              spec.modelLib overrides the lib (default: prebuilt Llama-2-7b lib of the
 *                              config's quantization); spec.contextWindow overrides the KV size.
 *                              Progress: {phase: init|fetch|cache|shaders|done, fraction, bytes, text}.
 *                              Fails fast: an unreachable/CORS-blocked URL rejects with code "network"
 *                              (15 s deadline on the first request), a 404 with "artifact-missing".
 *     generate / scoreNext / loglikelihood / tokenize / detokenize / interrupt / stats / unload
 *
 * Extras (plain, structured-cloneable arguments and results; names match protocol.ts WEBGPU_EXTRAS)
 *   capabilityReport(): Promise<CapabilityReport>     navigator.gpu facts → recommendation
 *   listCachedModels(): Promise<CachedModelSummary[]> every registry model with cache status and bytes
 *   deleteCachedModel(id): Promise<void>              web-llm's deleteModelAllInfoInCache + leftovers
 *   storageEstimate(): Promise<StorageEstimate>       navigator.storage.estimate()
 *   importLocalFolder(files | dirHandle, onProgress?): Promise<ImportedModel>
 *                                                     verify every file against ftlab-manifest.json
 *                                                     (sha256), then write into web-llm's cache;
 *                                                     returns the ModelSpec. Progress: ImportProgress
 *                                                     (phase verify|write, files and bytes done)
 *   setCacheBackend('cache' | 'indexeddb'), getCacheBackend()
 *   listModels(): Promise<ModelSummary[]>             the registry (id, source, quantization, notes)
 *
 * Errors are FtlabErrors (src/core/errors.ts) with stable codes: webgpu-unavailable, webgpu-limits,
 * webgpu-no-shader-f16, gpu-device-lost, gpu-out-of-memory, storage-quota-exceeded, network,
 * artifact-missing, artifact-corrupt (sha256 mismatch), manifest-invalid, context-window-exceeded.
 */
import type { ModelSpec } from '../../../src/core/engine.ts';
import { EngineRequestError } from '../../../src/core/engine-errors.ts';
import { deleteModelAllInfoInCache } from '@mlc-ai/web-llm';
import { WebGpuBackend, WebGpuContext } from './backend.ts';
import { cachedModelState, deleteFolderFromCache, storageEstimate as estimate, type CachedModelState, type StorageEstimate } from './cache.ts';
import { capabilityReportFrom, gatherAdapterFacts, type CapabilityReport } from './capability.ts';
import { mapWebLlmError } from './error-map.ts';
import { importFolderIntoCache, type FolderSource, type ImportProgress } from './import.ts';
import { importedModelUrl } from './urls.ts';
import type { FtlabManifest } from '../../../src/core/manifest.ts';
import { CACHE_BACKENDS, customEntry, type CacheBackend } from './registry.ts';

export { WebGpuBackend, WebGpuContext, LogitCapture, preflightFetch, PREFLIGHT_TIMEOUT_MS, type MlcEngineLike, type WebGpuBackendInit } from './backend.ts';
export { capabilityReportFrom, gatherAdapterFacts, type AdapterFacts, type CapabilityReport } from './capability.ts';
export { mapWebLlmError } from './error-map.ts';
export * from './errors.ts';
export { parseWebLlmProgress, ProgressTracker } from './progress.ts';
export { ModelRegistry, prebuiltLlama2Entries, prebuiltLlama2Lib, customEntry, PREBUILT_LLAMA2_IDS, type RegistryEntry, type CacheBackend } from './registry.ts';
export { normalizeModelUrl, webLlmFolderOf } from './urls.ts';
export type { FolderSource, ImportProgress } from './import.ts';

/** One context per worker: the backend and the extras share registry and cache setting. */
const context = new WebGpuContext();
let backend: WebGpuBackend | null = null;

export function createWebGpuBackend(): WebGpuBackend {
  backend ??= new WebGpuBackend(context);
  return backend;
}

/** `new WebGpuEngine()`: the Engine, sharing this module's registry and cache setting with the extras. */
export class WebGpuEngine extends WebGpuBackend {
  constructor() {
    super(context);
  }
}

export async function setCacheBackend(b: CacheBackend): Promise<void> {
  if (!CACHE_BACKENDS.includes(b)) throw new EngineRequestError(`unknown cache backend "${String(b)}"`, `use one of: ${CACHE_BACKENDS.join(', ')}`);
  context.cacheBackend = b;
}

export async function getCacheBackend(): Promise<CacheBackend> {
  return context.cacheBackend;
}

export async function capabilityReport(): Promise<CapabilityReport> {
  return capabilityReportFrom(await gatherAdapterFacts(), context.registry.candidates());
}

export interface ModelSummary {
  id: string;
  source: string;
  quantization: string;
  baseModel: string;
  method: string;
  note: string;
  folderUrl: string;
  modelLib: string;
  vramRequiredMB?: number;
}

export async function listModels(): Promise<ModelSummary[]> {
  await context.ready();
  return context.registry.list().map((e) => ({
    id: e.id,
    source: e.source,
    quantization: e.quantization,
    baseModel: e.baseModel,
    method: e.method,
    note: e.note,
    folderUrl: e.folderUrl,
    modelLib: e.record.model_lib,
    ...(e.record.vram_required_MB !== undefined ? { vramRequiredMB: e.record.vram_required_MB } : {}),
  }));
}

export interface CachedModelSummary extends Omit<CachedModelState, 'files'> {
  id: string;
  source: string;
  cacheBackend: CacheBackend;
  fileCount: number;
}

export async function listCachedModels(): Promise<CachedModelSummary[]> {
  await context.ready();
  const store = context.store();
  const out: CachedModelSummary[] = [];
  for (const e of context.registry.list()) {
    try {
      const s = await cachedModelState(store, e.folderUrl, e.record.model_lib);
      out.push({ id: e.id, source: e.source, cacheBackend: context.cacheBackend, status: s.status, bytes: s.bytes, missing: s.missing, fileCount: s.files.length });
    } catch (err) {
      throw mapWebLlmError(err, { modelId: e.id });
    }
  }
  return out;
}

export async function deleteCachedModel(id: string): Promise<void> {
  await context.ready();
  const entry = context.registry.get(id);
  if (!entry) throw new EngineRequestError(`no model "${id}" in the webgpu registry`, 'list the models to see their ids');
  const store = context.store();
  const appConfig = context.registry.appConfig(context.cacheBackend);
  // web-llm's deleteModelInCache re-fetches tensor-cache.json when it is not cached: only call it when it is.
  const tensorJson = new URL('tensor-cache.json', entry.folderUrl).href;
  try {
    if (await store.has('webllm/model', tensorJson)) await deleteModelAllInfoInCache(id, appConfig);
    await deleteFolderFromCache(store, entry.folderUrl);
  } catch (err) {
    throw mapWebLlmError(err, { modelId: id });
  }
  if (entry.source === 'imported') {
    context.registry.remove(id);
    await context.registryStore.remove(id).catch(() => undefined);
  }
}

export async function storageEstimate(): Promise<StorageEstimate> {
  return estimate();
}

export interface ImportedModel {
  spec: ModelSpec;
  id: string;
  bytes: number;
  ignored: string[];
  note: string;
}

export async function importLocalFolder(source: FolderSource, onProgress?: (p: ImportProgress) => void): Promise<ImportedModel> {
  await context.ready();
  // The registry entry's checks (a model lib for the quantization, no prebuilt id) run on the
  // manifest before any file is read: a folder the registry would refuse is never cached.
  const accept = (m: FtlabManifest): void => {
    if (context.registry.get(m.id)?.source === 'prebuilt') {
      throw new EngineRequestError(`"${m.id}" is a prebuilt model id`, 'give the imported model another id in its ftlab-manifest.json');
    }
    customEntry({ id: m.id, url: importedModelUrl(m.id).folderUrl, manifest: m, source: 'imported' });
  };
  let result;
  try {
    result = await importFolderIntoCache(context.store(), source, { accept, ...(onProgress ? { onProgress } : {}) });
  } catch (err) {
    throw mapWebLlmError(err);
  }
  const entry = customEntry({
    id: result.manifest.id,
    url: result.folderUrl,
    manifest: result.manifest,
    source: 'imported',
    ...(result.modelLibUrl ? { modelLib: result.modelLibUrl } : {}),
  });
  await context.addEntry(entry);
  const spec: ModelSpec = { id: entry.id, url: entry.folderUrl, modelLib: entry.record.model_lib };
  return { spec, id: entry.id, bytes: result.bytes, ignored: result.ignored, note: entry.note };
}
