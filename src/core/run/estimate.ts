/**
 * The work a plan implies, before it runs: cells, samples (and how many are already stored),
 * prompt tokens counted with the model's real tokenizer, generated tokens at most, an estimate of
 * time from an engine's measured prefill and decode rates, and every prompt that does not fit
 * its model's context window, listed up front rather than discovered at sample 200.
 */
import type { EngineStats, PromptInput } from '../engine.ts';
import { promptHash } from '../hash.ts';
import { DEFAULT_MAX_NEW_TOKENS, expandPlan, type EvalPlan, type PlannedCell } from './plan.ts';
import type { RecordStore } from './recordStore.ts';
import { paperPrompts, type CellPrompt, type CellPromptBuilder } from './runner.ts';

export interface Rates {
  /** Prompt tokens per second. */
  prefill: number;
  /** Generated tokens per second. */
  decode: number;
}

/** Rates from an engine's accumulated stats (undefined until it has done some of each). */
export function ratesFromStats(s: Pick<EngineStats, 'prefillTokens' | 'prefillMs' | 'decodeTokens' | 'decodeMs'>): Rates | undefined {
  if (s.prefillTokens <= 0 || s.prefillMs <= 0 || s.decodeTokens <= 0 || s.decodeMs <= 0) return undefined;
  return { prefill: (s.prefillTokens / s.prefillMs) * 1000, decode: (s.decodeTokens / s.decodeMs) * 1000 };
}

export interface OverContext {
  cellKey: string;
  modelId: string;
  dataset: string;
  label: string;
  item: number;
  promptTokens: number;
  /** New tokens the sample needs room for (generation budget, or 1 for a label). */
  budget: number;
  contextWindow: number;
}

export interface CellEstimate {
  key: string;
  samples: number;
  stored: number;
  promptTokens: number;
  maxPromptTokens: number;
  maxNewTokens: number;
  overContext: number;
}

export interface WorkEstimate {
  cells: number;
  samples: number;
  /** Samples with a stored record already (a resume skips them). */
  stored: number;
  /** Prompt tokens of the samples still to run. */
  promptTokens: number;
  /** Generated tokens at most (generation budget × generation samples still to run). */
  maxNewTokens: number;
  /** Seconds at the given rates (decode at the full budget: an upper bound); undefined without rates. */
  seconds?: number;
  overContext: OverContext[];
  perCell: CellEstimate[];
}

export interface EstimateOptions {
  /** Prompt tokens of a prompt, with the model's own tokenizer (BOS counted). */
  countTokens: (prompt: CellPrompt, cell: PlannedCell) => number | Promise<number>;
  /** The model's context window (undefined: unknown, not checked). */
  contextWindow?: (modelId: string) => number | undefined;
  rates?: Rates;
  prompts?: CellPromptBuilder;
  /** When given, samples with a stored record are counted as stored and left out of the work. */
  store?: RecordStore;
  /** Told after each cell, for a progress bar on big plans. */
  onProgress?: (cellsDone: number, cells: number) => void;
}

function inputOf(p: CellPrompt): PromptInput {
  return p.ids ? { ids: p.ids } : { text: p.text, bos: p.bos };
}

const label = (c: PlannedCell): string => `${c.spec.dataset} ${c.spec.mode === 'zero-shot' ? 'zero-shot' : `${c.spec.mode} ${c.spec.shots}-shot`} map ${c.spec.template}`;

/** Estimate a plan's work (PlanError for a plan that cannot run, as runPlan would throw). */
export async function estimatePlan(plan: EvalPlan, opts: EstimateOptions): Promise<WorkEstimate> {
  const cells = expandPlan(plan);
  const prompts = opts.prompts ?? paperPrompts;
  const genBudget = plan.maxNewTokens ?? DEFAULT_MAX_NEW_TOKENS;
  // Models share prompts: count each distinct prompt once.
  const cache = new Map<string, number>();
  const out: WorkEstimate = { cells: cells.length, samples: 0, stored: 0, promptTokens: 0, maxNewTokens: 0, overContext: [], perCell: [] };
  for (const [i, cell] of cells.entries()) {
    const build = prompts(cell);
    const window = opts.contextWindow?.(cell.model.id);
    const budget = cell.spec.scoring === 'generate' ? genBudget : 1;
    const storedKeys = new Set(opts.store ? (await opts.store.getByCell(cell.key)).map((r) => `${r.item}|${r.promptHash}`) : []);
    const ce: CellEstimate = { key: cell.key, samples: cell.itemCount, stored: 0, promptTokens: 0, maxPromptTokens: 0, maxNewTokens: 0, overContext: 0 };
    for (let pos = 0; pos < cell.itemCount; pos++) {
      const item = cell.testSet.items[pos];
      const p = build(item);
      if (storedKeys.size > 0 && storedKeys.has(`${item.index}|${await promptHash(inputOf(p))}`)) {
        ce.stored++;
        continue;
      }
      const cacheKey = `${cell.model.id}\u0000${p.ids ? p.ids.join(',') : `${p.bos ? 1 : 0}${p.text}`}`;
      let n = cache.get(cacheKey);
      if (n === undefined) cache.set(cacheKey, (n = await opts.countTokens(p, cell)));
      ce.promptTokens += n;
      ce.maxPromptTokens = Math.max(ce.maxPromptTokens, n);
      if (cell.spec.scoring === 'generate') ce.maxNewTokens += genBudget;
      if (window !== undefined && n + budget > window) {
        ce.overContext++;
        out.overContext.push({ cellKey: cell.key, modelId: cell.model.id, dataset: cell.spec.dataset, label: label(cell), item: item.index, promptTokens: n, budget, contextWindow: window });
      }
    }
    out.samples += ce.samples;
    out.stored += ce.stored;
    out.promptTokens += ce.promptTokens;
    out.maxNewTokens += ce.maxNewTokens;
    out.perCell.push(ce);
    opts.onProgress?.(i + 1, cells.length);
  }
  if (opts.rates) out.seconds = out.promptTokens / opts.rates.prefill + out.maxNewTokens / opts.rates.decode;
  return out;
}
