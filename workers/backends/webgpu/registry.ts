/**
 * The models the webgpu backend can load, as web-llm ModelRecords plus what ftlab knows about
 * them (base model, method, training set, manifest).
 *
 * Prebuilt entries are taken from the installed package's `prebuiltAppConfig`, never written by
 * hand, so their model libs always match the npm version (`modelLibURLPrefix + modelVersion`).
 * A custom model (a URL or a locally imported folder, usually described by ftlab-manifest.json)
 * defaults to the prebuilt Llama-2-7b lib of its quantization: a compiled lib binds parameters
 * by name and shape only, so it serves any Llama-2-7b weights converted with that quantization
 * (base, FT, FTICL alike). Other architectures must name their own lib.
 */
import { modelLibURLPrefix, modelVersion, prebuiltAppConfig, type AppConfig, type ModelRecord } from '@mlc-ai/web-llm';
import type { FtlabManifest, TrainingMethod } from '../../../src/core/manifest.ts';
import { EngineRequestError } from '../../../src/core/engine-errors.ts';
import { normalizeModelUrl, type ModelUrlKind } from './urls.ts';
import type { CandidateModel } from './capability.ts';

export type CacheBackend = 'cache' | 'indexeddb';
export const CACHE_BACKENDS: readonly CacheBackend[] = ['cache', 'indexeddb'];

export type EntrySource = 'prebuilt' | 'url' | 'imported';

export interface RegistryEntry {
  /** web-llm model_id; also the ftlab model id. */
  id: string;
  source: EntrySource;
  record: ModelRecord;
  /** The folder web-llm fetches artifacts from (ends with "/"). */
  folderUrl: string;
  urlKind: ModelUrlKind;
  quantization: string;
  baseModel: string;
  method: TrainingMethod | 'unknown';
  /** Human-readable caveats (e.g. chat weights are not the paper's base model). */
  note: string;
  manifest?: FtlabManifest;
}

/** The prebuilt Llama-2-7b ids (4k context) ftlab offers; the "-1k" records differ only in context. */
export const PREBUILT_LLAMA2_IDS = {
  q4f16_1: 'Llama-2-7b-chat-hf-q4f16_1-MLC',
  q4f32_1: 'Llama-2-7b-chat-hf-q4f32_1-MLC',
} as const;
export type PrebuiltQuantization = keyof typeof PREBUILT_LLAMA2_IDS;

const CHAT_NOTE =
  'Llama-2-7b-CHAT weights (MLC prebuilt). The paper evaluates the BASE Llama-2-7b and fine-tunes of it, ' +
  'so numbers from this model are a stand-in, not a reproduction; load converted base/FT/FTICL weights for that.';

/** The installed web-llm's lib folder, e.g. ".../web-llm-models/v0_2_86/base/". */
export const MODEL_LIB_BASE = `${modelLibURLPrefix}${modelVersion}/`;

function featuresFor(quantization: string): string[] {
  return quantization.includes('f16') ? ['shader-f16'] : [];
}

/** Quantization named in an MLC id or lib file name ("…-q4f16_1-MLC", "…q4f32_1_cs1k-webgpu.wasm"). */
export function quantizationOf(name: string): string | undefined {
  return /(q\d+f\d+_\d+|q0f16|q0f32|q0bf16)/.exec(name)?.[1];
}

/** The prebuilt Llama-2-7b chat entries, from the given (default: installed) app config. */
export function prebuiltLlama2Entries(appConfig: AppConfig = prebuiltAppConfig): RegistryEntry[] {
  return (Object.entries(PREBUILT_LLAMA2_IDS) as [PrebuiltQuantization, string][]).map(([quantization, id]) => {
    const record = appConfig.model_list.find((r) => r.model_id === id);
    if (!record) throw new Error(`web-llm's prebuiltAppConfig has no ${id}: the installed @mlc-ai/web-llm changed its model list`);
    const url = normalizeModelUrl(record.model);
    return {
      id,
      source: 'prebuilt',
      record: { ...record, overrides: { ...record.overrides } },
      folderUrl: url.folderUrl,
      urlKind: url.kind,
      quantization,
      baseModel: 'meta-llama/Llama-2-7b-chat-hf',
      method: 'base',
      note: CHAT_NOTE,
    } satisfies RegistryEntry;
  });
}

