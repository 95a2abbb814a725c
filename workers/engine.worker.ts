/**
 * The engine worker: one module worker per page, exposed with comlink. It runs the model off the
 * page's main thread on one of two backends that read the same MLC weight folders:
 * - "cpu": the TypeScript Llama (workers/backends/cpu/), exact and slow, any browser;
 * - "webgpu": web-llm 0.2.86 (workers/backends/webgpu/), fast, needs WebGPU;
 * - "openai": a client of an OpenAI-compatible server the user names (workers/backends/openai/).
 * Each is imported lazily (separate chunks), so a cpu-only session never evaluates web-llm.
 *
 * Created by the page as `new Worker(new URL('../../workers/engine.worker.ts', import.meta.url),
 * {type: 'module'})` (src/engine-client/), which Vite builds as a chunk of its own.
 */
import * as Comlink from 'comlink';
import type { Engine } from '../src/core/engine.ts';
import { EngineHost, type ExtraFunction } from './engine-host.ts';
import { installErrorTransfer, type RemoteServer, type WebgpuExtraArgs, type WebgpuExtraName, type WebgpuExtraResult } from './protocol.ts';

/** Releases a progress callback from the page (a comlink proxy: a MessagePort). */
function release(onProgress: unknown): void {
  (onProgress as { [Comlink.releaseProxy]?: () => void } | undefined)?.[Comlink.releaseProxy]?.();
}

/** Releases the page's callbacks once a load, a generation or an extra (a folder import) settles. */
class WorkerEngineHost extends EngineHost {
  override async load(...args: Parameters<EngineHost['load']>): ReturnType<EngineHost['load']> {
    try {
      return await super.load(...args);
    } finally {
      release(args[1]);
    }
  }

  override async generate(...args: Parameters<EngineHost['generate']>): ReturnType<EngineHost['generate']> {
    try {
      return await super.generate(...args);
    } finally {
      release(args[1]);
    }
  }

  override async weightDelta(...args: Parameters<EngineHost['weightDelta']>): ReturnType<EngineHost['weightDelta']> {
    try {
      return await super.weightDelta(...args);
    } finally {
      release(args[2]);
    }
  }

  override async adapterDelta(...args: Parameters<EngineHost['adapterDelta']>): ReturnType<EngineHost['adapterDelta']> {
    try {
      return await super.adapterDelta(...args);
    } finally {
      release(args[2]);
    }
  }

  override async webgpuExtra<N extends WebgpuExtraName>(name: N, args: WebgpuExtraArgs<N>, onProgress?: (p: unknown) => void): Promise<WebgpuExtraResult<N>> {
    try {
      return await super.webgpuExtra(name, args, onProgress);
    } finally {
      release(onProgress);
    }
  }
}

installErrorTransfer();

const host = new WorkerEngineHost({
  async cpu(): Promise<Engine> {
    const { CpuEngine } = await import('./backends/cpu/index.ts');
    // Model URLs arrive absolute (the page resolves them), so fetch needs no origin here.
    return new CpuEngine();
  },
  async webgpu(): Promise<Engine> {
    const { WebGpuEngine } = await import('./backends/webgpu/index.ts');
    return new WebGpuEngine();
  },
  async openai(server: RemoteServer): Promise<Engine> {
    const { OpenAiEngine } = await import('./backends/openai/index.ts');
    return new OpenAiEngine({ baseUrls: server.baseUrls, ...(server.apiKey ? { apiKey: server.apiKey } : {}), ...(server.concurrency ? { concurrency: server.concurrency } : {}) });
  },
  async webgpuExtras(): Promise<Partial<Record<WebgpuExtraName, ExtraFunction>>> {
    return import('./backends/webgpu/index.ts');
  },
});

Comlink.expose(host);
