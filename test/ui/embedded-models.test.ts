/** The embedded tiny models as sources: each backend's spec (webgpu with ftlab's own library), and the byte/log-prob formatting the views share. */
import { describe, expect, it } from 'vitest';
import { backendOf, EMBEDDED_MODELS, specOf, TINY_MODEL_LIB_COMMAND } from '../../src/ui/state/model-sources.ts';
import { formatBytes, formatLogprob } from '../../src/ui/views/format.ts';

const base = 'http://127.0.0.1:5173/app/';
const source = (id: string) => EMBEDDED_MODELS.find((m) => m.id === id)!;

describe('the embedded tiny models', () => {
  it('run the cpu engine from the page\'s own folder, without a model library', () => {
    expect(specOf(source('tiny-random-llama-f32'), base)).toEqual({ id: 'tiny-random-llama-f32', url: 'http://127.0.0.1:5173/app/models/tiny-random-llama-f32/' });
    expect(backendOf(source('tiny-random-llama-q4f32_1'))).toBe('cpu');
  });

  it('run webgpu under ids of their own, with the library ftlab builds, and say how to build it', () => {
    const s = source('tiny-random-llama-q4f32_1-webgpu');
    expect(backendOf(s)).toBe('webgpu');
    expect(specOf(s, base)).toEqual({
      id: 'tiny-random-llama-q4f32_1-webgpu',
      url: 'http://127.0.0.1:5173/app/models/tiny-random-llama-q4f32_1/',
      modelLib: 'http://127.0.0.1:5173/app/models/tiny-random-llama-q4f32_1/model-lib-q4f32_1-webgpu.wasm',
    });
    expect(specOf(source('tiny-random-llama-q0f32-webgpu'), base).modelLib).toBe('http://127.0.0.1:5173/app/models/tiny-random-llama-f32/model-lib-q0f32-webgpu.wasm');
    for (const m of EMBEDDED_MODELS.filter((x) => backendOf(x) === 'webgpu')) expect(m.kind === 'embedded' && m.note).toContain(TINY_MODEL_LIB_COMMAND);
    // Every id once: a record's cell is keyed by model id.
    expect(new Set(EMBEDDED_MODELS.map((m) => m.id)).size).toBe(EMBEDDED_MODELS.length);
  });
});

describe('formatting', () => {
  it('formats bytes and log-probs', () => {
    expect([formatBytes(0), formatBytes(1536), formatBytes(16 * 1024 * 1024)]).toEqual(['0 B', '1.5 KiB', '16 MiB']);
    expect([formatLogprob(-0.123456), formatLogprob(-Infinity)]).toEqual(['-0.1235', '-inf']);
  });
});
