/**
 * Runs an evaluation plan on any Engine, one sample at a time, storing each record as soon as
 * it exists. Re-running a plan resumes: a sample whose record (same cell, item and prompt hash)
 * is stored is skipped, so a crash, a reload or a cancel loses at most the sample in flight.
 */
import type { Engine, PromptInput } from '../engine.ts';
import { FtlabError } from '../errors.ts';
import { promptHash } from '../hash.ts';
import type { TaskItem } from '../datasets/types.ts';
import { classifyPrompt, type LabelTokenizer } from '../scoring/index.ts';
import { aggregateCell, type CellAggregate } from './aggregate.ts';
import { RunFailedError } from './errors.ts';
import { DEFAULT_MAX_NEW_TOKENS, describePlan, expandPlan, type EvalPlan, type PlannedCell } from './plan.ts';
import type { RecordStore } from './recordStore.ts';
import type { CellSpec, ClassificationRecord, ErrorRecord, GenerationRecord, RunMeta, SampleRecord, SampleTimings } from './records.ts';
import { generationMetric } from './generationMetric.ts';
import { RECORD_SCHEMA_VERSION, STORED_PLAN_SCHEMA_VERSION } from './schema.ts';
import type { StoredCell } from './stored-plan.ts';
import type { PlanDraft } from './presets.ts';
import { createPromptBuilder, paperEvaluationTokenIds } from '../prompts/index.ts';

/** Makes, for one cell, the function building the prompt of an item. */
export type CellPromptBuilder = (cell: PlannedCell) => (item: TaskItem) => CellPrompt;

/** A sample's prompt: its text and BOS flag, and the exact ids when the cell feeds ids. */
export interface CellPrompt {
  text: string;
  bos: boolean;
  ids?: number[];
}

/** What the engine is given for a prompt: its ids when fixed, else text + BOS. */
function engineInput(p: CellPrompt): PromptInput {
  return p.ids ? { ids: p.ids } : { text: p.text, bos: p.bos };
}

/**
 * The paper's prompts (src/core/prompts): zero-shot = template(x) after BOS; icl = the first k
 * demos of the test set's few-shot pool + template(x), no BOS; fticl = the FTICL pool's first k
 * demos + template(x), after BOS (the training format).
 */
export const paperPrompts: CellPromptBuilder = (cell) => {
  const build = createPromptBuilder(cell.testSet.task, {
    mode: cell.spec.mode,
    shots: cell.spec.shots,
    demos: cell.demos,
    demoTask: cell.demoTask,
    template: cell.spec.template,
    countTokens: false,
  });
  const paperCode = cell.spec.tokenization === 'paper-code';
  return (item) => {
    const p = build(item);
    return paperCode ? { text: p.text, bos: p.bos, ids: paperEvaluationTokenIds(cell.testSet.task, p) } : { text: p.text, bos: p.bos };
  };
};

export interface RunProgress {
  /** Samples evaluated in this run (skipped ones excluded). */
  done: number;
  /** Samples this run has to evaluate (those already stored excluded). */
  total: number;
  /** Samples found stored and skipped. */
  skipped: number;
  /** Error records written so far in this run. */
  errors: number;
  cell?: CellSpec;
  cellKey?: string;
  item?: number;
  /** Position of the cell among the plan's cells (0-based) and how many cells the plan has. */
  cellIndex?: number;
  cellCount?: number;
  /** Samples of this cell evaluated so far in this run, and how many this run has to evaluate. */
  cellDone?: number;
  cellTotal?: number;
  /** The metric of the sample just stored (ROUGE-L F or 0/1); absent for an error. */
  lastMetric?: number;
}

export interface RunOptions {
  engine: Engine;
  store: RecordStore;
  /** Default: paperPrompts. */
  prompts?: CellPromptBuilder;
  /** Default: a fresh id. A resumed run may reuse its id. */
  runId?: string;
  signal?: AbortSignal;
  onProgress?: (p: RunProgress) => void;
  /**
   * Tokenizer for in-context label ids (label scoring 'in-context' / 'full-label'); default the
   * engine's own (engine.tokenize), which is what the model sees. With 'paper' scoring it is
   * only used when given, to add in-context ids and warnings to the records.
   */
  labelTokenizer?: LabelTokenizer;
  /** Re-evaluate samples whose stored record is an error (default false: errors count as done). */
  retryErrors?: boolean;
  /** Stop the run (RunFailedError) after this many failed samples in a row. Default 25. */
  maxConsecutiveErrors?: number;
  /** Bootstrap seed of the ROUGE-L aggregate. Default 0. */
  seed?: number;
  /** The stored plan's name (default: a summary of the plan's models and test sets). */
  planName?: string;
  /** The plan by names (a PlanDraft), kept in the stored plan so a reload can resume it. */
  planDraft?: PlanDraft;
  /** Clock for timings (ms). Default performance.now. */
  now?: () => number;
  /**
   * Samples evaluated at once (default 1). Only for engines whose calls are independent (the
   * openai backend: each is a request to a server); the local engines run one call at a time.
   * Records are stored as each sample finishes, in whatever order that is.
   */
  concurrency?: number;
}

