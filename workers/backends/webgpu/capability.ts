/**
 * Can this browser/GPU run a 7B model through web-llm, and which variant should it load?
 *
 * `capabilityReportFrom(facts, candidates)` is a pure function of plain data (unit-tested in
 * Node); `gatherAdapterFacts()` is the thin part that asks `navigator.gpu` (worker or page).
 *
 * The limits are those web-llm 0.2.86 requests in `detectGPUDevice` (lib/index.js): it asks for
 * 1 GB maxBufferSize and maxStorageBufferBindingSize and falls back to 256 MB / 128 MB (below
 * that it refuses), and it needs 32 KB maxComputeWorkgroupStorageSize and 10
 * maxStorageBuffersPerShaderStage, with no fallback. The prebuilt Llama-2-7b records set no
 * `buffer_size_required_bytes`, so the fallback sizes are accepted for them. WebGPU does not
 * expose the amount of GPU memory: the needed VRAM is shown, it cannot be checked.
 */

export interface AdapterLimitsFacts {
  maxBufferSize: number;
  maxStorageBufferBindingSize: number;
  maxComputeWorkgroupStorageSize: number;
  maxStorageBuffersPerShaderStage: number;
  maxComputeInvocationsPerWorkgroup: number;
}

export interface AdapterFacts {
  /** `navigator.gpu` exists. */
  webgpu: boolean;
  /** requestAdapter() result; null when it returned null or threw. */
  adapter: null | {
    vendor: string;
    architecture: string;
    device: string;
    description: string;
    /** adapter.info.isFallbackAdapter (or the deprecated adapter.isFallbackAdapter). */
    isFallbackAdapter: boolean;
    features: string[];
    limits: AdapterLimitsFacts;
  };
  /** requestAdapter() threw: its message. */
  adapterError?: string;
  /** Secure context (WebGPU needs https or localhost). */
  secureContext?: boolean;
}

/** A model the report may recommend (from the registry). */
export interface CandidateModel {
  modelId: string;
  quantization: string;
  requiredFeatures: string[];
  vramRequiredMB?: number;
}

export type LimitVerdict = 'ok' | 'fallback' | 'too-low';

export interface LimitCheck {
  limit: keyof AdapterLimitsFacts;
  value: number;
  /** What web-llm asks for first. */
  preferred: number;
  /** Below this web-llm refuses to start. */
  minimum: number;
  verdict: LimitVerdict;
  note: string;
}

export interface CapabilityReport {
  webgpu: boolean;
  adapterFound: boolean;
  adapter: AdapterFacts['adapter'];
  /** A CPU implementation of WebGPU (SwiftShader, llvmpipe, WARP): works, far too slow for 7B. */
  softwareAdapter: boolean;
  shaderF16: boolean;
  limits: LimitCheck[];
  /** web-llm would accept this adapter (limits and a recommended model's features). */
  webLlmCanStart: boolean;
  /** Sensible to load a 7B model here (hardware adapter, limits ok). */
  canRun7B: boolean;
  recommendedQuantization: string | null;
  recommendedModelId: string | null;
  /** Why, one line each. */
  reasons: string[];
  /** One paragraph for the UI. */
  recommendation: string;
}

const MiB = 1024 * 1024;

export const WEBLLM_LIMITS: readonly { limit: keyof AdapterLimitsFacts; preferred: number; minimum: number }[] = [
  { limit: 'maxBufferSize', preferred: 1024 * MiB, minimum: 256 * MiB },
  { limit: 'maxStorageBufferBindingSize', preferred: 1024 * MiB, minimum: 128 * MiB },
  { limit: 'maxComputeWorkgroupStorageSize', preferred: 32 * 1024, minimum: 32 * 1024 },
  { limit: 'maxStorageBuffersPerShaderStage', preferred: 10, minimum: 10 },
];

const SOFTWARE_ADAPTER = /swiftshader|llvmpipe|lavapipe|softpipe|basic render|\bwarp\b/i;

function fmt(limit: keyof AdapterLimitsFacts, v: number): string {
  if (limit === 'maxBufferSize' || limit === 'maxStorageBufferBindingSize') return `${Math.round(v / MiB)} MB`;
  if (limit === 'maxComputeWorkgroupStorageSize') return `${Math.round(v / 1024)} KB`;
  return String(v);
}

