import { describe, expect, it } from 'vitest';
import { mapWebLlmError, urlInMessage } from '../../workers/backends/webgpu/error-map.ts';
import { FtlabError } from '../../src/core/errors.ts';
import { ContextWindowExceededError, ModelNotLoadedError } from '../../src/core/engine-errors.ts';
import { ArtifactChecksumError } from '../../src/core/manifest.ts';

/** An error shaped like web-llm's (it sets `name` in each constructor). */
function named(name: string, message: string): Error {
  const e = new Error(message);
  e.name = name;
  return e;
}

function code(err: unknown, ctx = {}): string {
  const mapped = mapWebLlmError(err, ctx);
  expect(mapped).toBeInstanceOf(FtlabError);
  expect(mapped.hint, `hint for ${mapped.code}`).toBeTruthy();
  return mapped.code;
}

describe('mapWebLlmError: web-llm error names', () => {
  it.each([
    ['WebGPUNotAvailableError', 'WebGPU is not supported in your current environment…', 'webgpu-unavailable'],
    ['WebGPUNotFoundError', 'Cannot find WebGPU in the environment', 'webgpu-unavailable'],
    ['ShaderF16SupportError', 'This model requires WebGPU extension shader-f16…', 'webgpu-no-shader-f16'],
    ['FeatureSupportError', 'This model requires feature subgroups, which is not yet supported by this browser.', 'webgpu-limits'],
    ['DeviceLostError', 'The WebGPU device was lost while loading the model.', 'gpu-device-lost'],
    ['ModelNotFoundError', 'Cannot find model record in appConfig for x.', 'engine-request'],
    ['MissingModelError', 'Missing `model_lib` for the model with ID "x".', 'artifact-missing'],
    ['UnsupportedTokenizerFilesError', 'Cannot handle tokenizer files vocab.txt', 'artifact-missing'],
    ['QuotaExceededError', 'Quota exceeded.', 'storage-quota-exceeded'],
    ['AbortError', 'The operation was aborted.', 'load-aborted'],
    ['CompileError', 'WebAssembly.instantiate(): expected magic word 00 61 73 6d, found 3c 21 44 4f @+0', 'artifact-corrupt'],
  ])('%s → %s', (name, message, expected) => {
    expect(code(named(name, message))).toBe(expected);
  });

  it('a library asking for a parameter the weights lack is a model-lib mismatch naming it', () => {
    const e = mapWebLlmError(new Error('InternalError: Cannot find parameter in cache: model.embed_tokens.q_weight'), { modelId: 'm' });
    expect(e.code).toBe('model-lib-mismatch');
    expect(e.message).toMatch(/model\.embed_tokens\.q_weight/);
    expect(e.hint).toMatch(/npm run model-lib/);
  });

  it('an emscripten exit during load is a model-lib mismatch when the runtime logged why; otherwise left as it was', () => {
    const exit = Object.assign(new Error('ExitStatus: Program terminated with exit(1)'), { name: 'ExitStatus' });
    const log = ['[tvm] loading shaders', 'InternalError: Check failed: (shape[0] == 32000) is false: parameter model.embed_tokens.weight', 'exit(1)'];
    const e = mapWebLlmError(exit, { modelId: 'm', operation: 'load', runtimeLog: log });
    expect(e.code).toBe('model-lib-mismatch');
    expect(e.message).toMatch(/Check failed: \(shape\[0\] == 32000\)/);
    const missing = mapWebLlmError(exit, { modelId: 'm', operation: 'load', runtimeLog: ['Cannot find parameter in cache: model.layers.0.mlp.down_proj.q_weight'] });
    expect(missing.message).toMatch(/needs parameter model\.layers\.0\.mlp\.down_proj\.q_weight/);
    expect(mapWebLlmError(exit, { modelId: 'm', operation: 'load', runtimeLog: ['all fine'] }).code).not.toBe('model-lib-mismatch');
    expect(mapWebLlmError(exit, { modelId: 'm', operation: 'generate', runtimeLog: log }).code).not.toBe('model-lib-mismatch');
  });

  it('says which model needs shader-f16', () => {
    const e = mapWebLlmError(named('ShaderF16SupportError', 'x'), { modelId: 'Llama-2-7b-chat-hf-q4f16_1-MLC' });
    expect(e.message).toContain('Llama-2-7b-chat-hf-q4f16_1-MLC');
    expect(e.hint).toContain('q4f32_1');
  });

  it('ModelNotLoadedError after a successful load means the device was lost', () => {
    const e = named('ModelNotLoadedError', 'Model not loaded before trying to complete forwardTokensAndSample.');
    expect(code(e, { loaded: true })).toBe('gpu-device-lost');
    expect(mapWebLlmError(e, { loaded: false, operation: 'generate' })).toBeInstanceOf(ModelNotLoadedError);
  });

  it('keeps the numbers of ContextWindowSizeExceededError', () => {
    const e = mapWebLlmError(
      named('ContextWindowSizeExceededError', 'Prompt tokens exceed context window size: number of prompt tokens: 5000; context window size: 4096\nConsider…'),
    );
    expect(e).toBeInstanceOf(ContextWindowExceededError);
    expect((e as ContextWindowExceededError).promptTokens).toBe(5000);
    expect((e as ContextWindowExceededError).contextWindow).toBe(4096);
  });

  it('IntegrityError becomes a checksum error naming the URL', () => {
    const e = Object.assign(named('IntegrityError', 'Integrity verification failed for u'), {
      url: 'https://h/m/mlc-chat-config.json',
      expected: 'sha256-AAA',
      actual: 'sha256-BBB',
    });
    const m = mapWebLlmError(e);
    expect(m).toBeInstanceOf(ArtifactChecksumError);
    expect((m as ArtifactChecksumError).file).toBe('https://h/m/mlc-chat-config.json');
  });
});

