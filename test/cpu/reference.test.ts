/**
 * The cpu engine against an INDEPENDENT implementation: tools/reference/llama_numpy.py, a
 * float64 numpy forward pass that parses the MLC folder itself, wrote the committed
 * tiny-random-llama.reference.json (top-10 logits and log-sum-exp at several positions of two
 * prompts, one 40 tokens long so RoPE and the causal mask matter). If the generator's output
 * changes, the shard hashes stop matching: re-run the script (and review the diff).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
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

const reference = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'tools/reference/tiny-random-llama.reference.json'), 'utf8')) as Reference;
let models: Record<string, string>;
beforeAll(() => {
  models = ensureTinyModels();
});

describe('cpu engine vs the float64 numpy reference', () => {
  for (const [id, ref] of Object.entries(reference.models)) {
    it(`${id}: same weights as when the reference was made`, () => {
      for (const [shard, sha] of Object.entries(ref.shardSha256)) {
        const actual = createHash('sha256').update(readFileSync(path.join(models[id], shard))).digest('hex');
        expect(actual, `${id}/${shard} changed: re-run python3 tools/reference/llama_numpy.py`).toBe(sha);
      }
    });

    it(`${id}: log-probs and top-10 agree to 1e-4 nats at every checked position`, async () => {
      const engine = createNodeCpuEngine();
      await engine.load({ id, url: models[id] });
      let worst = 0;
      for (const prompt of Object.values(ref.prompts)) {
        for (const pos of prompt.positions) {
          // Scoring the prefix up to `pos` gives the logits at `pos` (fresh engine state each time: no reuse effects matter).
          const r = await engine.scoreNext({ ids: prompt.ids.slice(0, pos.position + 1) }, pos.ids, { topK: reference.topK });
          pos.ids.forEach((tid, i) => {
            const expected = pos.logits[i] - pos.logSumExp;
            worst = Math.max(worst, Math.abs(r.logprobs[i] - expected));
          });
          // The same ranking (reference ties are not an issue: random logits are distinct).
          expect(r.top!.map((t) => t.id)).toEqual(pos.ids);
        }
      }
      // float32 weights and activations against float64 throughout: ~1e-6 expected.
      expect(worst).toBeLessThan(1e-4);
    });
  }
});
