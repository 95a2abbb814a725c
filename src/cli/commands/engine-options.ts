/**
 * What generate / classify / logprobs share: the --engine and --model options and opening the
 * engine they name. Only the cpu backend runs in a terminal; webgpu (web-llm) needs a browser.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Engine } from '../../core/engine.ts';
import { EngineUnavailableError } from '../../core/engine-errors.ts';
import { createNodeCpuEngine } from '../../../workers/backends/cpu/node.ts';
import type { OptionSpec } from '../types.ts';
import { CliOptionError } from '../support/errors.ts';
import { intOption } from '../support/input.ts';

export const ENGINE_OPTIONS: Record<string, OptionSpec> = {
  engine: { type: 'string', description: 'cpu (default; the TypeScript reference engine) | webgpu (browser only)' },
  model: { type: 'string', description: 'MLC model folder, or the id of one under public/models (e.g. tiny-random-llama-q4f16_1)' },
  'context-window': { type: 'string', description: 'override the model\'s context window (tokens)' },
};

/** A folder path as given, or public/models/<id> when only that exists. */
export function resolveModelDir(model: string): string {
  if (existsSync(model)) return model;
  const underPublic = path.join('public', 'models', model);
  return existsSync(underPublic) ? underPublic : model;
}

/** Checks --engine: cpu runs here; webgpu gets the "browser only" error, anything else a usage error. */
export function requireCpuEngine(command: string, values: Record<string, unknown>): void {
  const kind = (values.engine as string | undefined) ?? 'cpu';
  if (kind === 'webgpu') {
    throw new EngineUnavailableError(
      'webgpu',
      'WebGPU (web-llm) runs only in a browser; Node has no navigator.gpu',
      'use --engine cpu here, or run the webgpu engine in the app (npm run dev)',
    );
  }
  if (kind !== 'cpu') throw new CliOptionError(command, `--engine must be cpu or webgpu, not "${kind}"`);
}

export async function openEngine(command: string, values: Record<string, unknown>): Promise<{ engine: Engine; modelDir: string }> {
  requireCpuEngine(command, values);
  const model = values.model as string | undefined;
  if (!model) throw new CliOptionError(command, '--model DIR is required (an MLC folder; `npm run make-tiny-model` makes test ones)');
  const fail = (msg: string) => new CliOptionError(command, msg);
  const contextWindow = intOption(values['context-window'] as string | undefined, 'context-window', fail, 1);
  const modelDir = resolveModelDir(model);
  const engine = createNodeCpuEngine();
  await engine.load({ id: path.basename(path.resolve(modelDir)), url: modelDir, ...(contextWindow ? { contextWindow } : {}) });
  return { engine, modelDir };
}
