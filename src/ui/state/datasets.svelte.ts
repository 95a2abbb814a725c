/**
 * The datasets this browser has: the built-in examples (always), datasets imported from files and
 * the paper's files fetched from the catalogue (both kept in a DatasetRepo: IndexedDB in the app),
 * and the imports that failed with their item-level problems.
 */
import { catalogueEntries, catalogueEntry, fewShotSetOf, resolveDatasetUrl, type CatalogueEntry } from '../../core/datasets/catalogue.ts';
import { DatasetValidationError } from '../../core/datasets/errors.ts';
import { findDemoOverlaps, type DemoOverlap } from '../../core/datasets/overlap.ts';
import type { DatasetProblem, TaskItem } from '../../core/datasets/types.ts';
import { FtlabError } from '../../core/errors.ts';
import { getTask, isPaperTaskId } from '../../core/tasks/paper-tasks.ts';
import type { PaperTaskId } from '../../core/tasks/types.ts';
import type { DatasetRepo, ImportFailure, StoredDataset } from '../../store/datasetRepo.ts';
import { builtinDatasetId, TYPED_DATASET_ID, TYPED_OUTPUT_KEY } from '../app/routes.ts';
import { builtinExamples } from './builtin-examples.ts';
import { isoNow } from './clock.ts';
import { SvelteSet } from 'svelte/reactivity';

export type DatasetOrigin = 'builtin' | 'catalogue' | 'imported' | 'typed';

export interface Dataset {
  id: string;
  title: string;
  task: PaperTaskId;
  origin: DatasetOrigin;
  source: string;
  items: readonly TaskItem[];
  /** The built-in examples' own demonstration pool. */
  pool?: readonly TaskItem[];
  warnings: readonly DatasetProblem[];
}

/** A catalogue file could not be fetched: names the file and the URL. */
export class CatalogueFetchError extends FtlabError {
  constructor(file: string, url: string, why: string) {
    super('catalogue-fetch', `could not fetch ${file} from ${url}: ${why}`, 'check the catalogue base URL in Datasets (or your connection), then try again');
  }
}

const PAPER_TASKS: readonly PaperTaskId[] = ['sentiment', 'detection', 'inference', 'summary', 'question'];

function builtinDatasets(): Dataset[] {
  return PAPER_TASKS.map((task) => {
    const b = builtinExamples(task);
    return {
      id: builtinDatasetId(task),
      title: `ftlab examples: ${getTask(task).name}`,
      task,
      origin: 'builtin',
      source: 'written for ftlab (not from the paper\'s data)',
      items: b.items,
      pool: b.pool,
      warnings: [],
    };
  });
}

export const TYPED_SOURCE = 'typed in';

/**
 * The one-item dataset of an item typed in on the Playground: the task's input fields (missing
 * ones empty, others ignored), its reference or gold label, and the built-in demonstration pool
 * so ICL and FTICL prompts can be built around it.
 */
export function typedDataset(task: PaperTaskId, typed: Readonly<Record<string, string>>): Dataset {
  const def = getTask(task);
  const fields = Object.fromEntries(def.inputFields.map((f) => [f, typed[f] ?? '']));
  return {
    id: TYPED_DATASET_ID,
    title: 'Typed in',
    task,
    origin: 'typed',
    source: 'typed in on this page (it travels in the link)',
    items: [{ source: TYPED_SOURCE, index: 0, fields, output: typed[TYPED_OUTPUT_KEY] ?? '' }],
    pool: builtinExamples(task).pool,
    warnings: [],
  };
}

function fromStored(d: StoredDataset): Dataset | null {
  if (!isPaperTaskId(d.task)) return null;
  return { id: d.id, title: d.title, task: d.task, origin: d.origin, source: d.source, items: d.items, warnings: d.warnings };
}

export type FetchText = (url: string) => Promise<string>;

export class DatasetLibrary {
  readonly builtins: readonly Dataset[] = builtinDatasets();
  stored = $state.raw<readonly Dataset[]>([]);
  failures = $state.raw<readonly ImportFailure[]>([]);
  /** Catalogue ids being fetched, and the last error per id. */
  readonly fetching = new SvelteSet<string>();
  fetchErrors = $state.raw<Readonly<Record<string, string>>>({});
  /** Whether the repo has been read (links naming a stored dataset wait for it). */
  ready = $state(false);

  constructor(
    private readonly repo: DatasetRepo,
    private readonly fetchText: FetchText,
    private readonly catalogueBase: () => string,
  ) {}

  get all(): readonly Dataset[] {
    return [...this.builtins, ...this.stored];
  }

  async init(): Promise<void> {
    const [stored, failures] = await Promise.all([this.repo.list(), this.repo.failures()]);
    this.stored = stored.map(fromStored).filter((d): d is Dataset => d !== null);
    this.failures = failures;
    this.ready = true;
  }

  get(id: string): Dataset | undefined {
    return this.all.find((d) => d.id === id);
  }