export interface CellResult {
  spec: CellSpec;
  key: string;
  aggregate: CellAggregate;
}

export interface RunResult {
  runId: string;
  status: 'done' | 'cancelled';
  done: number;
  total: number;
  skipped: number;
  errors: number;
  /** Every cell of the plan, aggregated from ALL its stored records (this run's and earlier ones). */
  cells: CellResult[];
}

interface PendingSample {
  cell: PlannedCell;
  /** Position in the test set's items (the first N are evaluated). */
  position: number;
  /** The item's index in its file: the record's `item`. */
  item: number;
  prompt: CellPrompt;
  hash: string;
}

function newRunId(): string {
  return `run-${new Date().toISOString().replace(/[:.]/g, '-')}-${Math.random().toString(36).slice(2, 8)}`;
}

/** "tiny-a, tiny-b on sst2, xsum": a plan's models and test sets in a few words. */
export function defaultPlanName(plan: EvalPlan): string {
  const list = (xs: string[]): string => (xs.length <= 3 ? xs.join(', ') : `${xs.slice(0, 2).join(', ')} +${xs.length - 2}`);
  return `${list(plan.models.map((m) => m.id))} on ${list(plan.testSets.map((t) => t.name))}`;
}

function errorInfo(e: unknown): ErrorRecord['error'] {
  if (e instanceof FtlabError) return { code: e.code, message: e.message, ...(e.hint ? { hint: e.hint } : {}) };
  return { code: 'unexpected', message: (e as Error)?.message ?? String(e) };
}

/** The paper's samples of a cell that have no stored record yet. */
async function pendingOf(cell: PlannedCell, store: RecordStore, prompts: CellPromptBuilder, retryErrors: boolean): Promise<{ pending: PendingSample[]; skipped: number; hashes: Map<number, string> }> {
  const stored = new Map<string, SampleRecord['kind']>();
  for (const r of await store.getByCell(cell.key)) stored.set(`${r.item}|${r.promptHash}`, r.kind);
  const pending: PendingSample[] = [];
  let skipped = 0;
  const buildPrompt = prompts(cell);
  const hashes = new Map<number, string>();
  for (let position = 0; position < cell.itemCount; position++) {
    const testItem = cell.testSet.items[position];
    const prompt = buildPrompt(testItem);
    const hash = await promptHash(engineInput(prompt));
    hashes.set(testItem.index, hash);
    const kind = stored.get(`${testItem.index}|${hash}`);
    if (kind !== undefined && !(retryErrors && kind === 'error')) skipped++;
    else pending.push({ cell, position, item: testItem.index, prompt, hash });
  }
  return { pending, skipped, hashes };
}

