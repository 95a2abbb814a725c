import { FtlabError } from '../../core/errors.ts';

/** A bad command line (missing or contradictory options). Code "usage": exit status 2. */
export class CliOptionError extends FtlabError {
  constructor(command: string, message: string, hint = `run \`npm run ftlab -- ${command} --help\``) {
    super('usage', `${command}: ${message}`, hint);
  }
}

/** An input file that cannot be read (missing, a directory, no permission). */
export class InputFileError extends FtlabError {
  constructor(file: string, detail: string, options?: { cause?: unknown }) {
    super('input-file', `cannot read ${file}: ${detail}`, 'check the path (relative paths start at the current directory)', options);
  }
}

/** Input whose content is wrong: bad JSON on a line, a missing field, a value of the wrong type. */
export class InputFormatError extends FtlabError {
  constructor(where: string, detail: string, hint: string) {
    super('input-format', `${where}: ${detail}`, hint);
  }
}

/** An unknown thrown value's message (JSON.parse, fs and friends throw Errors; others may not). */
export function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** A JSON value that is an object (not null, not an array). */
export function isJsonObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