  /** Datasets of a task that hold test items (built-in, imported, catalogue test sets). */
  forTask(task: PaperTaskId): Dataset[] {
    return this.all.filter((d) => d.task === task);
  }

  /** The catalogue entry of an id, when it is one of the paper's files. */
  catalogueEntryOf(id: string): CatalogueEntry | undefined {
    return catalogueEntries().find((e) => e.id === id);
  }

  /**
   * What a link's dataset id means here: present, fetchable from the catalogue, or only in
   * another browser (an imported file).
   */
  availability(id: string): 'present' | 'catalogue' | 'missing' {
    if (this.get(id)) return 'present';
    return this.catalogueEntryOf(id) ? 'catalogue' : 'missing';
  }

  /** Parses a file's text for a task and keeps it; a failure is kept too, with every problem. */
  async importText(fileName: string, text: string, task: PaperTaskId): Promise<{ dataset?: Dataset; failure?: ImportFailure }> {
    const id = `local:${fileName}`;
    const { parseDataset } = await import('../../core/datasets/parse.ts');
    try {
      const parsed = parseDataset(text, { task: getTask(task), source: fileName });
      const stored: StoredDataset = { id, title: fileName, task, origin: 'imported', source: fileName, items: [...parsed.items], warnings: [...parsed.warnings], savedAt: isoNow() };
      await this.repo.put(stored);
      await this.repo.deleteFailure(id);
      this.failures = this.failures.filter((f) => f.id !== id);
      const dataset = fromStored(stored)!;
      this.stored = [...this.stored.filter((d) => d.id !== id), dataset];
      return { dataset };
    } catch (e) {
      if (!(e instanceof DatasetValidationError)) throw e;
      const failure: ImportFailure = { id, fileName, task, message: e.message, problems: [...e.problems], problemCount: e.problemCount, at: isoNow() };
      await this.repo.putFailure(failure);
      this.failures = [...this.failures.filter((f) => f.id !== id), failure];
      return { failure };
    }
  }

  async dismissFailure(id: string): Promise<void> {
    await this.repo.deleteFailure(id);
    this.failures = this.failures.filter((f) => f.id !== id);
  }

  async delete(id: string): Promise<void> {
    await this.repo.delete(id);
    this.stored = this.stored.filter((d) => d.id !== id);
  }

  /** Fetches one of the paper's files from the catalogue base URL (once; then it is kept). */
  async loadCatalogue(id: string): Promise<Dataset> {
    const have = this.get(id);
    if (have) return have;
    const entry = catalogueEntry(id);
    const url = resolveDatasetUrl(this.catalogueBase(), entry);
    const file = entry.path.split('/').at(-1) ?? entry.path;
    this.fetching.add(id);
    try {
      let text: string;
      try {
        text = await this.fetchText(url);
      } catch (e) {
        throw new CatalogueFetchError(file, url, e instanceof Error ? e.message : String(e));
      }
      const { parseDataset } = await import('../../core/datasets/parse.ts');
      const parsed = parseDataset(text, { task: getTask(entry.task), source: file });
      const stored: StoredDataset = { id, title: file, task: entry.task, origin: 'catalogue', source: url, items: [...parsed.items], warnings: [...parsed.warnings], savedAt: isoNow() };
      await this.repo.put(stored);
      const dataset = fromStored(stored)!;
      this.stored = [...this.stored.filter((d) => d.id !== id), dataset];
      const { [id]: _gone, ...rest } = this.fetchErrors;
      this.fetchErrors = rest;
      return dataset;
    } catch (e) {
      this.fetchErrors = { ...this.fetchErrors, [id]: e instanceof Error ? e.message : String(e) };
      throw e;
    } finally {
      this.fetching.delete(id);
    }
  }

  /**
   * The demonstration pool for a test set: an explicit pool id, else the built-in pool, else the
   * catalogue few-shot file of the same dataset (fetched when needed).
   */
  async poolFor(dataset: Dataset, poolId: string): Promise<Dataset | { id: string; items: readonly TaskItem[]; task: PaperTaskId; title: string }> {
    if (poolId) return this.get(poolId) ?? (await this.loadCatalogue(poolId));
    if (dataset.pool) return { id: `${dataset.id}:pool`, items: dataset.pool, task: dataset.task, title: `${dataset.title} (demos)` };
    const entry = this.catalogueEntryOf(dataset.id);
    if (entry) return this.loadCatalogue(fewShotSetOf(entry.dataset).id);
    throw new FtlabError('no-demo-pool', `dataset "${dataset.title}" has no demonstration pool`, 'pick a few-shot pool (import one, or load one from the catalogue), or use zero-shot');
  }

  /** Demos of a pool that are (or partly are) items of a test set (the core finds them). */
  overlaps(task: PaperTaskId, pool: readonly TaskItem[], test: readonly TaskItem[]): DemoOverlap[] {
    return findDemoOverlaps(getTask(task), pool, test);
  }
}
