/**
 * The runner's own cost and opening a stored run's figure.
 *
 * 1. Overhead per sample: runPlan on a zero-cost engine double (every call returns at once), the
 *    paper's prompts on real test sets, records into the in-memory store: everything a sample costs
 *    but the model. Baseline in the same run: the bare minimum on the same samples (build the
 *    prompt, call the double, put a record). Budget: < 5 ms per sample.
 * 2. Opening a 100-cell stored run's matrix: the stored plan (cells, 250 expected hashes each,
 *    aggregates) read from IndexedDB (fake-indexeddb in Node) and buildFigure over it, vs reading
 *    all 25,000 records and aggregating them (what Results would do without stored aggregates).
 *    Budget: < 500 ms.
 */
import 'fake-indexeddb/auto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Engine, GenerateResult, LoadedModelInfo, ScoreNextResult } from '../src/core/engine.ts';
import { catalogueEntry, parseDataset, type TaskItem } from '../src/core/datasets/index.ts';
import { getTask } from '../src/core/tasks/index.ts';
import { aggregateCell, cellKey, expandPlan, MemoryRecordStore, paperPrompts, runPlan, STORED_PLAN_SCHEMA_VERSION, type CellSpec, type EvalPlan, type GenerationRecord, type StoredPlan, type TestSet } from '../src/core/run/index.ts';
import { buildFigure, cellsOfStoredPlan } from '../src/core/report/index.ts';
import { figuresOf } from '../src/ui/state/results-figures.ts';
import { deleteFtlabDatabase, openFtlabStore } from '../src/store/index.ts';
import { PAPER_DATA } from '../test/helpers/paths.ts';

const ZERO = { prefillTokens: 0, decodeTokens: 0, prefillMs: 0, decodeMs: 0 };

/** An Engine whose every call returns at once with a fixed answer. */
function zeroCostEngine(): Engine {
  const info: LoadedModelInfo = { id: 'zero', backend: 'zero', vocabSize: 32000, contextWindow: 1 << 20, bosId: 1, eosId: 2 };
  const gen: GenerateResult = { text: 'a short summary of the text', tokenIds: [1, 2, 3], finishReason: 'eos', promptTokens: 100, stats: ZERO };
  return {
    load: async () => info,
    unload: async () => undefined,
    tokenize: async (t) => Array.from({ length: Math.min(8, t.length) }, (_, i) => i + 3),
    detokenize: async () => '',
    generate: async () => gen,
    scoreNext: async (_p, ids): Promise<ScoreNextResult> => ({ logprobs: ids.map((_, i) => -1 - i), promptTokens: 100, stats: ZERO }),
    loglikelihood: async () => ({ logprob: -1, tokens: [], isGreedy: true, stats: ZERO }),
    interrupt: async () => undefined,
    stats: async () => ({ ...ZERO, calls: 0 }),
  };
}

function load(id: string): readonly TaskItem[] {
  const e = catalogueEntry(id);
  return parseDataset(readFileSync(path.join(PAPER_DATA, e.path), 'utf8'), { task: getTask(e.task), source: id }).items;
}

function testSet(name: string, taskId: string): TestSet {
  const task = getTask(taskId);
  return { name, task, items: load(`${name}_test_500`), demos: load(`${name}_few_shot`) };
}

async function overheadPerSample(): Promise<void> {
  const plan: EvalPlan = { models: [{ id: 'zero', url: '/none' }], testSets: [testSet('sst2', 'sentiment'), testSet('xsum', 'summary')], modes: ['zero-shot', 'icl'], shots: [2], templates: [0], limit: 250 };
  const samples = expandPlan(plan).reduce((n, c) => n + c.itemCount, 0);
  const engine = zeroCostEngine();

  // Baseline: build each prompt, call the double, put a minimal record.
  const baseline = async (): Promise<number> => {
    const store = new MemoryRecordStore();
    const t0 = performance.now();
    for (const cell of expandPlan(plan)) {
      const build = paperPrompts(cell);
      for (let i = 0; i < cell.itemCount; i++) {
        const p = build(cell.testSet.items[i]);
        const r = cell.spec.scoring === 'generate' ? await engine.generate({ prompt: { text: p.text, bos: p.bos }, maxTokens: 60 }) : await engine.scoreNext({ text: p.text, bos: p.bos }, [1, 2]);
        await store.put({ ...cell.spec, cellKey: cell.key, item: i, promptHash: String(i), prompt: p.text, bos: p.bos, reference: '', runId: 'b', timings: { startedAt: '', totalMs: 0, prefillMs: 0, decodeMs: 0, promptTokens: r.promptTokens, newTokens: 0 }, kind: 'error', error: { code: 'x', message: '' } });
      }
    }
    return performance.now() - t0;
  };
  const runner = async (): Promise<number> => {
    const t0 = performance.now();
    await runPlan(plan, { engine, store: new MemoryRecordStore(), runId: 'bench' });
    return performance.now() - t0;
  };
  let base = Infinity;
  let run = Infinity;
  for (let r = 0; r < 3; r++) {
    base = Math.min(base, await baseline());
    run = Math.min(run, await runner());
  }
  const perSample = run / samples;
  console.log(`runner overhead: ${samples} samples (sst2 + xsum, zero-shot + icl 2-shot), zero-cost engine`);
  console.log(`  runPlan ${perSample.toFixed(3)} ms/sample (prompt hash, ROUGE-L, label scoring, records, stored plan, aggregates)`);
  console.log(`  bare loop ${(base / samples).toFixed(3)} ms/sample; runPlan = ×${(run / base).toFixed(1)} the bare loop`);
  console.log(`  budget 5 ms/sample: ${perSample < 5 ? 'ok' : 'OVER'} (${((perSample / 5) * 100).toFixed(0)} % of it)`);
}

