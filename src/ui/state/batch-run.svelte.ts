/**
 * The Batch view's store, app-lifetime (created once in create-app): the plan being edited, the
 * work it implies (counted before it runs), the running job (core's BatchSession: meter, live
 * cells, pause, cancel, resume) and the run library (every stored plan). Leaving the view loses
 * nothing; after a reload the stored plans (IndexedDB) are what Resume starts from.
 *
 * A plan's models each run in their own model slot (src/ui/state/model-slots): the runner's
 * `engine.load(model)` switches slots instead of reloading one worker.
 */
import type { Engine, ModelSpec } from '../../core/engine.ts';
import { FtlabError } from '../../core/errors.ts';
import { libraryEntries, type LibraryEntry } from '../../core/run/library.ts';
import type { EvalPlan } from '../../core/run/plan.ts';
import type { PlanDraft } from '../../core/run/presets.ts';
import type { RecordStore } from '../../core/run/recordStore.ts';
import type { CellSpec } from '../../core/run/records.ts';
import type { BatchSession, SessionSnapshot } from '../../core/run/session.ts';
import type { StoredPlan } from '../../core/run/stored-plan.ts';
import type { WorkEstimate, Rates } from '../../core/run/estimate.ts';
import { describeError } from '../../engine-client/errors.ts';
import { draftOf, planOf, presetModelIds, readBatchForm, type BatchForm, type CatalogueSource } from './batch-plan.ts';
import type { ModelSlots, ShownError } from './model-slots.svelte.ts';

/** What the store needs of the record store: the runner's contract plus the run library's. */
export interface BatchRecordStore extends RecordStore {
  listPlans(): Promise<StoredPlan[]>;
  /** Deletes a stored plan, its run metadata and the records that run wrote; returns how many records went. */
  deletePlan(id: string): Promise<number>;
}

export interface BatchRunDeps {
  slots: ModelSlots;
  /** Opened once, on first use (IndexedDB in the app, memory in Node tests). */
  store: () => Promise<BatchRecordStore>;
  data: CatalogueSource;
  /** The page's URL: model folders are resolved against it. */
  baseHref: string;
  /** A fresh run id (tests give a fixed one). */
  newRunId?: () => string;
  now?: () => number;
  /** Where the edited plan is kept across reloads (localStorage in the app; none: this session only). */
  storage?: Pick<Storage, 'getItem' | 'setItem'> | null;
}

const FORM_KEY = 'ftlab.batch.form.v1';

/** The work of the edited plan, as the view shows it before Start. */
export type WorkState =
  | { state: 'idle' }
  | { state: 'counting'; cellsDone: number; cells: number }
  | { state: 'ready'; estimate: WorkEstimate; rates?: Rates; draftKey: string }
  | { state: 'error'; error: ShownError };

/** A cell of the running plan (for the live table). */
export interface RunCell {
  key: string;
  spec: CellSpec;
  expected: number;
}

const IDLE: SessionSnapshot = { status: 'idle', meter: { done: 0, total: 0, skipped: 0, errors: 0, planFraction: 0 }, live: {} };

function freshRunId(): string {
  return `run-${new Date().toISOString().replace(/[:.]/g, '-')}-${Math.random().toString(36).slice(2, 8)}`;
}

/** The runner's Engine over the model slots: `load` switches to the model's slot (loading it once). */
export class SlotsEngine implements Engine {
  #current: Engine | null = null;
  constructor(private readonly slots: ModelSlots) {}

  #engine(): Engine {
    if (!this.#current) throw new FtlabError('engine-not-loaded', 'no model is loaded for this batch run', 'start the run again');
    return this.#current;
  }

  async load(model: ModelSpec) {
    const engine = await this.slots.engineFor(model.id);
    this.#current = engine;
    const info = this.slots.slot(model.id)?.info;
    if (!info) throw new FtlabError('engine-not-loaded', `model "${model.id}" did not report what it loaded`, 'load it in the Playground or Models, then start again');
    return info;
  }
  unload = async (): Promise<void> => undefined; // the slots keep their models for the other views
  tokenize: Engine['tokenize'] = (text, opts) => this.#engine().tokenize(text, opts);
  detokenize: Engine['detokenize'] = (ids) => this.#engine().detokenize(ids);
  generate: Engine['generate'] = (req) => this.#engine().generate(req);
  scoreNext: Engine['scoreNext'] = (prompt, ids, opts) => this.#engine().scoreNext(prompt, ids, opts);
  loglikelihood: Engine['loglikelihood'] = (prompt, continuation) => this.#engine().loglikelihood(prompt, continuation);
  interrupt = async (): Promise<void> => {
    await this.#current?.interrupt();
  };
  stats: Engine['stats'] = () => this.#engine().stats();
}

