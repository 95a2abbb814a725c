/**
 * The heavy half of the Evaluate panel, loaded on the first Run or results view: the runner
 * (prompts, the Llama-2 vocabulary for paper-code ids, label scoring, ROUGE and the bootstrap)
 * and the IndexedDB store. Everything here is core's and store's; this only wires the panel to
 * them: an Engine over the loaded model, the store opened once per page, and a plan's cells
 * read back from the store.
 */
import type { Engine, LoadedModelInfo, ModelSpec, PromptInput } from '../../core/engine.ts';
import { promptHash } from '../../core/hash.ts';
import { aggregateCell, type CellAggregate } from '../../core/run/aggregate.ts';
import { expandPlan, type EvalPlan } from '../../core/run/plan.ts';
import { paperPrompts, runPlan, type RunProgress, type RunResult } from '../../core/run/runner.ts';
import type { CellSpec, SampleRecord } from '../../core/run/records.ts';
import { openFtlabStore, type IdbRecordStore } from '../../store/index.ts';
import { EvalModelNotLoadedError } from './errors.ts';

let store: Promise<IdbRecordStore> | null = null;

/** The page's IndexedDB store ("ftlab"), opened on first use and kept open. A failed open is retried next time. */
export function evalStore(): Promise<IdbRecordStore> {
  store ??= openFtlabStore().catch((e: unknown) => {
    store = null;
    throw e;
  });
  return store;
}

/**
 * The runner's Engine: the worker client, whose `load` does not load anything. The panel runs
 * on the model already loaded (panel 1); a plan naming any other model fails with a hint
 * rather than silently swapping the user's model.
 */
export function loadedModelEngine(client: Engine, loaded: () => { spec: ModelSpec; info: LoadedModelInfo } | null): Engine {
  return {
    async load(model) {
      const current = loaded();
      if (!current || current.spec.id !== model.id) throw new EvalModelNotLoadedError(model.id, current?.spec.id ?? null);
      return current.info;
    },
    unload: () => client.unload(),
    tokenize: (text, opts) => client.tokenize(text, opts),
    detokenize: (ids) => client.detokenize(ids),
    generate: (req) => client.generate(req),
    scoreNext: (prompt, ids, opts) => client.scoreNext(prompt, ids, opts),
    loglikelihood: (prompt, continuation) => client.loglikelihood(prompt, continuation),
    interrupt: () => client.interrupt(),
    stats: () => client.stats(),
  };
}

export interface EvaluationOptions {
  engine: Engine;
  signal: AbortSignal;
  onProgress: (p: RunProgress) => void;
  seed: number;
}

/** Runs (or resumes) the plan into the page's store. */
export async function runEvaluation(plan: EvalPlan, o: EvaluationOptions): Promise<RunResult> {
  return runPlan(plan, { engine: o.engine, store: await evalStore(), signal: o.signal, onProgress: o.onProgress, seed: o.seed });
}

/** One cell of a plan as the results table shows it: its numbers and its stored records. */
export interface CellView {
  key: string;
  spec: CellSpec;
  aggregate: CellAggregate;
  /** The cell's records of the plan's prompts, in item order. */
  records: SampleRecord[];
}

/**
 * Every cell of the plan, aggregated from the store. Only records of the prompts the plan
 * builds now count (the runner's rule): a record left by an older prompt for the same item is
 * not this plan's result.
 */
export async function planCells(plan: EvalPlan, seed: number): Promise<CellView[]> {
  const db = await evalStore();
  const out: CellView[] = [];
  for (const cell of expandPlan(plan)) {
    const build = paperPrompts(cell);
    const wanted = new Map<number, string>();
    for (const item of cell.testSet.items.slice(0, cell.itemCount)) {
      const p = build(item);
      const input: PromptInput = p.ids ? { ids: p.ids } : { text: p.text, bos: p.bos };
      wanted.set(item.index, await promptHash(input));
    }
    const records = (await db.getByCell(cell.key)).filter((r) => wanted.get(r.item) === r.promptHash);
    out.push({ key: cell.key, spec: cell.spec, aggregate: aggregateCell(cell.spec, records, { expected: cell.itemCount, seed }), records });
  }
  return out;
}

/** Deletes every stored record of a cell (to evaluate it again from scratch); returns how many went. */
export async function deleteCellRecords(cellKey: string): Promise<number> {
  return (await evalStore()).deleteCell(cellKey);
}
