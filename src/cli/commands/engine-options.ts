/**
 * What generate / classify / logprobs / eval share: the --engine, --model and --context-window
 * options and opening the engine they name. Only the cpu backend runs in a terminal; webgpu
 * (web-llm) needs a browser.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Engine } from '../../core/engine.ts';
import { EngineUnavailableError } from '../../core/engine-errors.ts';
import { createNodeCpuEngine } from '../../../workers/backends/cpu/node.ts';
import { opt } from '../define.ts';

export const ENGINES = ['cpu', 'webgpu'] as const;
export type EngineKind = (typeof ENGINES)[number];

export const ENGINE_OPTIONS = {
  engine: opt.choice('cpu (default; the TypeScript reference engine) | webgpu (browser only)', ENGINES, { default: 'cpu' }),
  model: opt.string('MLC model folder, or the id of one under public/models (e.g. tiny-random-llama-q4f16_1)', {
    value: 'DIR',
    required: 'an MLC folder; `npm run make-tiny-model` makes test ones',
  }),
  'context-window': opt.int('override the model\'s context window (tokens; at most the model\'s own)', { min: 1 }),
};

/** A folder path as given, or public/models/<id> when only that exists. */
export function resolveModelDir(model: string): string {
  if (existsSync(model)) return model;
  const underPublic = path.join('public', 'models', model);
  return existsSync(underPublic) ? underPublic : model;
}

/** cpu runs here; webgpu gets the "browser only" error. */
export function requireCpuEngine(kind: EngineKind): void {
  if (kind === 'webgpu') {
    throw new EngineUnavailableError(
      'webgpu',
      'WebGPU (web-llm) runs only in a browser; Node has no navigator.gpu',
      'use --engine cpu here, or run the webgpu engine in the app (npm run dev)',
    );
  }
}

export async function openEngine(values: { engine: EngineKind; model: string; 'context-window': number | undefined }): Promise<{ engine: Engine; modelDir: string }> {
  requireCpuEngine(values.engine);
  const contextWindow = values['context-window'];
  const modelDir = resolveModelDir(values.model);
  const engine = createNodeCpuEngine();
  await engine.load({ id: path.basename(path.resolve(modelDir)), url: modelDir, ...(contextWindow ? { contextWindow } : {}) });
  return { engine, modelDir };
}