export class BatchRun {
  form = $state<BatchForm>(readBatchForm(null));
  work = $state.raw<WorkState>({ state: 'idle' });
  snapshot = $state.raw<SessionSnapshot>(IDLE);
  /** The cells of the plan that runs (or ran last). */
  cells = $state.raw<readonly RunCell[]>([]);
  plans = $state.raw<readonly StoredPlan[]>([]);
  /** Whether the stored plans have been read once. */
  ready = $state(false);
  error = $state.raw<ShownError | null>(null);
  #session: BatchSession | null = null;
  #store: Promise<BatchRecordStore> | null = null;
  #estimateSeq = 0;

  constructor(private readonly deps: BatchRunDeps) {
    try {
      const saved = deps.storage?.getItem(FORM_KEY);
      if (saved) this.form = readBatchForm(JSON.parse(saved));
    } catch {
      // an unreadable saved form is not worth an error: the defaults
    }
  }

  /** Every stored plan as the run library shows it, newest first. */
  get library(): LibraryEntry[] {
    return libraryEntries(this.plans);
  }

  get busy(): boolean {
    return ['preparing', 'running', 'pausing', 'cancelling'].includes(this.snapshot.status);
  }

  /** The draft the form names, or the reason it cannot be run. */
  get draft(): { draft: PlanDraft } | { error: ShownError } {
    try {
      return { draft: draftOf(this.form, this.deps.slots.sources, this.deps.baseHref) };
    } catch (e) {
      return { error: describeError(e) };
    }
  }

