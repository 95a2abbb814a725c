import { describe, expect, it } from 'vitest';
import { modelLibURLPrefix, modelVersion, prebuiltAppConfig } from '@mlc-ai/web-llm';
import {
  customEntry,
  MODEL_LIB_BASE,
  ModelRegistry,
  prebuiltLlama2Entries,
  prebuiltLlama2Lib,
  quantizationOf,
} from '../../workers/backends/webgpu/registry.ts';
import { validateManifest } from '../../src/core/manifest.ts';

const SHA = 'b'.repeat(64);

describe('prebuilt Llama-2-7b entries from the installed web-llm', () => {
  const entries = prebuiltLlama2Entries();

  it('takes both 4k-context chat records, libs matching the npm version', () => {
    expect(entries.map((e) => e.id)).toEqual(['Llama-2-7b-chat-hf-q4f16_1-MLC', 'Llama-2-7b-chat-hf-q4f32_1-MLC']);
    expect(modelVersion).toBe('v0_2_86/base');
    for (const e of entries) {
      expect(e.record.model_lib.startsWith(`${modelLibURLPrefix}${modelVersion}/`)).toBe(true);
      expect(e.record.model_lib).toContain(e.quantization);
      expect(e.record.overrides?.context_window_size).toBe(4096);
      expect(e.folderUrl).toBe(`${e.record.model}/resolve/main/`);
      // Same record as the package's (not re-typed by hand).
      expect(e.record).toEqual(prebuiltAppConfig.model_list.find((r) => r.model_id === e.id));
    }
    expect(entries[0].record.required_features).toEqual(['shader-f16']);
    expect(entries[1].record.required_features).toBeUndefined();
  });

  it('says these are chat weights, not the paper base model', () => {
    for (const e of entries) {
      expect(e.baseModel).toBe('meta-llama/Llama-2-7b-chat-hf');
      expect(e.note).toMatch(/CHAT weights.*paper evaluates the BASE Llama-2-7b/);
    }
  });

  it('fails loudly if the package drops a record', () => {
    expect(() => prebuiltLlama2Entries({ model_list: [] })).toThrow(/changed its model list/);
  });
});

describe('custom entries', () => {
  const manifest = validateManifest({
    schema: 'ftlab-manifest',
    version: 1,
    id: 'llama2-7b-fticl-xsum-q4f32_1',
    baseModel: 'meta-llama/Llama-2-7b-hf',
    method: 'fticl',
    training: { dataset: 'xsum_train_2000', size: 2000, shots: 2 },
    template: 0,
    quantization: 'q4f32_1',
    modelLib: null,
    files: ['mlc-chat-config.json', 'tensor-cache.json', 'tokenizer.json'].map((path) => ({ path, sha256: SHA, size: 1 })),
  });

  it('default the model lib to the prebuilt Llama-2-7b lib of the quantization', () => {
    const e = customEntry({ id: manifest.id, url: 'http://127.0.0.1:8080/models/fticl', manifest });
    expect(e.record.model_lib).toBe(prebuiltLlama2Lib('q4f32_1'));
    expect(e.record.model_lib.startsWith(MODEL_LIB_BASE)).toBe(true);
    expect(e.record.required_features).toEqual([]);
    expect(e.folderUrl).toBe('http://127.0.0.1:8080/models/fticl/');
    expect(e.record.model).toBe('http://127.0.0.1:8080/models/fticl/resolve/main/../../');
    expect(e.note).toBe('FTICL of meta-llama/Llama-2-7b-hf on xsum_train_2000 (2000 examples, 2-shot)');
  });

  it('q4f16 custom models require shader-f16; explicit libs and context windows are kept', () => {
    const e = customEntry({ id: 'x-q4f16_1', url: 'https://h/m/', modelLib: 'https://h/lib.wasm', contextWindow: 1024 });
    expect(e.record).toMatchObject({ model_lib: 'https://h/lib.wasm', required_features: ['shader-f16'], overrides: { context_window_size: 1024 } });
    expect(e.note).toMatch(/provenance unknown/);
  });

  it('refuses a quantization without a prebuilt lib unless a lib is given', () => {
    expect(() => customEntry({ id: 'tiny', url: 'https://h/m/', quantization: 'q0f32' })).toThrow(/no prebuilt Llama-2-7b model lib for quantization "q0f32"/);
    expect(() => customEntry({ id: 'tiny', url: 'https://h/m/' })).toThrow(/cannot tell the quantization/);
    expect(quantizationOf('Llama-2-7b-chat-hf-q4f32_1_cs1k-webgpu.wasm')).toBe('q4f32_1');
  });

  it('the registry hands web-llm one appConfig with every record', () => {
    const reg = new ModelRegistry();
    reg.put(customEntry({ id: manifest.id, url: 'https://h/m/', manifest }));
    const cfg = reg.appConfig('indexeddb');
    expect(cfg.cacheBackend).toBe('indexeddb');
    expect(cfg.model_list.map((r) => r.model_id)).toContain(manifest.id);
    expect(() => reg.put(customEntry({ id: 'Llama-2-7b-chat-hf-q4f32_1-MLC', url: 'https://h/m/' }))).toThrow(/prebuilt model id/);
    expect(reg.remove('Llama-2-7b-chat-hf-q4f32_1-MLC')).toBe(false);
    expect(reg.remove(manifest.id)).toBe(true);
    expect(reg.candidates().map((c) => c.quantization)).toEqual(['q4f16_1', 'q4f32_1']);
  });
});
