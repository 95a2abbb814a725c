/**
 * The app's URL: a hash route per view, with every choice that defines the screen in its search
 * parameters, e.g. `#/playground?task=sentiment&data=ftlab-sentiment&item=2&mode=icl&shots=2`.
 *
 * Pure (no Svelte, no window): `parse(hash) → Route` and `format(Route) → hash`, one codec per
 * view. Parsing never fails: an unknown or malformed value falls back to its default, so an old
 * or hand-edited link still opens something sensible. `format` writes only what differs from the
 * defaults, so links stay short; `parse(format(r))` equals `r` for every route (property-tested).
 *
 * Adding a view is one entry in VIEWS, one member of Route and one codec.
 */
import { PROMPT_MODES, PROMPT_TOKENIZATIONS, type PromptMode, type PromptTokenization } from '../../core/prompts/types.ts';
import { LABEL_SCORINGS, type LabelScoring } from '../../core/scoring/kinds.ts';
import { PAPER_TASK_IDS } from '../../core/tasks/paper-tasks.ts';
import type { PaperTaskId } from '../../core/tasks/types.ts';
import { isOneOf } from '../../core/vocabulary.ts';
import { FIGURE_KINDS, type FigureKind } from '../../core/report/figure.ts';
import { SAMPLE_OUTCOMES, SAMPLE_SORTS, type SampleOutcome, type SampleSort } from '../../core/report/drill.ts';

/** The views, in the navigation's order. */
export const VIEWS = ['playground', 'datasets', 'models', 'batch', 'results'] as const;
export type ViewName = (typeof VIEWS)[number];

export const DEFAULT_MODEL_ID = 'tiny-random-llama-f32';

/** The dataset id of an item typed in on the Playground (its text travels in the URL). */
export const TYPED_DATASET_ID = 'typed';
/** The typed-in item's reference (generation) or gold label (classification), beside its input fields. */
export const TYPED_OUTPUT_KEY = 'output';
/** URL parameter prefix of the typed-in item's fields: `t.input=…&t.output=…`. */
const TYPED_PARAM = 't.';

/** The built-in examples' dataset id of a task (src/ui/state/builtin-examples.ts). */
export function builtinDatasetId(task: PaperTaskId): string {
  return `ftlab-${task}`;
}

export interface PlaygroundRoute {
  view: 'playground';
  task: PaperTaskId;
  /** Dataset id: a built-in one ("ftlab-sentiment"), a catalogue test set ("sst2_test_500"), an imported one ("local:…"). */
  data: string;
  /** 0-based item position in the dataset. */
  item: number;
  mode: PromptMode;
  /** k demonstrations (0 in zero-shot). */
  shots: number;
  /** The demo pool's dataset id; '' means the test set's own pool (icl) or the built-in pool. */
  pool: string;
  /** Template index: the paper's map 0 or 1. */
  map: number;
  scoring: LabelScoring;
  tokenization: PromptTokenization;
  /** Model ids, one column each, in order. */
  models: string[];
  /** Presentation mode: setup hidden, large type. */
  present: boolean;
  /** Word-level differences between the columns' outputs. */
  diff: boolean;
  /**
   * The typed-in item (used when `data` is TYPED_DATASET_ID): its input fields and its
   * reference or gold label under TYPED_OUTPUT_KEY. It is in the URL, so a link carries it.
   */
  typed: Readonly<Record<string, string>>;
}

export interface DatasetsRoute {
  view: 'datasets';
  /** The dataset shown; '' for the list. */
  dataset: string;
  /** Search text over its items. */
  q: string;
  /** 0-based page of items. */
  page: number;
}

export interface ModelsRoute {
  view: 'models';
  /** The model shown in detail; '' for none. */
  model: string;
}

/** Batch: plan and run the paper's study; the run itself lives in the batch-run store. */
export interface BatchRoute {
  view: 'batch';
}


/** Which figures the Results view shows: one column group, or all of them. */
export const RESULTS_FIGURES = ['all', ...FIGURE_KINDS] as const;
export type ResultsFigure = 'all' | FigureKind;

/** How the Results view draws a figure panel: the study matrix, or grouped bars as the paper's figures. */
export const RESULTS_LAYOUTS = ['matrix', 'bars'] as const;
export type ResultsLayout = (typeof RESULTS_LAYOUTS)[number];

