/** The cpu engine for Node (CLI, tests, benches): spec.url is a directory path. */
import { CpuEngine, type CpuEngineOptions } from './cpu-engine.ts';
import { nodeFileSource } from './node-file-source.ts';

export function createNodeCpuEngine(opts: Omit<CpuEngineOptions, 'openFiles'> = {}): CpuEngine {
  return new CpuEngine({ ...opts, openFiles: nodeFileSource });
}
