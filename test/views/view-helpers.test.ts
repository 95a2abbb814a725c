/** The UI's pure helpers: stop-string parsing, model choice → ModelSpec, formatting. */
import { describe, expect, it } from 'vitest';
import { parseStopStrings } from '../../src/views/stop-strings.ts';
import { CUSTOM_MODEL, MODEL_PRESETS, modelSpecOf, webgpuModelLabel } from '../../src/views/models.ts';
import { formatBytes, formatLogprob } from '../../src/views/format.ts';
import type { ModelSummary } from '../../src/engine-client/index.ts';

describe('parseStopStrings', () => {
  it('takes one stop string per line and unescapes \\n, \\t and \\\\', () => {
    expect(parseStopStrings('###\n\\n\\n\n\nfoo\\tbar\nback\\\\slash')).toEqual(['###', '\n\n', 'foo\tbar', 'back\\slash']);
    expect(parseStopStrings('')).toEqual([]);
  });
});

describe('modelSpecOf', () => {
  const base = 'http://127.0.0.1:5173/app/';
  it('resolves a tiny preset against the page, as a folder URL, with its own WebGPU library', () => {
    const spec = modelSpecOf(MODEL_PRESETS[0].id, '', base);
    expect(spec).toEqual({
      id: 'tiny-random-llama-f32',
      url: 'http://127.0.0.1:5173/app/models/tiny-random-llama-f32/',
      modelLib: 'http://127.0.0.1:5173/app/models/tiny-random-llama-f32/model-lib-q0f32-webgpu.wasm',
    });
  });

  it('names a custom folder after its last path segment and adds the trailing slash', () => {
    expect(modelSpecOf(CUSTOM_MODEL, ' https://host.example/m/my-ft-MLC ', base)).toEqual({ id: 'my-ft-MLC', url: 'https://host.example/m/my-ft-MLC/' });
  });

  it('takes a webgpu registry model with its folder and library', () => {
    const m: ModelSummary = {
      id: 'Llama-2-7b-chat-hf-q4f32_1-MLC',
      source: 'prebuilt',
      quantization: 'q4f32_1',
      baseModel: 'meta-llama/Llama-2-7b-chat-hf',
      method: 'base',
      note: '',
      folderUrl: 'https://huggingface.co/mlc-ai/Llama-2-7b-chat-hf-q4f32_1-MLC/resolve/main/',
      modelLib: 'https://example.org/lib.wasm',
      vramRequiredMB: 9110,
    };
    expect(modelSpecOf(m.id, '', base, [m])).toEqual({ id: m.id, url: m.folderUrl, modelLib: m.modelLib });
    expect(webgpuModelLabel(m)).toBe('Llama-2-7b-chat-hf-q4f32_1-MLC (prebuilt, q4f32_1, ~8.9 GB GPU memory)');
  });

  it('labels every tiny preset as random weights for testing', () => {
    for (const p of MODEL_PRESETS) expect(p.label).toMatch(/random weights: nonsense text, for testing/);
  });
});

describe('formatting', () => {
  it('formats bytes and log-probs', () => {
    expect([formatBytes(0), formatBytes(1536), formatBytes(16 * 1024 * 1024)]).toEqual(['0 B', '1.5 KiB', '16 MiB']);
    expect([formatLogprob(-0.123456), formatLogprob(-Infinity)]).toEqual(['-0.1235', '-inf']);
  });
});
