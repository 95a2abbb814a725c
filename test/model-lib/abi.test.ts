/**
 * The ABI between ftlab's model libraries and the tvmjs runtime bundled in @mlc-ai/web-llm
 * 0.2.86: every import of a built library must be one the runtime provides, and the exports the
 * runtime calls must be there. (The browser tests then run the libraries on web-llm's engine.)
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { beforeAll, describe, expect, it } from 'vitest';
import { tmpdir } from 'node:os';
import { buildModelLib, ensureTinyModelLibs, LIB_SCHEDULES } from '../../scripts/model-lib.ts';
import { ensureTinyModels, MODELS_DIR } from '../../scripts/make-tiny-model.ts';

/** Exports tvmjs calls on a model library (web-llm lib/index.js, the Instance constructor and FFI). */
const REQUIRED_EXPORTS = ['memory', '_initialize', 'TVMFFIFunctionCall', 'TVMWasmAllocSpace', 'TVMWasmFreeSpace', 'TVMFFIWasmFunctionCreate', 'TVMFFIWasmGetLastError'];

let libs: Record<string, string> = {};
let webLlmSource = '';

beforeAll(() => {
  ensureTinyModels();
  libs = ensureTinyModelLibs(MODELS_DIR);
  const require = createRequire(import.meta.url);
  webLlmSource = readFileSync(path.join(path.dirname(require.resolve('@mlc-ai/web-llm')), 'index.js'), 'utf8');
}, 1_200_000);

describe('model libraries vs web-llm 0.2.86’s tvmjs', () => {
  it('import only what tvmjs provides (env functions of its Environment, WASI calls) and export what it calls', () => {
    expect(Object.keys(libs)).toHaveLength(2);
    for (const [id, file] of Object.entries(libs)) {
      const mod = new WebAssembly.Module(readFileSync(file));
      const imports = WebAssembly.Module.imports(mod);
      expect(imports, id).toHaveLength(11);
      for (const imp of imports) {
        expect(['env', 'wasi_snapshot_preview1'], `${id}: import module of ${imp.name}`).toContain(imp.module);
        expect(imp.kind).toBe('function');
        // tvmjs names every function it provides as a property of its import object.
        expect(webLlmSource.includes(`"${imp.name}"`) || webLlmSource.includes(`_${imp.name}`), `${id}: tvmjs provides ${imp.module}.${imp.name}`).toBe(true);
      }
      const exports = WebAssembly.Module.exports(mod).map((e) => e.name);
      for (const name of REQUIRED_EXPORTS) expect(exports, `${id} exports ${name}`).toContain(name);
    }
  });
});

describe('the builder\'s schedule option', () => {
  it('"gpu" (TVM\'s GPU rules) builds another library under another cache key, with the same ABI; "fallback" is the default', () => {
    expect(LIB_SCHEDULES[0]).toBe('fallback');
    const dir = path.join(MODELS_DIR, 'tiny-random-llama-f32');
    const tmp = mkdtempSync(path.join(tmpdir(), 'ftlab-schedule-'));
    try {
      const fallback = buildModelLib({ model: dir, quant: 'q0f32', out: path.join(tmp, 'fallback.wasm') });
      const gpu = buildModelLib({ model: dir, quant: 'q0f32', schedule: 'gpu', out: path.join(tmp, 'gpu.wasm') });
      expect([fallback.schedule, gpu.schedule]).toEqual(['fallback', 'gpu']);
      expect(gpu.cache_key).not.toBe(fallback.cache_key);
      const [a, b] = [readFileSync(fallback.wasm), readFileSync(gpu.wasm)];
      expect(a.equals(b)).toBe(false);
      const shape = (bytes: Buffer) => {
        const mod = new WebAssembly.Module(new Uint8Array(bytes));
        return { imports: WebAssembly.Module.imports(mod), exports: WebAssembly.Module.exports(mod).map((e) => e.name).sort() };
      };
      expect(shape(b)).toEqual(shape(a));
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }, 1_200_000);
});
