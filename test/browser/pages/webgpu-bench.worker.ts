/** The worker of the webgpu bench page: one run of runWebGpuBench per message. */
import { runWebGpuBench, type WebGpuBenchArgs, type WebGpuBenchResult } from '../../../workers/backends/webgpu/bench.ts';

export type WebGpuBenchReply = { ok: true; result: WebGpuBenchResult } | { ok: false; error: string };

const reply = (r: WebGpuBenchReply) => postMessage(r);

addEventListener('message', (e: MessageEvent<WebGpuBenchArgs>) => {
  runWebGpuBench(e.data).then(
    (result) => reply({ ok: true, result }),
    (err: unknown) => reply({ ok: false, error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) }),
  );
});
