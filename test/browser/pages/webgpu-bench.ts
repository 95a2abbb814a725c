/** Bench-only entry: window.ftlabBench.run(args) runs workers/backends/webgpu/bench.ts in a worker of its own. */
import type { WebGpuBenchArgs, WebGpuBenchResult } from '../../../workers/backends/webgpu/bench.ts';
import type { WebGpuBenchReply } from './webgpu-bench.worker.ts';

function run(args: WebGpuBenchArgs): Promise<WebGpuBenchResult> {
  const worker = new Worker(new URL('./webgpu-bench.worker.ts', import.meta.url), { type: 'module' });
  return new Promise<WebGpuBenchResult>((resolve, reject) => {
    worker.onmessage = (e: MessageEvent<WebGpuBenchReply>) => {
      worker.terminate();
      if (e.data.ok) resolve(e.data.result);
      else reject(new Error(e.data.error));
    };
    worker.onerror = (e) => {
      worker.terminate();
      reject(new Error(`webgpu bench worker: ${e.message}`));
    };
    worker.postMessage(args);
  });
}

const api = { run };
export type WebGpuBenchApi = typeof api;

(window as unknown as { ftlabBench: WebGpuBenchApi }).ftlabBench = api;
document.body.dataset.ready = 'true';
