import { FtlabError } from '../errors.ts';

/** Numbers a report or a test cannot be computed from (unpaired scores, no items). */
export class ReportInputError extends FtlabError {
  constructor(message: string, hint = 'compare runs of the same cell that scored the same items') {
    super('report-input', message, hint);
  }
}

/** A figure asked of the report that it cannot draw (an unknown training set or figure kind). */
export class FigureSpecError extends FtlabError {
  constructor(message: string, hint: string) {
    super('figure-spec', message, hint);
  }
}

/** A file to import whose content is not records or an ftlab export. */
export class ImportFileError extends FtlabError {
  constructor(message: string, hint = 'import a JSON-lines file written by `ftlab eval --out` or an ftlab export (JSONL or JSON)') {
    super('import-file', message, hint);
  }
}
