import { FtlabError } from '../errors.ts';
import type { DatasetProblem } from './types.ts';

/** How many problems a message lists before "and N more" (all are kept, up to PROBLEM_LIMIT). */
export const PROBLEMS_IN_MESSAGE = 10;
/** The parser stops collecting problems past this many (a wholly wrong file would list thousands). */
export const PROBLEM_LIMIT = 1000;

/**
 * A dataset file could not be used as it is. Every problem found is in `problems` (up to
 * PROBLEM_LIMIT; `problemCount` says how many there were): a bad item is never dropped silently.
 */
export class DatasetValidationError extends FtlabError {
  readonly source: string;
  readonly problems: readonly DatasetProblem[];
  readonly problemCount: number;

  constructor(source: string, problems: readonly DatasetProblem[], problemCount: number, hint?: string) {
    const shown = problems.slice(0, PROBLEMS_IN_MESSAGE).map((p) => p.text);
    const more = problemCount - shown.length;
    const head = problemCount === 1 ? shown[0] : `${source}: ${problemCount} problems:\n  ${shown.join('\n  ')}${more > 0 ? `\n  ... and ${more} more` : ''}`;
    super('dataset-invalid', head, hint ?? 'fix the listed items (each needs the task\'s input fields and "output" as strings)');
    this.source = source;
    this.problems = problems;
    this.problemCount = problemCount;
  }
}

/** A dataset name the catalogue does not know. */
export class UnknownDatasetError extends FtlabError {
  constructor(name: string, known: readonly string[]) {
    super('unknown-dataset', `unknown dataset "${name}"`, `use one of: ${known.join(', ')}`);
  }
}

/** Sampling or selecting demonstrations asked for more than the pool can give. */
export class DemoPoolError extends FtlabError {
  constructor(message: string, hint: string) {
    super('demo-pool', message, hint);
  }
}