function checkLimits(limits: AdapterLimitsFacts): LimitCheck[] {
  return WEBLLM_LIMITS.map(({ limit, preferred, minimum }) => {
    const value = limits[limit];
    const verdict: LimitVerdict = value >= preferred ? 'ok' : value >= minimum ? 'fallback' : 'too-low';
    const note =
      verdict === 'ok'
        ? `${fmt(limit, value)} ≥ ${fmt(limit, preferred)} requested`
        : verdict === 'fallback'
          ? `${fmt(limit, value)} < ${fmt(limit, preferred)} requested; web-llm falls back to ${fmt(limit, minimum)}, enough for Llama-2-7b`
          : `${fmt(limit, value)} < ${fmt(limit, minimum)}: web-llm refuses to start`;
    return { limit, value, preferred, minimum, verdict, note };
  });
}

export function isSoftwareAdapter(a: NonNullable<AdapterFacts['adapter']>): boolean {
  return a.isFallbackAdapter || SOFTWARE_ADAPTER.test(`${a.vendor} ${a.architecture} ${a.device} ${a.description}`);
}

function describeAdapter(a: NonNullable<AdapterFacts['adapter']>): string {
  const parts = [a.vendor, a.architecture, a.description || a.device].filter((s) => s && s.trim() !== '');
  return parts.length > 0 ? parts.join(' / ') : 'unnamed adapter';
}

/** Pure: the report for some adapter facts and the registry's candidate models. */
export function capabilityReportFrom(facts: AdapterFacts, candidates: readonly CandidateModel[] = []): CapabilityReport {
  const base = {
    webgpu: facts.webgpu,
    adapterFound: facts.adapter !== null,
    adapter: facts.adapter,
    softwareAdapter: false,
    shaderF16: false,
    limits: [] as LimitCheck[],
    webLlmCanStart: false,
    canRun7B: false,
    recommendedQuantization: null,
    recommendedModelId: null,
  };
  if (!facts.webgpu) {
    const reasons = ['navigator.gpu is missing'];
    if (facts.secureContext === false) reasons.push('the page is not a secure context (WebGPU needs https:// or http://localhost)');
    return {
      ...base,
      reasons,
      recommendation:
        facts.secureContext === false
          ? 'WebGPU is off because this page is not served over https (or localhost). Open it over https, or use the cpu engine for the tiny test models.'
          : 'This browser has no WebGPU. Use Chrome or Edge 113+ (or Safari 26+) with hardware acceleration on; meanwhile the cpu engine runs the tiny test models only.',
    };
  }
  const a = facts.adapter;
  if (a === null) {
    const reasons = [facts.adapterError ? `requestAdapter() failed: ${facts.adapterError}` : 'requestAdapter() returned null'];
    return {
      ...base,
      reasons,
      recommendation:
        'WebGPU is present but gives no GPU adapter (blocklisted driver, hardware acceleration off, or no GPU). Check chrome://gpu, enable hardware acceleration, update the GPU driver; or use the cpu engine for tiny models.',
    };
  }

  const limits = checkLimits(a.limits);
  const tooLow = limits.filter((l) => l.verdict === 'too-low');
  const shaderF16 = a.features.includes('shader-f16');
  const software = isSoftwareAdapter(a);
  const reasons: string[] = [`adapter: ${describeAdapter(a)}${software ? ' (software rendering)' : ''}`];
  for (const l of limits) reasons.push(`${l.limit}: ${l.note}`);
  reasons.push(shaderF16 ? 'shader-f16: available, q4f16_1 models can run' : 'shader-f16: missing, q4f16_1 models cannot run (web-llm throws ShaderF16SupportError); q4f32_1 can');

  // Prefer q4f16_1 (smaller, faster) when f16 shaders exist; else the first model whose features are all present.
  const usable = candidates.filter((c) => c.requiredFeatures.every((f) => a.features.includes(f)));
  const pick = usable.find((c) => shaderF16 && c.quantization === 'q4f16_1') ?? usable.find((c) => c.quantization === 'q4f32_1') ?? usable[0] ?? null;
  const webLlmCanStart = tooLow.length === 0 && (candidates.length === 0 || pick !== null);
  const canRun7B = webLlmCanStart && !software;
  if (pick?.vramRequiredMB !== undefined) {
    reasons.push(`${pick.modelId} needs about ${(pick.vramRequiredMB / 1024).toFixed(1)} GB of GPU memory (WebGPU cannot report how much this GPU has)`);
  }

  let recommendation: string;
  if (tooLow.length > 0) {
    recommendation = `web-llm cannot start on this adapter: ${tooLow.map((l) => `${l.limit} is ${fmt(l.limit, l.value)}, it needs ${fmt(l.limit, l.minimum)}`).join('; ')}. Try Chrome or Edge on another GPU; use the cpu engine for tiny models.`;
  } else if (software) {
    recommendation = `This is a software WebGPU adapter (${describeAdapter(a)}): it runs on the CPU${shaderF16 ? '' : ' without shader-f16'}, far too slow and too small for a 7B model. Use a machine with a GPU for Llama-2-7b; the cpu engine runs the tiny test models here.`;
  } else if (pick === null) {
    recommendation = 'No registered model can run here (their required WebGPU features are missing).';
  } else if (pick.quantization === 'q4f16_1') {
    recommendation = `Load ${pick.modelId} (q4f16_1, uses shader-f16)${pick.vramRequiredMB ? `; it needs about ${(pick.vramRequiredMB / 1024).toFixed(1)} GB of GPU memory` : ''}. If loading runs out of memory, lower the context window to 1024.`;
  } else {
    recommendation = `${shaderF16 ? '' : 'This GPU/browser lacks shader-f16, so q4f16_1 models cannot run: '}load ${pick.modelId} (${pick.quantization})${pick.vramRequiredMB ? `, about ${(pick.vramRequiredMB / 1024).toFixed(1)} GB of GPU memory` : ''}. If loading runs out of memory, lower the context window to 1024.`;
  }

  return {
    ...base,
    adapter: a,
    softwareAdapter: software,
    shaderF16,
    limits,
    webLlmCanStart,
    canRun7B,
    recommendedQuantization: pick?.quantization ?? null,
    recommendedModelId: pick?.modelId ?? null,
    reasons,
    recommendation: recommendation.charAt(0).toUpperCase() + recommendation.slice(1),
  };
}

