/**
 * The tiny random Llama checkpoints as contract-test subjects: their folders, their facts read
 * straight from mlc-chat-config.json, EOS variants, and the reference engine.
 */
import { mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Engine } from '../../src/core/engine.ts';
import { ensureTinyModels } from '../../scripts/make-tiny-model.ts';
import { createNodeCpuEngine } from '../../workers/backends/cpu/node.ts';
import type { ModelFacts } from './engine-contract.ts';

export const TINY_F32 = 'tiny-random-llama-f32';
export const TINY_Q4 = 'tiny-random-llama-q4f16_1';
export const TINY_IDS = [TINY_F32, TINY_Q4] as const;

/** Folders of the tiny models by id (generated if missing or stale). */
export function tinyModelDirs(): Record<string, string> {
  return ensureTinyModels();
}

/** The model's facts from its own config, independent of any engine. */
export function modelFacts(dir: string): ModelFacts {
  const cfg = JSON.parse(readFileSync(path.join(dir, 'mlc-chat-config.json'), 'utf8')) as {
    vocab_size: number;
    context_window_size: number;
    bos_token_id: number;
    eos_token_id: number | number[];
  };
  return {
    vocabSize: cfg.vocab_size,
    contextWindow: cfg.context_window_size,
    bosId: cfg.bos_token_id,
    eosId: Array.isArray(cfg.eos_token_id) ? cfg.eos_token_id[0] : cfg.eos_token_id,
  };
}

/**
 * A folder under `root` with the same weights (symlinked, nothing copied) and `eos_token_id`
 * set to `eosId`. Returns its path (reused if it exists).
 */
export function folderWithEos(dir: string, eosId: number, root: string): string {
  const out = path.join(root, `${path.basename(dir)}-eos${eosId}`);
  mkdirSync(out, { recursive: true });
  for (const f of readdirSync(dir)) {
    if (f === 'mlc-chat-config.json' || f === 'ftlab-manifest.json') continue;
    try {
      symlinkSync(path.join(dir, f), path.join(out, f));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
  const cfg = JSON.parse(readFileSync(path.join(dir, 'mlc-chat-config.json'), 'utf8')) as Record<string, unknown>;
  writeFileSync(path.join(out, 'mlc-chat-config.json'), JSON.stringify({ ...cfg, eos_token_id: eosId }));
  return out;
}

/** The reference: the Node cpu engine, loaded on the folder. */
export async function referenceEngine(id: string, dir: string): Promise<Engine> {
  const engine = createNodeCpuEngine();
  await engine.load({ id: `${id}-reference`, url: dir });
  return engine;
}
