/**
 * The paper's data files as a catalogue: what each file is, for which task, and where it lives
 * relative to a base URL (the layout of the authors' data/ folder: `<task>/<name>_test_500.json`,
 * `<task>/few_shot/<name>_few_shot.json`, `<task>/<name>_train_<N>.json`).
 * Item counts are the published files' (several differ from their names).
 */
import type { PaperTaskId } from '../tasks/types.ts';
import { UnknownDatasetError } from './errors.ts';

export type DatasetRole = 'test' | 'few-shot' | 'train';

export interface CatalogueEntry {
  /** File stem, unique: "xsum_test_500", "cnn_few_shot", "paws_train_6000". */
  readonly id: string;
  /** The dataset's short name: "xsum", "cnn", "paws". */
  readonly dataset: string;
  readonly task: PaperTaskId;
  readonly role: DatasetRole;
  /** Relative to the catalogue's base URL, e.g. "summary/xsum_test_500.json". */
  readonly path: string;
  /** Items in the published file. */
  readonly items: number;
  /** Whether the paper's evaluation uses it (snli's test set is published but unused). */
  readonly usedByPaper: boolean;
  readonly note?: string;
}

/** The paper's name for each dataset, for display. */
export const DATASET_TITLES: Readonly<Record<string, string>> = {
  xsum: 'XSum',
  xlsum: 'XL-Sum',
  pdfs: 'PeerRead',
  cnn: 'CNN/DailyMail',
  socialqa: 'Social IQa',
  tweetqa: 'TweetQA',
  sciqa: 'SciQA',
  amazon: 'Amazon',
  amazonfood: 'Amazon Food',
  sst2: 'SST-2',
  yelp: 'Yelp',
  paws: 'PAWS',
  qqp: 'QQP',
  stsb: 'STS-B',
  multinli: 'MultiNLI',
  multinli2: 'MultiNLI (2)',
  rte: 'RTE',
  gptnli: 'GPT-NLI',
  snli: 'SNLI',
};

function test(task: PaperTaskId, dataset: string, items = 500, usedByPaper = true, note?: string): CatalogueEntry {
  return { id: `${dataset}_test_500`, dataset, task, role: 'test', path: `${task}/${dataset}_test_500.json`, items, usedByPaper, ...(note ? { note } : {}) };
}
function fewShot(task: PaperTaskId, dataset: string, items: number): CatalogueEntry {
  return { id: `${dataset}_few_shot`, dataset, task, role: 'few-shot', path: `${task}/few_shot/${dataset}_few_shot.json`, items, usedByPaper: true };
}
function train(task: PaperTaskId, dataset: string, size: number, items = size, note?: string): CatalogueEntry {
  return { id: `${dataset}_train_${size}`, dataset, task, role: 'train', path: `${task}/${dataset}_train_${size}.json`, items, usedByPaper: true, ...(note ? { note } : {}) };
}

