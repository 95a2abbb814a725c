import { describe, expect, it } from 'vitest';
import {
  artifactUrl,
  importedModelUrl,
  isModelLibCached,
  normalizeModelUrl,
  webLlmFolderOf,
} from '../../workers/backends/webgpu/urls.ts';

describe('webLlmFolderOf (copy of web-llm 0.2.86 cleanModelUrl)', () => {
  it('appends resolve/main/ to a repo URL, with or without a trailing slash', () => {
    expect(webLlmFolderOf('https://huggingface.co/mlc-ai/Llama-2-7b-chat-hf-q4f16_1-MLC')).toBe(
      'https://huggingface.co/mlc-ai/Llama-2-7b-chat-hf-q4f16_1-MLC/resolve/main/',
    );
    expect(webLlmFolderOf('https://huggingface.co/u/m/')).toBe('https://huggingface.co/u/m/resolve/main/');
  });
  it('keeps an explicit /resolve/<rev>/', () => {
    expect(webLlmFolderOf('https://huggingface.co/u/m/resolve/abc123')).toBe('https://huggingface.co/u/m/resolve/abc123/');
  });
  it('would send a plain folder to a non-existent resolve/main/ (the problem)', () => {
    expect(webLlmFolderOf('http://127.0.0.1:5173/models/tiny/')).toBe('http://127.0.0.1:5173/models/tiny/resolve/main/');
  });
});

describe('normalizeModelUrl', () => {
  it('makes web-llm fetch a plain folder from the folder itself', () => {
    const n = normalizeModelUrl('http://127.0.0.1:5173/models/tiny');
    expect(n.kind).toBe('plain-folder');
    expect(n.recordUrl).toBe('http://127.0.0.1:5173/models/tiny/resolve/main/../../');
    expect(n.folderUrl).toBe('http://127.0.0.1:5173/models/tiny/');
    // The record URL passes web-llm's own rule unchanged and lands on the folder.
    expect(webLlmFolderOf(n.recordUrl)).toBe(n.folderUrl);
    expect(artifactUrl(n.folderUrl, 'mlc-chat-config.json')).toBe('http://127.0.0.1:5173/models/tiny/mlc-chat-config.json');
  });

  it('resolves relative URLs against a base (web-llm would throw "Invalid URL")', () => {
    expect(() => webLlmFolderOf('/models/tiny/')).toThrow();
    const n = normalizeModelUrl('/models/tiny-random-llama-f32/', 'http://localhost:4173/assets/engine.worker.js');
    expect(n.folderUrl).toBe('http://localhost:4173/models/tiny-random-llama-f32/');
    expect(() => normalizeModelUrl('models/x')).toThrow(/relative URL needs a base/);
  });

  it('leaves Hugging Face repos and resolve paths to web-llm', () => {
    expect(normalizeModelUrl('https://huggingface.co/mlc-ai/Llama-2-7b-chat-hf-q4f32_1-MLC')).toEqual({
      kind: 'huggingface-repo',
      recordUrl: 'https://huggingface.co/mlc-ai/Llama-2-7b-chat-hf-q4f32_1-MLC/',
      folderUrl: 'https://huggingface.co/mlc-ai/Llama-2-7b-chat-hf-q4f32_1-MLC/resolve/main/',
    });
    const r = normalizeModelUrl('https://example.org/mirror/u/m/resolve/v1/');
    expect(r.kind).toBe('resolve-path');
    expect(r.folderUrl).toBe('https://example.org/mirror/u/m/resolve/v1/');
  });

  it('turns a copied Hugging Face tree URL into its resolve URL', () => {
    const n = normalizeModelUrl('https://huggingface.co/me/llama2-ft-q4f16_1-MLC/tree/main');
    expect(n.folderUrl).toBe('https://huggingface.co/me/llama2-ft-q4f16_1-MLC/resolve/main/');
  });

  it('drops query and fragment, rejects non-http schemes and empty input', () => {
    expect(normalizeModelUrl('https://h/x/?token=1#y').folderUrl).toBe('https://h/x/');
    expect(() => normalizeModelUrl('file:///tmp/model')).toThrow(/must be http\(s\)/);
    expect(() => normalizeModelUrl('  ')).toThrow(/empty model URL/);
  });

  it('imported models live under a never-resolving host that web-llm will cache', () => {
    const n = importedModelUrl('my ft/model');
    expect(n.folderUrl).toBe('https://ftlab-import.invalid/my%20ft%2Fmodel/');
    expect(isModelLibCached(`${n.folderUrl}lib.wasm`)).toBe(true);
    expect(isModelLibCached('http://localhost:5173/lib.wasm')).toBe(false);
    expect(isModelLibCached('/models/lib.wasm')).toBe(false);
  });
});
