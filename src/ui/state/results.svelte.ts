/**
 * The Results view's app-lifetime store: the stored runs (plans), the open run's cells (from its
 * stored aggregates: a 100-cell figure reads no record), a drilled cell's samples, a comparison
 * with a second run, export and import. The record store is injected (IndexedDB in the app, a
 * MemoryRecordStore in Node tests); the figures themselves are src/core/report's.
 */
import { trainingSetsOf, type FigureInputCell, type FigureKind, type StudyFigure } from '../../core/report/figure.ts';
import { chartsOf, figuresOf } from './results-figures.ts';
import { exportCsv, exportJson, exportJsonl } from '../../core/report/exchange.ts';
import { compareRuns, type RunComparison } from '../../core/report/compare.ts';
import type { ChartData } from '../../core/report/series.ts';
import type { ModelInfo } from '../../core/report/models.ts';
import { cellsOfStoredPlan } from '../../core/report/stored.ts';
import { FtlabError } from '../../core/errors.ts';
import type { SampleRecord } from '../../core/run/records.ts';
import type { RecordStore } from '../../core/run/recordStore.ts';
import { expectedRecords, type StoredPlan } from '../../core/run/stored-plan.ts';
import { exportTime } from './clock.ts';
import { importResults, type ImportSummary, type ImportTarget } from '../../store/import-results.ts';

/** What Results needs of a record store (IdbRecordStore and MemoryRecordStore both have it). */
export interface ResultsBackend extends ImportTarget, Pick<RecordStore, 'getByCell'> {
  listPlans(): Promise<StoredPlan[]>;
}

export const EXPORT_KINDS = ['csv', 'json', 'jsonl'] as const;
export type ExportKind = (typeof EXPORT_KINDS)[number];

export interface ExportFile {
  name: string;
  mime: string;
  text: string;
}

/** A Results action that cannot be done in the current state (no run open, an unknown run). */
export class ResultsStateError extends FtlabError {
  constructor(message: string, hint?: string) {
    super('results-state', message, hint ?? 'open a run from the list first');
  }
}

export { chartsOf, figuresOf };

export class Results {
  plans = $state.raw<StoredPlan[]>([]);
  /** Whether the run list was read once. */
  listed = $state(false);
  /** The open run. */
  plan = $state.raw<StoredPlan | undefined>(undefined);
  cells = $state.raw<FigureInputCell[]>([]);
  /** The drilled cell's samples (its expected prompts only, as its aggregate counts them). */
  cellKey = $state('');
  samples = $state.raw<SampleRecord[]>([]);
  /** A comparison of the open run (A) with another (B). */
  comparison = $state.raw<RunComparison | undefined>(undefined);
  compareId = $state('');
  lastImport = $state.raw<ImportSummary | undefined>(undefined);
  /** Imports finished (successful or not): a new summary each time. */
  imports = $state(0);
  error = $state<string | null>(null);
  busy = $state(false);

  readonly #open: () => Promise<ResultsBackend>;
  readonly #models: () => readonly ModelInfo[];
  #backend: Promise<ResultsBackend> | undefined;
  #openSeq = 0;
  #cellSeq = 0;
  #compareSeq = 0;

  constructor(open: () => Promise<ResultsBackend>, opts: { models?: () => readonly ModelInfo[] } = {}) {
    this.#open = open;
    this.#models = opts.models ?? (() => []);
  }

  get models(): readonly ModelInfo[] {
    return this.#models();
  }

  #store(): Promise<ResultsBackend> {
    return (this.#backend ??= this.#open());
  }