/** Run (or resume) a plan. Resolves with status 'cancelled' when the signal aborts. */
export async function runPlan(plan: EvalPlan, opts: RunOptions): Promise<RunResult> {
  const { engine, store, signal } = opts;
  const now = opts.now ?? (() => performance.now());
  const runId = opts.runId ?? newRunId();
  const maxConsecutive = opts.maxConsecutiveErrors ?? 25;
  const maxNewTokens = plan.maxNewTokens ?? DEFAULT_MAX_NEW_TOKENS;
  const cells = expandPlan(plan);

  // Work out what is left before loading any model: a finished model is never loaded again.
  const work: { cell: PlannedCell; pending: PendingSample[]; hashes: Map<number, string> }[] = [];
  const progress: RunProgress = { done: 0, total: 0, skipped: 0, errors: 0 };
  for (const cell of cells) {
    const { pending, skipped, hashes } = await pendingOf(cell, store, opts.prompts ?? paperPrompts, opts.retryErrors ?? false);
    work.push({ cell, pending, hashes });
    progress.total += pending.length;
    progress.skipped += skipped;
  }
  // A resumed run (same id) keeps its creation time.
  const createdAt = (await store.getRun?.(runId))?.createdAt ?? new Date().toISOString();
  const meta = (status: RunMeta['status'], error?: string): RunMeta => ({
    id: runId,
    createdAt,
    updatedAt: new Date().toISOString(),
    status,
    plan: describePlan(plan),
    done: progress.done,
    total: progress.total,
    ...(error ? { error } : {}),
  });
  await store.putRun?.(meta('running'));

  // The stored plan: cells with their expected prompt hashes and aggregates (Results reads it).
  const seed = opts.seed;
  const aggregateOf = async (cell: PlannedCell, wanted: Map<number, string>): Promise<CellAggregate> => {
    const records = (await store.getByCell(cell.key)).filter((r) => wanted.get(r.item) === r.promptHash);
    return aggregateCell(cell.spec, records, { expected: cell.itemCount, seed });
  };
  const storedCells: StoredCell[] = [];
  for (const { cell, hashes, pending } of work) {
    const stored: StoredCell = { key: cell.key, spec: cell.spec, expected: cell.itemCount, hashes: Object.fromEntries([...hashes].map(([i, h]) => [String(i), h])) };
    if (store.putPlan && pending.length < cell.itemCount) stored.aggregate = await aggregateOf(cell, hashes);
    storedCells.push(stored);
  }
  const planCreatedAt = (await store.getPlan?.(runId))?.createdAt ?? createdAt;
  const savePlan = async (status: RunMeta['status'], error?: string): Promise<void> => {
    if (!store.putPlan) return;
    await store.putPlan({
      schemaVersion: STORED_PLAN_SCHEMA_VERSION,
      id: runId,
      name: opts.planName ?? defaultPlanName(plan),
      createdAt: planCreatedAt,
      updatedAt: new Date().toISOString(),
      status,
      plan: describePlan(plan),
      ...(opts.planDraft ? { draft: opts.planDraft } : {}),
      models: plan.models.map((m) => m.id),
      cells: storedCells,
      done: progress.skipped + progress.done,
      total: progress.skipped + progress.total,
      ...(error ? { error } : {}),
    });
  };
  await savePlan('running');
  opts.onProgress?.({ ...progress });

  const onAbort = (): void => void engine.interrupt().catch(() => undefined);
  signal?.addEventListener('abort', onAbort);
  let cancelled = false;
  // Every pending sample in plan order; cells are ordered by model, so a model's samples are one
  // stretch: the model is loaded once, before them, and never again.
  const queue = work.flatMap(({ cell, pending }, cellIndex) => pending.map((sample) => ({ cell, sample, cellIndex, cellTotal: pending.length })));
  const cellDone = new Map<number, number>();
  const concurrency = Math.max(1, Math.floor(opts.concurrency ?? 1));
  try {
    let consecutiveErrors = 0;
    let failure: unknown;
    /** Stores one finished sample; false when the run must stop (cancelled). */
    const finish = async (entry: (typeof queue)[number], record: SampleRecord | 'interrupted'): Promise<boolean> => {
      // An interrupted sample is no result: leave it unstored so the next run redoes it.
      if (record === 'interrupted' || (signal?.aborted && record.kind === 'error')) {
        cancelled = true;
        return false;
      }
      await store.put(record);
      progress.done++;
      if (record.kind === 'error') {
        progress.errors++;
        consecutiveErrors++;
        if (consecutiveErrors >= maxConsecutive) throw new RunFailedError(consecutiveErrors, record.error.message);
      } else consecutiveErrors = 0;
      const done = (cellDone.get(entry.cellIndex) ?? 0) + 1;
      cellDone.set(entry.cellIndex, done);
      opts.onProgress?.({
        ...progress,
        cell: entry.cell.spec,
        cellKey: entry.cell.key,
        item: entry.sample.item,
        cellIndex: entry.cellIndex,
        cellCount: work.length,
        cellDone: done,
        cellTotal: entry.cellTotal,
        ...(record.kind !== 'error' ? { lastMetric: record.metric } : {}),
      });
      // Every 10 samples the run's metadata and stored plan say how far it got, so a page that
      // goes away mid-cell offers "Resume (X of Y done)" with X at most 9 behind.
      if (progress.done % 10 === 0) {
        await store.putRun?.(meta('running'));
        if (done !== entry.cellTotal) await savePlan('running');
      }
      // The cell is finished: its aggregate goes into the stored plan now, not at the run's end.
      if (done === entry.cellTotal && store.putPlan) {
        storedCells[entry.cellIndex].aggregate = await aggregateOf(entry.cell, work[entry.cellIndex].hashes);
        await savePlan('running');
      }
      return true;
    };
    let cursor = 0;
    while (cursor < queue.length && !cancelled && failure === undefined) {
      if (signal?.aborted) {
        cancelled = true;
        break;
      }
      const model = queue[cursor].cell.model;
      await engine.load(model);
      let end = cursor;
      while (end < queue.length && queue[end].cell.model.id === model.id) end++;
      let next = cursor;
      const worker = async (): Promise<void> => {
        while (!cancelled && failure === undefined && next < end) {
          if (signal?.aborted) {
            cancelled = true;
            return;
          }
          const entry = queue[next++];
          const record = await evaluateSample(entry.sample, { engine, runId, now, maxNewTokens, labelTokenizer: opts.labelTokenizer });
          try {
            if (!(await finish(entry, record))) return;
          } catch (e) {
            failure ??= e;
            return;
          }
        }
      };
      await Promise.all(Array.from({ length: Math.min(concurrency, end - cursor) }, worker));
      cursor = end;
    }
    if (failure !== undefined) throw failure;
  } catch (e) {
    const line = e instanceof FtlabError ? e.toLine() : String(e);
    await store.putRun?.(meta('failed', line)).catch(() => undefined);
    await savePlan('failed', line).catch(() => undefined);
    throw e;
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
  await store.putRun?.(meta(cancelled ? 'cancelled' : 'done'));

  const results: CellResult[] = [];
  for (const [i, { cell, hashes: wanted }] of work.entries()) {
    // Only the plan's items, and only records of the prompts the plan builds now.
    const aggregate = await aggregateOf(cell, wanted);
    storedCells[i].aggregate = aggregate;
    results.push({ spec: cell.spec, key: cell.key, aggregate });
  }
  await savePlan(cancelled ? 'cancelled' : 'done');
  return { runId, status: cancelled ? 'cancelled' : 'done', done: progress.done, total: progress.total, skipped: progress.skipped, errors: progress.errors, cells: results };
}

interface SampleContext {
  engine: Engine;
  runId: string;
  now: () => number;
  maxNewTokens: number;
  labelTokenizer?: LabelTokenizer;
}

/** One sample: generate or score labels; any error becomes an error record. */
async function evaluateSample(sample: PendingSample, ctx: SampleContext): Promise<SampleRecord | 'interrupted'> {
  const { cell, item, prompt, hash } = sample;
  const testItem = cell.testSet.items[sample.position];
  const base = {
    schemaVersion: RECORD_SCHEMA_VERSION,
    ...cell.spec,
    cellKey: cell.key,
    item,
    promptHash: hash,
    prompt: prompt.text,
    bos: prompt.bos,
    ...(prompt.ids ? { promptIds: prompt.ids } : {}),
    reference: testItem.output,
    runId: ctx.runId,
  };
  const startedAt = new Date().toISOString();
  const t0 = ctx.now();
  const timings = (s: { prefillTokens: number; prefillMs: number; decodeMs: number }, promptTokens: number, newTokens: number): SampleTimings => ({
    startedAt,
    totalMs: ctx.now() - t0,
    prefillMs: s.prefillMs,
    decodeMs: s.decodeMs,
    promptTokens,
    prefilledTokens: s.prefillTokens,
    newTokens,
  });
  const input = engineInput(prompt);
  try {
    if (cell.spec.scoring === 'generate') {
      const res = await ctx.engine.generate({ prompt: input, maxTokens: ctx.maxNewTokens, stopAtEos: true });
      if (res.finishReason === 'interrupted') return 'interrupted';
      const { prediction, rougeL } = generationMetric(res.text, testItem.output);
      const record: GenerationRecord = {
        ...base,
        ...(res.servedBy ? { servedBy: res.servedBy } : {}),
        kind: 'generation',
        output: res.text,
        finishReason: res.finishReason,
        prediction,
        rougeL,
        metric: rougeL.fmeasure,
        timings: timings(res.stats, res.promptTokens, res.stats.decodeTokens),
      };
      return record;
    }
    const scoring = cell.spec.scoring;
    // The engine's own tokenizer (the default) is what the model sees; paper ids need none (null: skip).
    const { resolution: ids, scores } = await classifyPrompt(ctx.engine, {
      task: cell.testSet.task,
      prompt,
      scoring,
      ...(ctx.labelTokenizer ? { tokenizer: ctx.labelTokenizer } : scoring === 'paper' ? { tokenizer: null } : {}),
    });
    const correct = scores.prediction === testItem.output ? 1 : 0;
    const record: ClassificationRecord = {
      ...base,
      ...(scores.servedBy ? { servedBy: scores.servedBy } : {}),
      kind: 'classification',
      labels: scores.labels,
      labelTokenIds: scores.tokenIds,
      labelLogprobs: scores.logprobs,
      labelProbs: scores.probs,
      predictionIndex: scores.predictionIndex,
      prediction: scores.prediction,
      metric: correct,
      ...(ids.warnings.length > 0 ? { warnings: ids.warnings.map((w) => w.code) } : {}),
      timings: timings(scores.stats, scores.promptTokens ?? 0, 0),
    };
    return record;
  } catch (e) {
    const record: ErrorRecord = { ...base, kind: 'error', error: errorInfo(e), timings: timings({ prefillTokens: 0, prefillMs: 0, decodeMs: 0 }, 0, 0) };
    return record;
  }
}