export interface ResultsRoute {
  view: 'results';
  /** Stored plan (run) id; '' for the newest. */
  plan: string;
  /** Training set the figure is about; '' for the run's first. */
  training: string;
  figure: ResultsFigure;
  /** Matrix or bar chart (URL `as`). */
  layout: ResultsLayout;
  /** Panel id ("icl-2-map0"); '' for every panel (presentation shows the first). */
  panel: string;
  /** The drilled cell's key; '' for none. */
  cell: string;
  outcome: SampleOutcome;
  /** Confusion-matrix filters (gold row, predicted column); '' for none. */
  gold: string;
  predicted: string;
  q: string;
  sort: SampleSort;
  /** The sample shown (item index); -1 for none. */
  sample: number;
  /** A second run to compare with; '' for none. */
  compare: string;
  /** Compare: only samples whose prediction changed. */
  changed: boolean;
  present: boolean;
}

export type Route = PlaygroundRoute | DatasetsRoute | ModelsRoute | BatchRoute | ResultsRoute;
export type RouteOf<V extends ViewName> = Extract<Route, { view: V }>;

interface Codec<R extends Route> {
  defaults(): R;
  /** Reads the search parameters; anything missing or invalid keeps its default. */
  read(params: URLSearchParams): R;
  /** Writes the fields that differ from the defaults. */
  write(route: R, params: URLSearchParams): void;
}

const MAX_SHOTS = 64;

function readInt(params: URLSearchParams, key: string, fallback: number, min: number, max: number): number {
  const raw = params.get(key);
  if (raw === null || !/^\d+$/.test(raw)) return fallback;
  const n = Number(raw);
  return n >= min && n <= max ? n : fallback;
}

function readOne<T extends string>(params: URLSearchParams, key: string, values: readonly T[], fallback: T): T {
  const raw = params.get(key);
  return isOneOf(values, raw) ? raw : fallback;
}

function readText(params: URLSearchParams, key: string, fallback: string): string {
  return params.get(key) ?? fallback;
}

/** Model ids travel comma-separated; ids never contain commas (they are folder-like names). */
function readList(params: URLSearchParams, key: string, fallback: string[]): string[] {
  const raw = params.get(key);
  if (raw === null) return fallback;
  return raw.split(',').filter((s) => s.length > 0);
}

function setIf(params: URLSearchParams, key: string, value: string, fallback: string): void {
  if (value !== fallback) params.set(key, value);
}

export function playgroundDefaults(task: PaperTaskId = 'sentiment'): PlaygroundRoute {
  return {
    view: 'playground',
    task,
    data: builtinDatasetId(task),
    item: 0,
    mode: 'zero-shot',
    shots: 0,
    pool: '',
    map: 0,
    scoring: 'paper',
    tokenization: 'protocol',
    models: [DEFAULT_MODEL_ID],
    present: false,
    diff: false,
    typed: {},
  };
}

function readTyped(params: URLSearchParams): Record<string, string> {
  // fromEntries defines own properties, so even a key such as "__proto__" stays plain data.
  return Object.fromEntries([...params].filter(([key]) => key.startsWith(TYPED_PARAM) && key.length > TYPED_PARAM.length).map(([key, value]) => [key.slice(TYPED_PARAM.length), value]));
}

const playground: Codec<PlaygroundRoute> = {
  defaults: () => playgroundDefaults(),
  read(p) {
    const task = readOne(p, 'task', PAPER_TASK_IDS, 'sentiment');
    const d = playgroundDefaults(task);
    return {
      view: 'playground',
      task,
      data: readText(p, 'data', d.data),
      item: readInt(p, 'item', d.item, 0, Number.MAX_SAFE_INTEGER),
      mode: readOne(p, 'mode', PROMPT_MODES, d.mode),
      shots: readInt(p, 'shots', d.shots, 0, MAX_SHOTS),
      pool: readText(p, 'pool', d.pool),
      map: readInt(p, 'map', d.map, 0, 9),
      scoring: readOne(p, 'score', LABEL_SCORINGS, d.scoring),
      tokenization: readOne(p, 'tok', PROMPT_TOKENIZATIONS, d.tokenization),
      models: readList(p, 'models', d.models),
      present: p.get('present') === '1',
      diff: p.get('diff') === '1',
      typed: readTyped(p),
    };
  },
  write(r, p) {
    const d = playgroundDefaults(r.task);
    setIf(p, 'task', r.task, 'sentiment');
    setIf(p, 'data', r.data, d.data);
    setIf(p, 'item', String(r.item), String(d.item));
    setIf(p, 'mode', r.mode, d.mode);
    setIf(p, 'shots', String(r.shots), String(d.shots));
    setIf(p, 'pool', r.pool, d.pool);
    setIf(p, 'map', String(r.map), String(d.map));
    setIf(p, 'score', r.scoring, d.scoring);
    setIf(p, 'tok', r.tokenization, d.tokenization);
    setIf(p, 'models', r.models.join(','), d.models.join(','));
    if (r.present) p.set('present', '1');
    if (r.diff) p.set('diff', '1');
    for (const key of Object.keys(r.typed).sort()) p.set(TYPED_PARAM + key, r.typed[key]);
  },
};

