/**
 * A batch run as the app holds it, framework-free: start a plan draft, pause, cancel, resume;
 * the meter (samples/s and time left for the plan and for the current cell), each cell's live
 * metric, and the status, pushed to subscribers as immutable snapshots. The Batch view's store
 * (src/ui/state) wraps one session for the app's lifetime, so leaving the view loses nothing;
 * after a reload the stored plan (with its draft) is what Resume starts from.
 *
 * Pause and cancel both stop between samples (the sample in flight is finished or dropped,
 * never half-stored); a paused run is meant to be resumed, a cancelled one may be.
 */
import type { Engine } from '../engine.ts';
import { expandPlan, type EvalPlan } from './plan.ts';
import type { PlanDraft } from './presets.ts';
import type { RecordStore } from './recordStore.ts';
import { runPlan, type RunProgress, type RunResult } from './runner.ts';

export type SessionStatus = 'idle' | 'preparing' | 'running' | 'pausing' | 'paused' | 'cancelling' | 'cancelled' | 'done' | 'failed';

export interface Meter {
  /** Samples this run evaluates (stored ones excluded), and how many are done. */
  done: number;
  total: number;
  /** Found stored and skipped. */
  skipped: number;
  errors: number;
  /** 0..1 of the whole plan, stored samples counted as done. */
  planFraction: number;
  /** Samples per second (after the first sample, which pays for warming up). */
  rate?: number;
  etaSeconds?: number;
  cellIndex?: number;
  cellCount?: number;
  cellKey?: string;
  cellDone?: number;
  cellTotal?: number;
  cellEtaSeconds?: number;
}

/** A cell's live numbers while it runs: the running mean of its metric over this run's samples. */
export interface LiveCell {
  n: number;
  errors: number;
  mean: number;
}

export interface SessionSnapshot {
  status: SessionStatus;
  runId?: string;
  draft?: PlanDraft;
  meter: Meter;
  live: Readonly<Record<string, LiveCell>>;
  result?: RunResult;
  error?: { code: string; message: string; hint?: string };
}

export interface SessionDeps {
  engine: () => Engine | Promise<Engine>;
  store: RecordStore;
  /** Loads the draft's test sets (catalogue, imported datasets) into a runnable plan. */
  toPlan: (draft: PlanDraft) => Promise<EvalPlan>;
  now?: () => number;
}

const EMPTY: Meter = { done: 0, total: 0, skipped: 0, errors: 0, planFraction: 0 };

function errorOf(e: unknown): SessionSnapshot['error'] {
  const x = e as { code?: unknown; message?: unknown; hint?: unknown } | null;
  return { code: typeof x?.code === 'string' ? x.code : 'unexpected', message: typeof x?.message === 'string' ? x.message : String(e), ...(typeof x?.hint === 'string' ? { hint: x.hint } : {}) };
}

export class BatchSession {
  private snap: SessionSnapshot = { status: 'idle', meter: EMPTY, live: {} };
  private readonly listeners = new Set<(s: SessionSnapshot) => void>();
  private controller: AbortController | undefined;
  private stopAs: 'paused' | 'cancelled' = 'cancelled';
  private firstAt: number | undefined;
  private lastAt = 0;
  private cellFirstAt: number | undefined;
  private cellKey: string | undefined;
  private readonly now: () => number;

  constructor(private readonly deps: SessionDeps) {
    this.now = deps.now ?? (() => performance.now());
  }

  get snapshot(): SessionSnapshot {
    return this.snap;
  }

  get busy(): boolean {
    return ['preparing', 'running', 'pausing', 'cancelling'].includes(this.snap.status);
  }

  subscribe(fn: (s: SessionSnapshot) => void): () => void {
    this.listeners.add(fn);
    fn(this.snap);
    return () => void this.listeners.delete(fn);
  }

  private set(next: Partial<SessionSnapshot>): void {
    this.snap = { ...this.snap, ...next };
    for (const fn of this.listeners) fn(this.snap);
  }

  /** Stop after the sample in flight; the run can be resumed. */
  pause(): void {
    if (!this.controller || this.snap.status !== 'running') return;
    this.stopAs = 'paused';
    this.set({ status: 'pausing' });
    this.controller.abort();
  }

