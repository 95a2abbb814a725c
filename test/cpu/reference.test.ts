/**
 * The cpu engine against two references that share no code with it, on the same tiny random
 * models (top-10 logits and log-sum-exp at several positions of two prompts, one 40 tokens long
 * so RoPE and the causal mask matter):
 *
 * - tools/reference/llama_numpy.py: a float64 numpy forward pass that parses the MLC folder
 *   itself (tiny-random-llama.reference.json).
 * - tools/reference/llama_transformers.py: Hugging Face transformers' own LlamaForCausalLM in
 *   float64 on the same weights split back into HF names (tiny-random-llama.transformers.json).
 *   The numpy reference was written by the engine's author and could share a wrong convention
 *   with it (RoPE pairing, q/k/v or gate/up order, RMSNorm); transformers defines the
 *   conventions, so agreeing with it is what makes the folder "a Llama".
 *
 * Only the committed JSON is read (no Python at test time). If the generator's output changes,
 * the shard hashes stop matching: re-run both scripts (and review the diff).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../src/core/engine.ts';
import { ensureTinyModels } from '../../scripts/make-tiny-model.ts';
import { createNodeCpuEngine } from '../../workers/backends/cpu/node.ts';
import { PROJECT_ROOT } from '../helpers/paths.ts';

interface Reference {
  topK: number;
  models: Record<
    string,
    {
      shardSha256: Record<string, string>;
      prompts: Record<string, { ids: number[]; positions: { position: number; ids: number[]; logits: number[]; logSumExp: number }[] }>;
    }
  >;
}

const REFERENCES = [
  { name: 'the float64 numpy reference', file: 'tiny-random-llama.reference.json', remake: 'python3 tools/reference/llama_numpy.py' },
  {
    name: 'Hugging Face transformers LlamaForCausalLM',
    file: 'tiny-random-llama.transformers.json',
    remake: 'python tools/reference/llama_transformers.py (in a venv with torch + transformers; see its docstring)',
  },
];

const readReference = (file: string) =>
  JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'tools/reference', file), 'utf8')) as Reference;

let models: Record<string, string>;
const engines = new Map<string, Engine>();
beforeAll(() => {
  models = ensureTinyModels();
});

/** One loaded engine per model, shared by both references (scoreNext keeps no state that matters). */
async function engineFor(id: string): Promise<Engine> {
  let engine = engines.get(id);
  if (!engine) {
    engine = createNodeCpuEngine();
    await engine.load({ id, url: models[id] });
    engines.set(id, engine);
  }
  return engine;
}

for (const { name, file, remake } of REFERENCES) {
  const reference = readReference(file);
  describe(`cpu engine vs ${name} (${file})`, () => {
    it('covers both tiny models', () => {
      expect(Object.keys(reference.models).sort()).toEqual(['tiny-random-llama-f32', 'tiny-random-llama-q4f16_1']);
    });

    for (const [id, ref] of Object.entries(reference.models)) {
      it(`${id}: same weights as when the reference was made`, () => {
        for (const [shard, sha] of Object.entries(ref.shardSha256)) {
          const actual = createHash('sha256').update(readFileSync(path.join(models[id], shard))).digest('hex');
          expect(actual, `${id}/${shard} changed: re-run ${remake}`).toBe(sha);
        }
      });

      it(`${id}: log-probs and top-10 agree to 1e-4 nats at every checked position`, async () => {
        const engine = await engineFor(id);
        let worst = 0;
        let checked = 0;
        const rankings: { expected: number[]; actual: number[] }[] = [];
        for (const prompt of Object.values(ref.prompts)) {
          for (const pos of prompt.positions) {
            // Scoring the prefix up to `pos` gives the logits at `pos` (log-probs of the reference's top ids).
            const r = await engine.scoreNext({ ids: prompt.ids.slice(0, pos.position + 1) }, pos.ids, { topK: reference.topK });
            pos.ids.forEach((_, i) => {
              const expected = pos.logits[i] - pos.logSumExp;
              worst = Math.max(worst, Math.abs(r.logprobs[i] - expected));
              checked++;
            });
            rankings.push({ expected: pos.ids, actual: r.top!.map((t) => t.id) });
          }
        }
        expect(checked).toBeGreaterThanOrEqual(60);
        // float32 weights and activations against float64 throughout: float32 rounding over two
        // layers gives ~1e-6 (measured: 3.6e-7 against numpy, 7.4e-7 against transformers); a
        // convention slip (RoPE pairing, GQA head grouping, gate/up order) costs 1e-2..1 nats.
        expect(worst).toBeLessThan(1e-4);
        // The same ranking (ties are not an issue: random logits are distinct).
        for (const { expected, actual } of rankings) expect(actual).toEqual(expected);
      });
    }
  });
}
