/** Reading the CLI's inputs: files, datasets, JSON lines on stdin, with one-line errors. */
import fs from 'node:fs/promises';
import path from 'node:path';
import readline from 'node:readline';
import { DatasetValidationError, parseDataset } from '../../core/datasets/index.ts';
import type { TaskItem } from '../../core/datasets/types.ts';
import { FtlabError } from '../../core/errors.ts';
import type { TaskDefinition } from '../../core/tasks/index.ts';
import { InputFileError, InputFormatError, isJsonObject, messageOf } from './errors.ts';

/** The whole text of a file; InputFileError (one line) if it cannot be read. */
export async function readTextFile(file: string): Promise<string> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (e) {
    const code = e instanceof Error && 'code' in e ? e.code : undefined;
    const detail = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : code === 'EACCES' ? 'permission denied' : messageOf(e);
    throw new InputFileError(file, detail, { cause: e });
  }
}

/** A dataset's items for a task. Every problem is in the error; the message stays one line. */
export async function readDataset(file: string, task: TaskDefinition): Promise<TaskItem[]> {
  const text = await readTextFile(file);
  try {
    return [...parseDataset(text, { task, source: path.basename(file) }).items];
  } catch (e) {
    if (e instanceof DatasetValidationError && e.problemCount > 1) {
      throw new FtlabErrorOneLine(e, `${e.source}: ${e.problemCount} problems; the first: ${e.problems[0].text}`);
    }
    throw e;
  }
}

/** A FtlabError re-worded to one line, keeping its code and hint. */
class FtlabErrorOneLine extends FtlabError {
  constructor(original: FtlabError, message: string) {
    super(original.code, message, original.hint, { cause: original });
  }
}

/**
 * JSON objects, one per line, from a stream; blank lines are skipped. Each is yielded with its
 * 1-based line number; a line that is not a JSON object throws InputFormatError naming it.
 */
export async function* readJsonLines(input: NodeJS.ReadableStream, name = 'stdin'): AsyncGenerator<{ line: number; value: Record<string, unknown> }> {
  const rl = readline.createInterface({ input, crlfDelay: Infinity });
  let line = 0;
  try {
    for await (const raw of rl) {
      line++;
      const text = line === 1 && raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw;
      if (text.trim().length === 0) continue;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (e) {
        throw new InputFormatError(`${name} line ${line}`, `not valid JSON (${messageOf(e)})`, 'give one JSON object per line');
      }
      if (!isJsonObject(value)) throw new InputFormatError(`${name} line ${line}`, 'not a JSON object', 'give one JSON object per line');
      yield { line, value };
    }
  } finally {
    rl.close();
  }
}
