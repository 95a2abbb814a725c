/**
 * The measurement behind bench/worker.bench.ts, compiled into the test page (not serialized
 * through page.evaluate): N sequential tokenize calls through the engine worker vs on a cpu
 * engine in the page, plus the empty round trip. Median µs per call over batches.
 */
import { createEngineClient } from '../../../src/engine-client/index.ts';
import { CpuEngine } from '../../../workers/backends/cpu/index.ts';

export interface WorkerOverhead {
  viaWorkerUs: number;
  inPageUs: number;
  roundTripUs: number;
  /** Both paths returned the same ids (the comparison is of the same work). */
  same: boolean;
}

function median(xs: number[]): number {
  return [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
}

async function perCallUs(fn: () => Promise<unknown>, calls: number, batches: number): Promise<number> {
  for (let i = 0; i < 100; i++) await fn(); // warm-up: JIT, tokenizer caches
  const batchesUs: number[] = [];
  for (let b = 0; b < batches; b++) {
    const t0 = performance.now();
    for (let i = 0; i < calls; i++) await fn();
    batchesUs.push(((performance.now() - t0) * 1000) / calls);
  }
  return median(batchesUs);
}

export async function measureWorkerOverhead(modelUrl: string, text: string, calls: number, batches: number): Promise<WorkerOverhead> {
  const spec = { id: 'bench-model', url: modelUrl };
  const client = createEngineClient();
  const direct = new CpuEngine();
  try {
    await client.load(spec, undefined, { backend: 'cpu' });
    await direct.load(spec);
    const viaWorkerUs = await perCallUs(() => client.tokenize(text), calls, batches);
    const inPageUs = await perCallUs(() => direct.tokenize(text), calls, batches);
    const roundTripUs = await perCallUs(() => client.currentBackend(), calls, batches);
    const same = JSON.stringify(await client.tokenize(text)) === JSON.stringify(await direct.tokenize(text));
    return { viaWorkerUs, inPageUs, roundTripUs, same };
  } finally {
    client.terminate();
    await direct.unload();
  }
}