/** Minimal shapes of the WebGPU objects we read (so this compiles without @webgpu/types). */
interface GpuAdapterLike {
  features: { has(name: string): boolean; forEach?(cb: (v: string) => void): void } & Iterable<string>;
  limits: Record<string, number>;
  info?: { vendor?: string; architecture?: string; device?: string; description?: string; isFallbackAdapter?: boolean };
  isFallbackAdapter?: boolean;
}
interface GpuLike {
  requestAdapter(opts?: { powerPreference?: 'high-performance' | 'low-power' }): Promise<GpuAdapterLike | null>;
}

/** Asks navigator.gpu for the facts (same power preference as web-llm). Never throws. */
export async function gatherAdapterFacts(nav: { gpu?: unknown } | undefined = globalThis.navigator as { gpu?: unknown } | undefined): Promise<AdapterFacts> {
  const secureContext = typeof globalThis.isSecureContext === 'boolean' ? globalThis.isSecureContext : undefined;
  const gpu = nav?.gpu as GpuLike | undefined;
  if (!gpu) return { webgpu: false, adapter: null, ...(secureContext !== undefined ? { secureContext } : {}) };
  let adapter: GpuAdapterLike | null;
  try {
    adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  } catch (e) {
    return { webgpu: true, adapter: null, adapterError: e instanceof Error ? e.message : String(e) };
  }
  if (!adapter) return { webgpu: true, adapter: null };
  const info = adapter.info ?? {};
  const l = adapter.limits;
  return {
    webgpu: true,
    ...(secureContext !== undefined ? { secureContext } : {}),
    adapter: {
      vendor: info.vendor ?? '',
      architecture: info.architecture ?? '',
      device: info.device ?? '',
      description: info.description ?? '',
      isFallbackAdapter: Boolean(info.isFallbackAdapter ?? adapter.isFallbackAdapter),
      features: [...adapter.features].sort(),
      limits: {
        maxBufferSize: l.maxBufferSize,
        maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
        maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize,
        maxStorageBuffersPerShaderStage: l.maxStorageBuffersPerShaderStage,
        maxComputeInvocationsPerWorkgroup: l.maxComputeInvocationsPerWorkgroup,
      },
    },
  };
}
