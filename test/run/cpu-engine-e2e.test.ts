/**
 * End to end in Node: the runner drives the real TypeScript cpu engine on the tiny random
 * Llama (Llama-2 vocabulary), with the paper's data and prompts, storing into the IndexedDB
 * store (fake-indexeddb). No test double in the model path: the only wrapper counts calls and
 * forwards them unchanged.
 */
import 'fake-indexeddb/auto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { PAPER_DATA } from '../helpers/paths.ts';
import { ensureTinyModels } from '../../scripts/make-tiny-model.ts';
import { createNodeCpuEngine } from '../../workers/backends/cpu/node.ts';
import type { Engine } from '../../src/core/engine.ts';
import { runPlan, type EvalPlan, type ClassificationRecord, type GenerationRecord } from '../../src/core/run/index.ts';
import { parseDataset } from '../../src/core/datasets/parse.ts';
import { SENTIMENT, SUMMARY, type TaskDefinition } from '../../src/core/tasks/index.ts';
import { deleteFtlabDatabase, openFtlabStore, type IdbRecordStore } from '../../src/store/index.ts';
import { postprocessGeneration } from '../../src/core/metrics/index.ts';

const MODEL_ID = 'tiny-random-llama-f32';
let modelDir: string;
let store: IdbRecordStore;
const DB = `ftlab-e2e-${process.pid}`;

function load(task: TaskDefinition, rel: string) {
  return [...parseDataset(fs.readFileSync(path.join(PAPER_DATA, rel), 'utf8'), { task, source: path.basename(rel) }).items];
}

/** Forwards every call to the real engine and counts the model calls. */
function counting(engine: Engine): Engine & { count: number } {
  const counted = { count: 0 };
  const model = <A extends unknown[], R>(f: (...a: A) => Promise<R>) => (...a: A): Promise<R> => {
    counted.count++;
    return f(...a);
  };
  return Object.assign(counted, {
    load: engine.load.bind(engine),
    unload: engine.unload.bind(engine),
    tokenize: engine.tokenize.bind(engine),
    detokenize: engine.detokenize.bind(engine),
    interrupt: engine.interrupt.bind(engine),
    stats: engine.stats.bind(engine),
    generate: model(engine.generate.bind(engine)),
    scoreNext: model(engine.scoreNext.bind(engine)),
    loglikelihood: model(engine.loglikelihood.bind(engine)),
  });
}

beforeAll(async () => {
  modelDir = ensureTinyModels()[MODEL_ID];
  store = await openFtlabStore(DB);
});
afterAll(async () => {
  store.close();
  await deleteFtlabDatabase(DB);
});

describe('runner × cpu engine × IndexedDB store', () => {
  const plan = (): EvalPlan => ({
    models: [{ id: MODEL_ID, url: modelDir }],
    testSets: [
      { name: 'sst2', task: SENTIMENT, items: load(SENTIMENT, 'sentiment/sst2_test_500.json'), demos: load(SENTIMENT, 'sentiment/few_shot/sst2_few_shot.json') },
      { name: 'xsum', task: SUMMARY, items: load(SUMMARY, 'summary/xsum_test_500.json'), demos: load(SUMMARY, 'summary/few_shot/xsum_few_shot.json') },
    ],
    modes: ['zero-shot', 'icl'],
    shots: [1],
    templates: [0, 1],
    limit: 3,
    maxNewTokens: 4,
  });

  it('evaluates, stores, aggregates; a second run resumes with zero model calls', async () => {
    const engine = counting(createNodeCpuEngine());
    const res = await runPlan(plan(), { engine, store, runId: 'e2e' });
    expect(res.status).toBe('done');
    expect(res.cells).toHaveLength(8);
    expect(res.done).toBe(24);
    expect(res.errors).toBe(0);
    expect(engine.count).toBe(24);

    for (const cell of res.cells) {
      expect(cell.aggregate).toMatchObject({ expected: 3, n: 3, errors: 0, missing: 0 });
      const records = await store.getByCell(cell.key);
      expect(records).toHaveLength(3);
      if (cell.spec.task === 'sentiment') {
        expect(cell.aggregate.accuracy!.value).toBe(cell.aggregate.accuracy!.correct / 3);
        for (const r of records as ClassificationRecord[]) {
          expect(r.labelTokenIds).toEqual([1066, 22198]);
          // The stored log-probs are exactly what the engine reports for this prompt.
          const direct = await engine.scoreNext({ text: r.prompt, bos: r.bos }, [1066, 22198]);
          expect(r.labelLogprobs).toEqual(direct.logprobs);
          expect(r.labelLogprobs.every((x) => x < 0 && Number.isFinite(x))).toBe(true);
        }
      } else {
        for (const r of records as GenerationRecord[]) {
          expect(r.prediction).toBe(postprocessGeneration(r.output));
          expect(r.timings.newTokens).toBeLessThanOrEqual(4);
        }
        expect(cell.aggregate.rougeL!.mid).toBeGreaterThanOrEqual(0);
      }
    }

    const again = counting(createNodeCpuEngine());
    const res2 = await runPlan(plan(), { engine: again, store });
    expect(again.count).toBe(0);
    expect(res2).toMatchObject({ done: 0, skipped: 24 });
    expect(res2.cells.map((c) => c.aggregate)).toEqual(res.cells.map((c) => c.aggregate));
  });

  it('full-label scoring with the engine\'s tokenizer and teacher forcing', async () => {
    const engine = createNodeCpuEngine();
    const p = { ...plan(), testSets: [plan().testSets[0]], modes: ['zero-shot' as const], templates: [0], labelScoring: 'full-label' as const, limit: 2 };
    const res = await runPlan(p, { engine, store });
    const records = (await store.getByCell(res.cells[0].key)) as ClassificationRecord[];
    expect(records).toHaveLength(2);
    for (const r of records) {
      // "positive" is two tokens after ":" (pos|itive): its log-likelihood is below its first token's.
      const first = await engine.scoreNext({ text: r.prompt, bos: true }, [1066]);
      expect(r.labelTokenIds).toEqual([1066, 22198]);
      expect(r.labelLogprobs[0]).toBeLessThan(first.logprobs[0]);
      const ll = await engine.loglikelihood({ text: r.prompt, bos: true }, [1066, 3321]);
      expect(r.labelLogprobs[0]).toBeCloseTo(ll.logprob, 5);
    }
  });
});