export const PAPER_CATALOGUE: readonly CatalogueEntry[] = Object.freeze([
  // summary
  test('summary', 'xsum'),
  test('summary', 'xlsum'),
  test('summary', 'pdfs'),
  test('summary', 'cnn', 382, true, 'only 382 items despite the file name'),
  fewShot('summary', 'xsum', 4),
  fewShot('summary', 'xlsum', 4),
  fewShot('summary', 'pdfs', 4),
  fewShot('summary', 'cnn', 4),
  train('summary', 'xsum', 2000, 2000, 'xsum_train_4000 and _6000 are missing upstream'),
  // question
  test('question', 'socialqa'),
  test('question', 'tweetqa'),
  test('question', 'sciqa'),
  fewShot('question', 'socialqa', 8),
  fewShot('question', 'tweetqa', 4),
  fewShot('question', 'sciqa', 8),
  train('question', 'socialqa', 2000),
  train('question', 'socialqa', 4000),
  train('question', 'socialqa', 6000),
  // sentiment
  test('sentiment', 'amazon'),
  test('sentiment', 'amazonfood'),
  test('sentiment', 'sst2'),
  test('sentiment', 'yelp'),
  fewShot('sentiment', 'amazon', 8),
  fewShot('sentiment', 'amazonfood', 8),
  fewShot('sentiment', 'sst2', 8),
  fewShot('sentiment', 'yelp', 8),
  train('sentiment', 'amazon', 2000),
  train('sentiment', 'amazon', 4000),
  train('sentiment', 'amazon', 6000, 5999, '5,999 items'),
  // detection
  test('detection', 'paws'),
  test('detection', 'qqp'),
  test('detection', 'stsb'),
  fewShot('detection', 'paws', 8),
  fewShot('detection', 'qqp', 8),
  fewShot('detection', 'stsb', 8),
  train('detection', 'paws', 2000),
  train('detection', 'paws', 4000),
  train('detection', 'paws', 6000, 5986, '5,986 items'),
  // inference
  test('inference', 'multinli'),
  test('inference', 'multinli2'),
  test('inference', 'rte'),
  test('inference', 'gptnli'),
  test('inference', 'snli', 500, false, 'published but not evaluated by the paper'),
  fewShot('inference', 'multinli', 8),
  fewShot('inference', 'multinli2', 8),
  fewShot('inference', 'rte', 8),
  fewShot('inference', 'gptnli', 8),
  train('inference', 'multinli', 2000),
  train('inference', 'multinli', 4000),
  train('inference', 'multinli', 6000),
]);

/** Entries matching a filter (all when none). */
export function catalogueEntries(filter: { task?: string; role?: DatasetRole; dataset?: string; usedByPaper?: boolean } = {}): CatalogueEntry[] {
  return PAPER_CATALOGUE.filter(
    (e) =>
      (filter.task === undefined || e.task === filter.task) &&
      (filter.role === undefined || e.role === filter.role) &&
      (filter.dataset === undefined || e.dataset === filter.dataset) &&
      (filter.usedByPaper === undefined || e.usedByPaper === filter.usedByPaper),
  );
}

/** An entry by id ("xsum_test_500"). */
export function catalogueEntry(id: string): CatalogueEntry {
  const e = PAPER_CATALOGUE.find((x) => x.id === id);
  if (!e) throw new UnknownDatasetError(id, PAPER_CATALOGUE.map((x) => x.id));
  return e;
}

/** The test set of a dataset name ("xsum" → xsum_test_500). */
export function testSetOf(dataset: string): CatalogueEntry {
  const e = PAPER_CATALOGUE.find((x) => x.dataset === dataset && x.role === 'test');
  if (!e) throw new UnknownDatasetError(dataset, catalogueEntries({ role: 'test' }).map((x) => x.dataset));
  return e;
}

/** The few-shot pool of a dataset name ("xsum" → xsum_few_shot). */
export function fewShotSetOf(dataset: string): CatalogueEntry {
  const e = PAPER_CATALOGUE.find((x) => x.dataset === dataset && x.role === 'few-shot');
  if (!e) throw new UnknownDatasetError(`${dataset} (few-shot)`, catalogueEntries({ role: 'few-shot' }).map((x) => x.dataset));
  return e;
}

/**
 * The URL of a catalogue path under a base (a URL or a plain folder path; a missing trailing
 * slash is added, so "https://host/data" and "https://host/data/" mean the same folder).
 */
export function resolveDatasetUrl(base: string, entryOrPath: CatalogueEntry | string): string {
  const path = typeof entryOrPath === 'string' ? entryOrPath : entryOrPath.path;
  if (/^[a-z][a-z0-9+.-]*:/i.test(path)) return path; // already absolute
  const rel = path.replace(/^\.?\//, '');
  if (base === '') return rel;
  const folder = base.endsWith('/') ? base : `${base}/`;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(folder)) return new URL(rel, folder).href;
  return folder + rel;
}