  cancel(): void {
    if (!this.controller || !this.busy || this.snap.status === 'cancelling') return;
    this.stopAs = 'cancelled';
    this.set({ status: 'cancelling' });
    this.controller.abort();
  }

  /** Resume a stored run (its id and draft): the stored samples are skipped. */
  resume(runId: string, draft: PlanDraft): Promise<RunResult | undefined> {
    return this.start(draft, { runId });
  }

  /** Run (or resume, with the same runId) a draft. Resolves when it stops, however it stops. */
  async start(draft: PlanDraft, opts: { runId?: string } = {}): Promise<RunResult | undefined> {
    if (this.busy) throw new Error('a batch run is already in progress: pause or cancel it first');
    const controller = new AbortController();
    this.controller = controller;
    this.stopAs = 'cancelled';
    this.firstAt = undefined;
    this.cellFirstAt = undefined;
    this.cellKey = undefined;
    this.set({ status: 'preparing', draft, meter: EMPTY, live: {}, result: undefined, error: undefined, runId: opts.runId });
    try {
      const plan = await this.deps.toPlan(draft);
      const planSamples = expandPlan(plan).reduce((n, c) => n + c.itemCount, 0);
      const engine = await this.deps.engine();
      if (controller.signal.aborted) {
        this.set({ status: this.stopAs });
        return undefined;
      }
      this.set({ status: 'running' });
      const result = await runPlan(plan, {
        engine,
        store: this.deps.store,
        signal: controller.signal,
        planName: draft.name,
        planDraft: draft,
        ...(opts.runId ? { runId: opts.runId } : {}),
        onProgress: (p) => this.onProgress(p, planSamples),
      });
      this.set({ status: result.status === 'done' ? 'done' : this.stopAs, result, runId: result.runId });
      return result;
    } catch (e) {
      this.set({ status: 'failed', error: errorOf(e) });
      return undefined;
    } finally {
      if (this.controller === controller) this.controller = undefined;
    }
  }

  private onProgress(p: RunProgress, planSamples: number): void {
    const t = this.now();
    const live = { ...this.snap.live };
    if (p.cellKey !== undefined && p.done > this.snap.meter.done) {
      if (this.firstAt === undefined) this.firstAt = t;
      this.lastAt = t;
      if (this.cellKey !== p.cellKey) {
        this.cellKey = p.cellKey;
        this.cellFirstAt = t;
      }
      const prev = live[p.cellKey] ?? { n: 0, errors: 0, mean: 0 };
      const errored = p.errors > this.snap.meter.errors;
      live[p.cellKey] = errored ? { ...prev, errors: prev.errors + 1 } : { ...prev, n: prev.n + 1, mean: prev.mean + ((p.lastMetric ?? 0) - prev.mean) / (prev.n + 1) };
    }
    const rate = this.firstAt !== undefined && p.done >= 2 && this.lastAt > this.firstAt ? ((p.done - 1) * 1000) / (this.lastAt - this.firstAt) : undefined;
    const cellRate = this.cellFirstAt !== undefined && (p.cellDone ?? 0) >= 2 && this.lastAt > this.cellFirstAt ? (((p.cellDone ?? 0) - 1) * 1000) / (this.lastAt - this.cellFirstAt) : rate;
    const meter: Meter = {
      done: p.done,
      total: p.total,
      skipped: p.skipped,
      errors: p.errors,
      planFraction: planSamples > 0 ? Math.min(1, (p.skipped + p.done) / planSamples) : 1,
      ...(rate !== undefined ? { rate, etaSeconds: (p.total - p.done) / rate } : {}),
      ...(p.cellIndex !== undefined ? { cellIndex: p.cellIndex, cellCount: p.cellCount, cellKey: p.cellKey, cellDone: p.cellDone, cellTotal: p.cellTotal } : {}),
      ...(cellRate !== undefined && p.cellTotal !== undefined && p.cellDone !== undefined ? { cellEtaSeconds: (p.cellTotal - p.cellDone) / cellRate } : {}),
    };
    this.set({ meter, live });
  }
}