  #openStore(): Promise<BatchRecordStore> {
    this.#store ??= this.deps.store().catch((e: unknown) => {
      this.#store = null;
      throw e;
    });
    return this.#store;
  }

  /** Reads the run library (once at start, again after each change). */
  async refresh(): Promise<void> {
    try {
      this.plans = await (await this.#openStore()).listPlans();
    } catch (e) {
      this.error = describeError(e);
    } finally {
      this.ready = true;
    }
  }

  /** Changes some form fields; the counted work no longer applies. */
  edit(patch: Partial<BatchForm>): void {
    this.form = { ...this.form, ...patch };
    if (patch.trainingSet !== undefined || (patch.source === 'preset' && this.form.models.length === 0)) {
      const picked = presetModelIds(this.deps.slots.sources, this.form.trainingSet);
      if (picked.length > 0) this.form = { ...this.form, models: picked };
    }
    this.#estimateSeq++;
    if (this.work.state !== 'idle') this.work = { state: 'idle' };
    try {
      this.deps.storage?.setItem(FORM_KEY, JSON.stringify(this.form));
    } catch {
      // storage full or disabled: the form holds for this session
    }
  }

  async #toPlan(draft: PlanDraft): Promise<EvalPlan> {
    return planOf(draft, this.deps.data);
  }

  /**
   * Counts the work of the edited plan: cells, samples (and those already stored), prompt tokens
   * with each model's own tokenizer (its slot loads), generated tokens at most, every prompt over
   * its model's context window, and time from rates measured on the first model.
   */
  async estimate(): Promise<void> {
    const d = this.draft;
    if ('error' in d) {
      this.work = { state: 'error', error: d.error };
      return;
    }
    const seq = ++this.#estimateSeq;
    this.work = { state: 'counting', cellsDone: 0, cells: 0 };
    try {
      const [{ estimatePlan, ratesFromStats }, { expandPlan }, { paperPrompts }] = await Promise.all([import('../../core/run/estimate.ts'), import('../../core/run/plan.ts'), import('../../core/run/runner.ts')]);
      const plan = await this.#toPlan(d.draft);
      const store = await this.#openStore();
      const engine = new SlotsEngine(this.deps.slots);
      let loaded: string | undefined;
      const est = await estimatePlan(plan, {
        countTokens: async (p, cell) => {
          if (loaded !== cell.model.id) {
            await engine.load(cell.model);
            loaded = cell.model.id;
          }
          return p.ids ? p.ids.length : (await engine.tokenize(p.text, { bos: p.bos })).length;
        },
        contextWindow: (id) => this.deps.slots.slot(id)?.info?.contextWindow,
        store,
        onProgress: (cellsDone, cells) => {
          if (seq === this.#estimateSeq) this.work = { state: 'counting', cellsDone, cells };
        },
      });
      // Rates measured here: the first model's engine so far, or one short generation on it.
      const cells = expandPlan(plan);
      let rates: Rates | undefined;
      const first = cells[0];
      if (first) {
        await engine.load(first.model);
        rates = ratesFromStats(await engine.stats());
        if (!rates) {
          const shortest = est.perCell.reduce((a, c, i) => (c.maxPromptTokens < est.perCell[a].maxPromptTokens && cells[i].model.id === first.model.id ? i : a), 0);
          const cell = cells[shortest];
          const p = paperPrompts(cell)(cell.testSet.items[0]);
          await engine.generate({ prompt: p.ids ? { ids: p.ids } : { text: p.text, bos: p.bos }, maxTokens: 8 }).catch(() => undefined);
          rates = ratesFromStats(await engine.stats());
        }
      }
      if (seq !== this.#estimateSeq) return;
      const seconds = rates ? est.promptTokens / rates.prefill + est.maxNewTokens / rates.decode : undefined;
      this.work = { state: 'ready', estimate: { ...est, ...(seconds !== undefined ? { seconds } : {}) }, ...(rates ? { rates } : {}), draftKey: JSON.stringify(d.draft) };
    } catch (e) {
      if (seq === this.#estimateSeq) this.work = { state: 'error', error: describeError(e) };
    }
  }

  async #sessionOf(): Promise<BatchSession> {
    if (this.#session) return this.#session;
    const [{ BatchSession }, { expandPlan }] = await Promise.all([import('../../core/run/session.ts'), import('../../core/run/plan.ts')]);
    const store = await this.#openStore();
    const session = new BatchSession({
      engine: () => new SlotsEngine(this.deps.slots),
      store,
      toPlan: async (draft) => {
        const plan = await this.#toPlan(draft);
        this.cells = expandPlan(plan).map((c) => ({ key: c.key, spec: c.spec, expected: c.itemCount }));
        return plan;
      },
      ...(this.deps.now ? { now: this.deps.now } : {}),
    });
    let lastStatus = session.snapshot.status;
    let lastCell: string | undefined;
    session.subscribe((s) => {
      this.snapshot = s;
      // The library follows the run: when it starts, each finished cell, when it stops.
      const cellFinished = s.meter.cellKey !== undefined && s.meter.cellDone === s.meter.cellTotal && s.meter.cellKey !== lastCell;
      if (cellFinished) lastCell = s.meter.cellKey;
      if (s.status !== lastStatus || cellFinished) void this.refresh();
      lastStatus = s.status;
    });
    this.#session = session;
    return session;
  }

  /** Starts the edited plan as a new run. Resolves when the run stops, however it stops. */
  async start(): Promise<void> {
    const d = this.draft;
    if ('error' in d) {
      this.error = d.error;
      return;
    }
    await this.#run(d.draft, (this.deps.newRunId ?? freshRunId)());
  }

  /** Resumes a stored run from its draft: its stored samples are skipped. */
  async resume(id: string): Promise<void> {
    const p = this.plans.find((x) => x.id === id) ?? (await (await this.#openStore()).getPlan?.(id));
    if (!p?.draft) {
      this.error = describeError(new FtlabError('run-not-resumable', `run ${id} cannot be resumed here`, 'it has no stored draft (a run of the CLI, or imported records): run its plan again'));
      return;
    }
    await this.#run(p.draft, id);
  }

  async #run(draft: PlanDraft, runId: string): Promise<void> {
    if (this.busy) return;
    this.error = null;
    try {
      const session = await this.#sessionOf();
      await session.start(draft, { runId });
    } catch (e) {
      this.error = describeError(e);
    }
    await this.refresh();
  }

  pause(): void {
    this.#session?.pause();
  }

  cancel(): void {
    this.#session?.cancel();
  }

  /** Deletes a stored run (its plan and the records it wrote). Not the one running now. */
  async delete(id: string): Promise<number> {
    if (this.busy && this.snapshot.runId === id) {
      this.error = describeError(new FtlabError('run-busy', 'this run is running now', 'pause or cancel it before deleting it'));
      return 0;
    }
    try {
      const n = await (await this.#openStore()).deletePlan(id);
      await this.refresh();
      return n;
    } catch (e) {
      this.error = describeError(e);
      return 0;
    }
  }
}
