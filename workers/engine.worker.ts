/**
 * The engine worker: one module worker per page, exposed with comlink. It runs the model off the
 * page's main thread on one of two backends that read the same MLC weight folders:
 * - "cpu": the TypeScript Llama (workers/backends/cpu/), exact and slow, any browser;
 * - "webgpu": web-llm 0.2.86 (workers/backends/webgpu/), fast, needs WebGPU.
 * Both are imported lazily, so a cpu-only session never evaluates web-llm.
 *
 * Created by the page as `new Worker(new URL('../../workers/engine.worker.ts', import.meta.url),
 * {type: 'module'})` (src/engine-client/), which Vite builds as a chunk of its own.
 */
import * as Comlink from 'comlink';
import type { Engine } from '../src/core/engine.ts';
import { EngineUnavailableError } from '../src/core/engine-errors.ts';
import { EngineHost, type ExtraFunction } from './engine-host.ts';
import { installErrorTransfer, type WebgpuExtraName } from './protocol.ts';

// INTERIM: the webgpu backend is being written; resolved by glob so this builds before it lands.
const backendModules = import.meta.glob<Record<string, unknown>>('./backends/webgpu/index.ts');

async function backendModule(name: 'webgpu'): Promise<Record<string, unknown>> {
  const load = backendModules[`./backends/${name}/index.ts`];
  if (!load) throw new EngineUnavailableError(name, 'this build has no such backend', 'rebuild the app with the backend in workers/backends/');
  return load();
}

/** Releases the page's progress callback (a comlink proxy: a MessagePort) once a load settles. */
class WorkerEngineHost extends EngineHost {
  override async load(...args: Parameters<EngineHost['load']>): ReturnType<EngineHost['load']> {
    try {
      return await super.load(...args);
    } finally {
      const onProgress = args[1] as { [Comlink.releaseProxy]?: () => void } | undefined;
      onProgress?.[Comlink.releaseProxy]?.();
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
    const mod = await backendModule('webgpu');
    const Ctor = mod.WebGpuEngine as new () => Engine;
    return new Ctor();
  },
  async webgpuExtras() {
    return (await backendModule('webgpu')) as Partial<Record<WebgpuExtraName, ExtraFunction>>;
  },
});

Comlink.expose(host);