  #fail(e: unknown): void {
    this.error = e instanceof FtlabError ? `${e.message}${e.hint ? `. What to do: ${e.hint}` : ''}` : ((e as Error)?.message ?? String(e));
  }

  /** Reads the stored plans (newest first). */
  async refresh(): Promise<void> {
    try {
      const plans = await (await this.#store()).listPlans();
      this.plans = [...plans].sort((a, b) => (a.updatedAt < b.updatedAt ? 1 : a.updatedAt > b.updatedAt ? -1 : 0));
      this.listed = true;
    } catch (e) {
      this.#fail(e);
    }
  }

  /** The plan id a route's `plan` names: itself when stored, else the newest run. */
  resolvePlanId(id: string): string {
    return this.plans.some((p) => p.id === id) ? id : (this.plans[0]?.id ?? '');
  }

  /** Opens a run: its cells from the stored aggregates (records read only for a cell without one). */
  async openPlan(id: string): Promise<void> {
    const seq = ++this.#openSeq;
    if (this.plan?.id === id && this.cells.length > 0) return;
    try {
      const store = await this.#store();
      const plan = this.plans.find((p) => p.id === id) ?? (await store.getPlan(id));
      if (!plan) {
        if (seq === this.#openSeq) {
          this.plan = undefined;
          this.cells = [];
        }
        return;
      }
      const cells = await cellsOfStoredPlan(plan, store);
      if (seq !== this.#openSeq) return;
      this.plan = plan;
      this.cells = cells;
      this.cellKey = '';
      this.samples = [];
    } catch (e) {
      this.#fail(e);
    }
  }

  /** The training sets whose figures the open run fills. */
  trainingSets(): string[] {
    return trainingSetsOf(this.cells);
  }

  figures(trainingSet: string, figure: 'all' | FigureKind): StudyFigure[] {
    return figuresOf(this.cells, trainingSet, figure, this.#models());
  }

  charts(datasets: readonly string[]): ChartData[] {
    return chartsOf(this.cells, datasets, this.#models());
  }

  /** Loads a cell's samples (of the open run's plan: only each item's expected prompt). */
  async openCell(key: string): Promise<void> {
    const seq = ++this.#cellSeq;
    if (key === '') {
      this.cellKey = '';
      this.samples = [];
      return;
    }
    if (key === this.cellKey) return;
    try {
      const store = await this.#store();
      const cell = this.plan?.cells.find((c) => c.key === key);
      const all = await store.getByCell(key);
      const samples = cell ? expectedRecords(cell, all) : all;
      if (seq !== this.#cellSeq) return;
      this.cellKey = key;
      this.samples = samples;
    } catch (e) {
      this.#fail(e);
    }
  }

  /** Every record of a run's cells (expected prompts only). */
  async #recordsOf(plan: StoredPlan): Promise<SampleRecord[]> {
    const store = await this.#store();
    const out: SampleRecord[] = [];
    for (const c of plan.cells) out.push(...expectedRecords(c, await store.getByCell(c.key)));
    return out;
  }

  /** Compares the open run (A) with run `id` (B); '' clears the comparison. */
  async compareWith(id: string): Promise<void> {
    const seq = ++this.#compareSeq;
    const a = this.plan;
    if (id === '' || !a) {
      this.compareId = '';
      this.comparison = undefined;
      return;
    }
    if (id === this.compareId && this.comparison) return;
    try {
      const b = this.plans.find((p) => p.id === id) ?? (await (await this.#store()).getPlan(id));
      if (!b) throw new ResultsStateError(`no stored run "${id}" to compare with`, 'pick a run from the list');
      const comparison = compareRuns(await this.#recordsOf(a), await this.#recordsOf(b));
      if (seq !== this.#compareSeq) return;
      this.compareId = id;
      this.comparison = comparison;
    } catch (e) {
      this.#fail(e);
    }
  }

  /** The open run as a file: CSV (one row per cell), JSON (plan, cells, records), JSONL (records, then the plan line). */
  async exportRun(kind: ExportKind, now?: Date): Promise<ExportFile> {
    const plan = this.plan;
    if (!plan) throw new ResultsStateError('no run is open to export', 'open a run first');
    const base = plan.id.replace(/[^A-Za-z0-9._-]+/g, '_');
    if (kind === 'csv') return { name: `${base}.csv`, mime: 'text/csv', text: exportCsv(this.cells) };
    const records = await this.#recordsOf(plan);
    if (kind === 'json') return { name: `${base}.json`, mime: 'application/json', text: exportJson({ plans: [plan], cells: this.cells, records }, now ?? exportTime()) };
    return { name: `${base}.jsonl`, mime: 'application/x-ndjson', text: exportJsonl(records, [plan]) };
  }

  /** Imports a results file; stored records are never replaced. Returns the summary (also in lastImport). */
  async importText(text: string, fileName: string): Promise<ImportSummary | undefined> {
    this.busy = true;
    this.error = null;
    this.lastImport = undefined;
    try {
      const summary = await importResults(await this.#store(), text, fileName);
      this.lastImport = summary;
      await this.refresh();
      return summary;
    } catch (e) {
      this.lastImport = undefined;
      this.#fail(e);
      return undefined;
    } finally {
      this.busy = false;
      this.imports++;
    }
  }

  dismissError(): void {
    this.error = null;
  }
}