/** The prebuilt Llama-2-7b model lib of a quantization (it serves any Llama-2-7b weights of it). */
export function prebuiltLlama2Lib(quantization: string, appConfig: AppConfig = prebuiltAppConfig): string {
  const id = PREBUILT_LLAMA2_IDS[quantization as PrebuiltQuantization];
  const lib = id ? appConfig.model_list.find((r) => r.model_id === id)?.model_lib : undefined;
  if (!lib) {
    throw new EngineRequestError(
      `no prebuilt Llama-2-7b model lib for quantization "${quantization}"`,
      `convert the weights with q4f16_1 or q4f32_1, or give the URL of a model lib compiled for ${quantization} (mlc_llm compile --device webgpu)`,
    );
  }
  return lib;
}

export interface CustomModelInput {
  id: string;
  /** Folder URL as the user gave it (plain folder, HF repo, or …/resolve/<rev>/). */
  url: string;
  /** Base for relative URLs (the worker's location). */
  base?: string;
  /** Explicit model lib URL; default: manifest.modelLib, then the prebuilt Llama-2-7b lib. */
  modelLib?: string;
  /** Quantization when there is no manifest (e.g. read from mlc-chat-config.json). */
  quantization?: string;
  manifest?: FtlabManifest;
  contextWindow?: number;
  source?: EntrySource;
}

/** A registry entry for weights at a URL (or imported into the cache under a synthetic URL). */
export function customEntry(input: CustomModelInput): RegistryEntry {
  const quantization = input.manifest?.quantization ?? input.quantization ?? quantizationOf(input.id);
  if (!quantization) {
    throw new EngineRequestError(`cannot tell the quantization of ${input.id}`, 'add an ftlab-manifest.json, or a model lib URL, or use an id that names it (…-q4f16_1-…)');
  }
  const modelLib = input.modelLib ?? input.manifest?.modelLib ?? prebuiltLlama2Lib(quantization);
  const url = normalizeModelUrl(input.url, input.base);
  const record: ModelRecord = {
    model: url.recordUrl,
    model_id: input.id,
    model_lib: modelLib,
    required_features: featuresFor(quantization),
    ...(input.contextWindow !== undefined ? { overrides: { context_window_size: input.contextWindow } } : {}),
  };
  const m = input.manifest;
  const trained = m?.training ? ` on ${m.training.dataset} (${m.training.size} examples${m.training.shots ? `, ${m.training.shots}-shot` : ''})` : '';
  return {
    id: input.id,
    source: input.source ?? 'url',
    record,
    folderUrl: url.folderUrl,
    urlKind: url.kind,
    quantization,
    baseModel: m?.baseModel ?? 'unknown',
    method: m?.method ?? 'unknown',
    note: m ? `${m.method.toUpperCase()} of ${m.baseModel}${trained}${m.notes ? `. ${m.notes}` : ''}` : 'custom weights without ftlab-manifest.json (provenance unknown)',
    ...(m ? { manifest: m } : {}),
  };
}

/** The models this backend knows: the prebuilt ones plus custom ones added at run time. */
export class ModelRegistry {
  private readonly entries = new Map<string, RegistryEntry>();

  constructor(initial: RegistryEntry[] = prebuiltLlama2Entries()) {
    for (const e of initial) this.entries.set(e.id, e);
  }

  list(): RegistryEntry[] {
    return [...this.entries.values()];
  }

  get(id: string): RegistryEntry | undefined {
    return this.entries.get(id);
  }

  /** Adds or replaces a custom entry (prebuilt ids cannot be replaced). */
  put(entry: RegistryEntry): void {
    const existing = this.entries.get(entry.id);
    if (existing?.source === 'prebuilt' && entry.source !== 'prebuilt') {
      throw new EngineRequestError(`"${entry.id}" is a prebuilt model id`, 'give the custom model another id');
    }
    this.entries.set(entry.id, entry);
  }

  remove(id: string): boolean {
    const e = this.entries.get(id);
    if (!e || e.source === 'prebuilt') return false;
    return this.entries.delete(id);
  }

  /** The AppConfig web-llm needs for load and for its cache functions (pass it to both!). */
  appConfig(cacheBackend: CacheBackend): AppConfig {
    return { model_list: this.list().map((e) => e.record), cacheBackend };
  }

  /** The capability report's candidates: prebuilt entries, f16 first. */
  candidates(): CandidateModel[] {
    return this.list()
      .filter((e) => e.source === 'prebuilt')
      .map((e) => ({
        modelId: e.id,
        quantization: e.quantization,
        requiredFeatures: e.record.required_features ?? [],
        ...(e.record.vram_required_MB !== undefined ? { vramRequiredMB: e.record.vram_required_MB } : {}),
      }));
  }
}