const datasets: Codec<DatasetsRoute> = {
  defaults: () => ({ view: 'datasets', dataset: '', q: '', page: 0 }),
  read: (p) => ({ view: 'datasets', dataset: readText(p, 'dataset', ''), q: readText(p, 'q', ''), page: readInt(p, 'page', 0, 0, Number.MAX_SAFE_INTEGER) }),
  write(r, p) {
    setIf(p, 'dataset', r.dataset, '');
    setIf(p, 'q', r.q, '');
    setIf(p, 'page', String(r.page), '0');
  },
};

const models: Codec<ModelsRoute> = {
  defaults: () => ({ view: 'models', model: '' }),
  read: (p) => ({ view: 'models', model: readText(p, 'model', '') }),
  write: (r, p) => setIf(p, 'model', r.model, ''),
};

const batch: Codec<BatchRoute> = {
  defaults: () => ({ view: 'batch' }),
  read: () => ({ view: 'batch' }),
  write: () => undefined,
};


const results: Codec<ResultsRoute> = {
  defaults: () => ({ view: 'results', plan: '', training: '', figure: 'all', layout: 'matrix', panel: '', cell: '', outcome: 'all', gold: '', predicted: '', q: '', sort: 'item', sample: -1, compare: '', changed: false, present: false }),
  read: (p) => ({
    view: 'results',
    plan: readText(p, 'plan', ''),
    training: readText(p, 'training', ''),
    figure: readOne(p, 'figure', RESULTS_FIGURES, 'all'),
    layout: readOne(p, 'as', RESULTS_LAYOUTS, 'matrix'),
    panel: readText(p, 'panel', ''),
    cell: readText(p, 'cell', ''),
    outcome: readOne(p, 'outcome', SAMPLE_OUTCOMES, 'all'),
    gold: readText(p, 'gold', ''),
    predicted: readText(p, 'predicted', ''),
    q: readText(p, 'q', ''),
    sort: readOne(p, 'sort', SAMPLE_SORTS, 'item'),
    sample: readInt(p, 'sample', -1, 0, Number.MAX_SAFE_INTEGER),
    compare: readText(p, 'compare', ''),
    changed: p.get('changed') === '1',
    present: p.get('present') === '1',
  }),
  write(r, p) {
    for (const k of ['plan', 'training', 'panel', 'cell', 'gold', 'predicted', 'q', 'compare'] as const) setIf(p, k, r[k], '');
    setIf(p, 'figure', r.figure, 'all');
    setIf(p, 'as', r.layout, 'matrix');
    setIf(p, 'outcome', r.outcome, 'all');
    setIf(p, 'sort', r.sort, 'item');
    if (r.sample >= 0) p.set('sample', String(r.sample));
    if (r.changed) p.set('changed', '1');
    if (r.present) p.set('present', '1');
  },
};

const CODECS: { [V in ViewName]: Codec<RouteOf<V>> } = { playground, datasets, models, batch, results };

/** The route a bare page (no hash, or an unknown view) opens on: the Playground. */
export const HOME: Route = playground.defaults();

/** The default route of a view. */
export function defaultRoute<V extends ViewName>(view: V): RouteOf<V> {
  return CODECS[view].defaults();
}

/** `#/view?params` (or `/view?params`, or the empty string) → Route. Never throws. */
export function parse(hash: string): Route {
  const body = hash.replace(/^#/, '').replace(/^\//, '');
  const q = body.indexOf('?');
  const view = q < 0 ? body : body.slice(0, q);
  const search = q < 0 ? '' : body.slice(q + 1);
  if (!isOneOf(VIEWS, view)) return HOME;
  return CODECS[view].read(new URLSearchParams(search));
}

/** Route → `#/view?params`, with only the parameters that differ from the defaults. */
export function format(route: Route): string {
  const params = new URLSearchParams();
  // A switch keeps each codec paired with its own route type (no casts).
  switch (route.view) {
    case 'playground':
      playground.write(route, params);
      break;
    case 'datasets':
      datasets.write(route, params);
      break;
    case 'models':
      models.write(route, params);
      break;
    case 'results':
      results.write(route, params);
      break;
    case 'batch':
      batch.write(route, params);
      break;
    default: {
      const unknown: never = route;
      throw new Error(`no codec for route ${JSON.stringify(unknown)}`);
    }
  }
  const search = params.toString();
  return `#/${route.view}${search ? `?${search}` : ''}`;
}