describe('mapWebLlmError: browser and plain-Error messages', () => {
  it.each([
    ['TypeError', 'Failed to fetch', 'network'],
    ['TypeError', 'NetworkError when attempting to fetch resource.', 'network'],
    ['TypeError', 'Load failed', 'network'],
    ['TypeError', "Failed to execute 'add' on 'Cache': Request failed", 'network'],
    ['Error', 'Failed to store https://h/m/params_shard_3.bin with error: Error: Network response was not ok', 'network'],
    ['Error', 'Failed to store https://h/m/params_shard_3.bin with error: QuotaExceededError: quota exceeded', 'storage-quota-exceeded'],
    ['Error', 'Unable to find a compatible GPU. This issue might be because…', 'webgpu-unavailable'],
    ['Error', 'Cannot initialize runtime because of requested maxComputeWorkgroupStorageSize exceeds limit. requested=32768, limit=16384. ', 'webgpu-limits'],
    ['RangeError', 'Array buffer allocation failed', 'gpu-out-of-memory'],
    ['Error', 'GPUOutOfMemoryError: Out of memory', 'gpu-out-of-memory'],
    ['Error', 'Device lost, calling Instance.dispose(). Please initialize again.', 'gpu-device-lost'],
    ['SyntaxError', 'Unexpected token < in JSON at position 0', 'artifact-corrupt'],
    ['Error', 'something nobody expected', 'webllm'],
  ])('%s "%s" → %s', (name, message, expected) => {
    expect(code(named(name, message))).toBe(expected);
  });

  it('names the URL of a failed fetch, from the message or the context', () => {
    const m1 = mapWebLlmError(named('Error', 'Failed to store https://h/m/params_shard_3.bin with error: TypeError: Failed to fetch'));
    expect(m1.message).toContain('https://h/m/params_shard_3.bin');
    const m2 = mapWebLlmError(new TypeError('Failed to fetch'), { url: 'http://127.0.0.1:9/m/mlc-chat-config.json' });
    expect(m2.message).toContain('http://127.0.0.1:9/m/mlc-chat-config.json');
    expect(m2.hint).toMatch(/CORS/);
    expect(urlInMessage('Cannot fetch https://a/b.bin err= TypeError')).toBe('https://a/b.bin');
  });

  it('returns ftlab errors unchanged and copes with non-Errors', () => {
    const e = new ModelNotLoadedError('x');
    expect(mapWebLlmError(e)).toBe(e);
    expect(code('a thrown string')).toBe('webllm');
    expect(code(new DOMException('quota', 'QuotaExceededError'))).toBe('storage-quota-exceeded');
  });
});
