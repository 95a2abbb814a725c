/** The cpu backend for pages and workers (no Node imports; Node callers use ./node.ts). */
export { CpuEngine, CPU_BACKEND, type CpuEngineOptions } from './cpu-engine.ts';
export { LlamaRunner } from './llama-runner.ts';
export { matmul, matmulNaive, readRow, type LinearWeight, type MatmulFn } from './linear.ts';
export { ModelTokenizer } from './tokenizer.ts';
