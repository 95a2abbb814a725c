import { describe, expect, it } from 'vitest';
import { capabilityReportFrom, gatherAdapterFacts, type AdapterFacts, type CandidateModel } from '../../workers/backends/webgpu/capability.ts';

const MiB = 1024 * 1024;

const CANDIDATES: CandidateModel[] = [
  { modelId: 'Llama-2-7b-chat-hf-q4f16_1-MLC', quantization: 'q4f16_1', requiredFeatures: ['shader-f16'], vramRequiredMB: 6749.02 },
  { modelId: 'Llama-2-7b-chat-hf-q4f32_1-MLC', quantization: 'q4f32_1', requiredFeatures: [], vramRequiredMB: 9109.03 },
];

function adapter(over: Partial<NonNullable<AdapterFacts['adapter']>> = {}, limits: Partial<NonNullable<AdapterFacts['adapter']>['limits']> = {}): AdapterFacts {
  return {
    webgpu: true,
    adapter: {
      vendor: 'nvidia',
      architecture: 'ada',
      device: '',
      description: 'NVIDIA GeForce RTX 4070',
      isFallbackAdapter: false,
      features: ['shader-f16', 'subgroups'],
      limits: {
        maxBufferSize: 4096 * MiB,
        maxStorageBufferBindingSize: 2048 * MiB,
        maxComputeWorkgroupStorageSize: 32768,
        maxStorageBuffersPerShaderStage: 10,
        maxComputeInvocationsPerWorkgroup: 1024,
        ...limits,
      },
      ...over,
    },
  };
}

describe('capabilityReportFrom', () => {
  it('recommends q4f16_1 on a GPU with shader-f16', () => {
    const r = capabilityReportFrom(adapter(), CANDIDATES);
    expect(r).toMatchObject({ canRun7B: true, webLlmCanStart: true, shaderF16: true, recommendedQuantization: 'q4f16_1', recommendedModelId: 'Llama-2-7b-chat-hf-q4f16_1-MLC' });
    expect(r.recommendation).toMatch(/^Load Llama-2-7b-chat-hf-q4f16_1-MLC .*6\.6 GB/);
    expect(r.limits.every((l) => l.verdict === 'ok')).toBe(true);
  });

  it('picks q4f32_1 without shader-f16 and says why', () => {
    const r = capabilityReportFrom(adapter({ features: [] }), CANDIDATES);
    expect(r.recommendedQuantization).toBe('q4f32_1');
    expect(r.recommendation).toMatch(/lacks shader-f16, so q4f16_1 models cannot run: load Llama-2-7b-chat-hf-q4f32_1-MLC/);
    expect(r.reasons.some((s) => s.startsWith('shader-f16: missing'))).toBe(true);
  });

  it("accepts web-llm's fallback sizes and rejects what it refuses", () => {
    const fallback = capabilityReportFrom(adapter({}, { maxBufferSize: 256 * MiB, maxStorageBufferBindingSize: 128 * MiB }), CANDIDATES);
    expect(fallback.limits.find((l) => l.limit === 'maxBufferSize')?.verdict).toBe('fallback');
    expect(fallback.canRun7B).toBe(true);
    const firefox = capabilityReportFrom(adapter({}, { maxComputeWorkgroupStorageSize: 16384 }), CANDIDATES);
    expect(firefox.webLlmCanStart).toBe(false);
    expect(firefox.recommendation).toContain('maxComputeWorkgroupStorageSize is 16 KB, it needs 32 KB');
    const tiny = capabilityReportFrom(adapter({}, { maxStorageBufferBindingSize: 64 * MiB }), CANDIDATES);
    expect(tiny.limits.find((l) => l.limit === 'maxStorageBufferBindingSize')?.verdict).toBe('too-low');
  });

  it('flags software adapters (SwiftShader) as unable to run 7B', () => {
    const r = capabilityReportFrom(adapter({ vendor: 'google', architecture: 'swiftshader', description: 'SwiftShader Device (Subzero)', features: [] }), CANDIDATES);
    expect(r.softwareAdapter).toBe(true);
    expect(r.webLlmCanStart).toBe(true);
    expect(r.canRun7B).toBe(false);
    expect(r.recommendation).toMatch(/software WebGPU adapter .*without shader-f16/);
    expect(capabilityReportFrom(adapter({ isFallbackAdapter: true }), CANDIDATES).softwareAdapter).toBe(true);
  });

  it('explains a missing WebGPU, an insecure context and a null adapter', () => {
    expect(capabilityReportFrom({ webgpu: false, adapter: null }).recommendation).toMatch(/no WebGPU/);
    expect(capabilityReportFrom({ webgpu: false, adapter: null, secureContext: false }).recommendation).toMatch(/not served over https/);
    const r = capabilityReportFrom({ webgpu: true, adapter: null, adapterError: 'boom' });
    expect(r.adapterFound).toBe(false);
    expect(r.reasons).toEqual(['requestAdapter() failed: boom']);
  });
});

describe('gatherAdapterFacts', () => {
  it('reads a navigator.gpu double', async () => {
    const fake = {
      gpu: {
        requestAdapter: async () => ({
          features: new Set(['subgroups', 'shader-f16']),
          limits: { maxBufferSize: 1, maxStorageBufferBindingSize: 2, maxComputeWorkgroupStorageSize: 3, maxStorageBuffersPerShaderStage: 4, maxComputeInvocationsPerWorkgroup: 5, other: 9 },
          info: { vendor: 'v', architecture: 'a', device: 'd', description: 'x' },
        }),
      },
    };
    const f = await gatherAdapterFacts(fake);
    expect(f.adapter).toEqual({
      vendor: 'v',
      architecture: 'a',
      device: 'd',
      description: 'x',
      isFallbackAdapter: false,
      features: ['shader-f16', 'subgroups'],
      limits: { maxBufferSize: 1, maxStorageBufferBindingSize: 2, maxComputeWorkgroupStorageSize: 3, maxStorageBuffersPerShaderStage: 4, maxComputeInvocationsPerWorkgroup: 5 },
    });
  });

  it('never throws: no gpu, null adapter, throwing adapter', async () => {
    expect((await gatherAdapterFacts({})).webgpu).toBe(false);
    expect(await gatherAdapterFacts({ gpu: { requestAdapter: async () => null } })).toMatchObject({ webgpu: true, adapter: null });
    const f = await gatherAdapterFacts({ gpu: { requestAdapter: async () => { throw new Error('nope'); } } });
    expect(f).toMatchObject({ webgpu: true, adapter: null, adapterError: 'nope' });
  });
});