async function openStoredMatrix(): Promise<void> {
  const name = `ftlab-bench-${process.pid}`;
  const store = await openFtlabStore(name);
  try {
    const models = ['llama2-7b', 'llama2-7b-ft-paws2000', 'llama2-7b-ft-paws4000', 'llama2-7b-fticl-paws2000', 'llama2-7b-ft-paws6000'];
    const datasets = [['paws', 'detection'], ['qqp', 'detection'], ['stsb', 'detection'], ['sst2', 'sentiment'], ['rte', 'inference']] as const;
    const settings = [{ mode: 'zero-shot', shots: 0 }, { mode: 'icl', shots: 2 }] as const;
    const cells: StoredPlan['cells'] = [];
    const records: GenerationRecord[] = [];
    for (const modelId of models) {
      for (const [dataset, task] of datasets) {
        for (const s of settings) {
          for (const template of [0, 1]) {
            const spec: CellSpec = { modelId, dataset, task, mode: s.mode, shots: s.shots, template, scoring: 'paper' };
            const key = cellKey(spec);
            const recs = Array.from({ length: 250 }, (_, item) => ({ schemaVersion: 2 as const, ...spec, cellKey: key, item, promptHash: `h${item}`, prompt: 'p'.repeat(400), bos: true, reference: 'yes', runId: 'bench', timings: { startedAt: '', totalMs: 1, prefillMs: 1, decodeMs: 0, promptTokens: 100, newTokens: 0 }, kind: 'classification' as const, labels: ['yes', 'no'], labelTokenIds: [1, 2], labelLogprobs: [-0.5, -1], labelProbs: [0.6, 0.4], predictionIndex: item % 3 === 0 ? 1 : 0, prediction: item % 3 === 0 ? 'no' : 'yes', metric: item % 3 === 0 ? 0 : 1 }));
            for (const r of recs) records.push(r as unknown as GenerationRecord);
            cells.push({ key, spec, expected: 250, hashes: Object.fromEntries(recs.map((r) => [String(r.item), r.promptHash])), aggregate: aggregateCell(spec, recs, { expected: 250 }) });
          }
        }
      }
    }
    const plan: StoredPlan = { schemaVersion: STORED_PLAN_SCHEMA_VERSION, id: 'bench', name: 'paws study', createdAt: '2024-01-01', updatedAt: '2024-01-01', status: 'done', plan: {}, models, cells, done: 25000, total: 25000 };
    await store.putPlan(plan);
    await store.putMany(records);
    const fromPlan = async (): Promise<number> => {
      const t0 = performance.now();
      const p = (await store.getPlan('bench'))!;
      buildFigure({ trainingSet: 'paws' }, p.cells.map((c) => ({ key: c.key, spec: c.spec, aggregate: c.aggregate! })));
      return performance.now() - t0;
    };
    const fromRecords = async (): Promise<number> => {
      const t0 = performance.now();
      const p = (await store.getPlan('bench'))!;
      const agg = [];
      for (const c of p.cells) agg.push({ key: c.key, spec: c.spec, aggregate: aggregateCell(c.spec, await store.getByCell(c.key), { expected: c.expected }) });
      buildFigure({ trainingSet: 'paws' }, agg);
      return performance.now() - t0;
    };
    // What the Results view's store does on open: list the stored plans, take the open one's
    // cells (stored aggregates; records only for a cell without one), build every figure.
    const asResultsView = async (): Promise<number> => {
      const t0 = performance.now();
      const p = (await store.listPlans()).find((x) => x.id === 'bench')!;
      const cells = await cellsOfStoredPlan(p, store);
      figuresOf(cells, 'paws', 'all');
      return performance.now() - t0;
    };
    let a = Infinity;
    let b = Infinity;
    let v = Infinity;
    for (let r = 0; r < 3; r++) {
      a = Math.min(a, await fromPlan());
      b = Math.min(b, await fromRecords());
      v = Math.min(v, await asResultsView());
    }
    console.log(`stored run matrix: ${cells.length} cells × 250 samples`);
    console.log(`  from the stored plan (IndexedDB, fake-indexeddb): ${a.toFixed(1)} ms; from every record: ${b.toFixed(1)} ms (×${(b / a).toFixed(1)})`);
    console.log(`  as the Results view opens it (list plans, cells of the plan, the three figures): ${v.toFixed(1)} ms`);
    console.log(`  budget 500 ms: ${Math.max(a, v) < 500 ? 'ok' : 'OVER'} (${((Math.max(a, v) / 500) * 100).toFixed(0)} % of it)`);
  } finally {
    store.close();
    await deleteFtlabDatabase(name);
  }
}

export default async function run(): Promise<void> {
  await overheadPerSample();
  await openStoredMatrix();
}
