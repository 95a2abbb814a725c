/** One item of a dataset, typed for a task. */
export interface TaskItem {
  /** Where it came from (a file name or dataset id): with `index` it tells items apart. */
  readonly source: string;
  /** 0-based position in its file (JSON array index; JSONL/CSV data-row order). */
  readonly index: number;
  /** The dataset's own id, when the file has one (test files do, some training files do not). */
  readonly idx?: number;
  /** The task's input fields, and only those (what templates are filled with). */
  readonly fields: Readonly<Record<string, string>>;
  /** The reference text (generation) or gold label (classification). */
  readonly output: string;
}

export type DatasetFormat = 'json' | 'jsonl' | 'csv';

/** Something wrong (or worth knowing) about one item, row or the whole file. */
export interface DatasetProblem {
  /** 0-based item index, when the problem belongs to one item. */
  readonly index?: number;
  /** 1-based line number in the file, when known (JSONL, CSV, malformed JSON). */
  readonly line?: number;
  /** The field concerned, if any. */
  readonly field?: string;
  /** What is wrong, e.g. `field "input" is missing`. */
  readonly message: string;
  /** The full sentence: `amazon_test_500.json: item 17: field "input" is missing`. */
  readonly text: string;
}

export interface ParsedDataset {
  /** The source name given to the parser (a file name, usually). */
  readonly source: string;
  readonly taskId: string;
  readonly format: DatasetFormat;
  readonly items: readonly TaskItem[];
  /**
   * Items kept but worth flagging (e.g. an NLI item whose gold label is "-": the paper keeps
   * it, and it can never be scored right).
   */
  readonly warnings: readonly DatasetProblem[];
}
