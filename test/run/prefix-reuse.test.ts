/**
 * Prefilled tokens in the records: an ICL cell run on the cpu engine (which keeps what a prompt
 * shares with the previous one in its KV cache, as the webgpu backend does) records, per sample,
 * the prompt positions it ran through the model. Their sum over the cell is what
 * prefillTokensWithReuse counts from the prompts' ids (bench/webgpu.bench.ts reports that count
 * for the paper's 4-shot cells), and each sample's label log-probs equal the ones of its prompt
 * computed whole.
 */
import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { PAPER_DATA } from '../helpers/paths.ts';
import { ensureTinyModels } from '../../scripts/make-tiny-model.ts';
import { createNodeCpuEngine } from '../../workers/backends/cpu/node.ts';
import { MemoryRecordStore, runPlan, type ClassificationRecord } from '../../src/core/run/index.ts';
import { parseDataset } from '../../src/core/datasets/parse.ts';
import { prefillTokensWithReuse } from '../../src/core/decoding/index.ts';
import { SENTIMENT } from '../../src/core/tasks/index.ts';

const load = (rel: string) => [...parseDataset(fs.readFileSync(path.join(PAPER_DATA, rel), 'utf8'), { task: SENTIMENT, source: path.basename(rel) }).items];

describe('prefix reuse in the run records', () => {
  it('an ICL cell records each sample\'s prefilled tokens: the first prompt whole, then only what follows the shared demos', async () => {
    const dir = ensureTinyModels()['tiny-random-llama-f32'];
    const engine = createNodeCpuEngine();
    const store = new MemoryRecordStore();
    const plan = {
      models: [{ id: 'tiny-random-llama-f32', url: dir }],
      testSets: [{ name: 'sst2', task: SENTIMENT, items: load('sentiment/sst2_test_500.json'), demos: load('sentiment/few_shot/sst2_few_shot.json') }],
      modes: ['icl' as const],
      shots: [4],
      templates: [0],
      limit: 4,
    };
    const res = await runPlan(plan, { engine, store, runId: 'prefix' });
    expect(res).toMatchObject({ status: 'done', done: 4, errors: 0 });
    const records = ((await store.getByCell(res.cells[0].key)) as ClassificationRecord[]).sort((a, b) => a.item - b.item);
    expect(records).toHaveLength(4);
    const ids = await Promise.all(records.map((r) => engine.tokenize(r.prompt, { bos: r.bos })));
    expect(records.map((r) => r.timings.promptTokens)).toEqual(ids.map((x) => x.length));
    expect(records[0].timings.prefilledTokens).toBe(records[0].timings.promptTokens);
    for (const r of records.slice(1)) expect(r.timings.prefilledTokens).toBeLessThan(r.timings.promptTokens / 2);
    expect(records.reduce((n, r) => n + (r.timings.prefilledTokens ?? 0), 0)).toBe(prefillTokensWithReuse(ids));
    // The same numbers as each prompt computed whole (a fresh engine per prompt).
    for (const r of records.slice(1)) {
      const fresh = createNodeCpuEngine();
      await fresh.load({ id: 'tiny-random-llama-f32', url: dir });
      const whole = await fresh.scoreNext({ text: r.prompt, bos: r.bos }, r.labelTokenIds);
      expect(whole.stats.prefillTokens).toBe(r.timings.promptTokens);
      for (let i = 0; i < whole.logprobs.length; i++) expect(Math.abs(whole.logprobs[i] - r.labelLogprobs[i])).toBeLessThan(1e-5);
      await fresh.unload();
    }
    await engine.unload();
  });
});
