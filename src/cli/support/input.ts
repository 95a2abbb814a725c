/**
 * Reading the CLI's inputs: files, datasets, JSON lines on stdin, with one-line errors. Bytes
 * are checked as they stream in (src/core/input: strict UTF-8, INPUT_LIMITS per file and per
 * item), so a bad byte or an oversized item is refused with its place, early, before any
 * string or JSON is built from it.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { DatasetValidationError, parseDataset } from '../../core/datasets/index.ts';
import type { TaskItem } from '../../core/datasets/types.ts';
import { FtlabError } from '../../core/errors.ts';
import { ByteChecker, INPUT_LIMITS, layoutOf, type ByteLayout } from '../../core/input/index.ts';
import type { TaskDefinition } from '../../core/tasks/index.ts';
import { InputFileError, InputFormatError, isJsonObject, messageOf } from './errors.ts';

const CHUNK = 64 * 1024;

function fileProblem(file: string, e: unknown): InputFileError {
  const code = e instanceof Error && 'code' in e ? e.code : undefined;
  const detail = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : code === 'EACCES' ? 'permission denied' : messageOf(e);
  return new InputFileError(file, detail, { cause: e });
}

/**
 * The whole text of a file, checked (UTF-8, limits) chunk by chunk; InputFileError (one line)
 * if it cannot be read. `layout` defaults to what the file's name (or first byte) says.
 */
export async function readTextFile(file: string, layout?: ByteLayout): Promise<string> {
  let handle;
  try {
    handle = await fs.open(file, 'r');
    const stat = await handle.stat();
    if (stat.isDirectory()) throw Object.assign(new Error('directory'), { code: 'EISDIR' });
    if (stat.size > INPUT_LIMITS.fileBytes) {
      throw new InputFileError(file, `it is ${(stat.size / 2 ** 20).toFixed(0)} MiB, over the ${INPUT_LIMITS.fileBytes / 2 ** 20} MiB limit for one file`);
    }
  } catch (e) {
    await handle?.close();
    if (e instanceof FtlabError) throw e;
    throw fileProblem(file, e);
  }
  try {
    const chunks: Buffer[] = [];
    let checker: ByteChecker | undefined;
    for (;;) {
      const buf = Buffer.allocUnsafe(CHUNK);
      let bytesRead: number;
      try {
        ({ bytesRead } = await handle.read(buf, 0, CHUNK, null));
      } catch (e) {
        throw fileProblem(file, e);
      }
      if (bytesRead === 0) break;
      const chunk = buf.subarray(0, bytesRead);
      checker ??= new ByteChecker(path.basename(file), layout ?? layoutOf(file, firstNonSpace(chunk)));
      checker.feed(chunk);
      chunks.push(chunk);
    }
    checker?.end();
    return new TextDecoder('utf-8').decode(Buffer.concat(chunks));
  } finally {
    await handle.close();
  }
}

function firstNonSpace(chunk: Uint8Array): number | undefined {
  let i = chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf ? 3 : 0;
  while (i < chunk.length && (chunk[i] === 0x20 || chunk[i] === 0x0a || chunk[i] === 0x0d || chunk[i] === 0x09)) i++;
  return chunk[i];
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
 * The lines of a stream, each checked (UTF-8, at most INPUT_LIMITS.itemBytes) before it is
 * decoded; a line over the limit is refused as soon as the limit is passed. A directory or
 * unreadable stream is an InputFileError.
 */
export async function* readLines(input: NodeJS.ReadableStream, name: string): AsyncGenerator<{ line: number; text: string }> {
  const checker = new ByteChecker(name, 'lines');
  let pending: Buffer[] = [];
  let line = 0;
  const decoder = new TextDecoder('utf-8');
  try {
    for await (const piece of input) {
      const chunk = typeof piece === 'string' ? Buffer.from(piece, 'utf8') : Buffer.from(piece);
      checker.feed(chunk);
      let start = 0;
      for (let nl = chunk.indexOf(0x0a, start); nl !== -1; nl = chunk.indexOf(0x0a, start)) {
        pending.push(chunk.subarray(start, nl));
        line++;
        yield { line, text: stripCr(decoder.decode(Buffer.concat(pending))) };
        pending = [];
        start = nl + 1;
      }
      if (start < chunk.length) pending.push(chunk.subarray(start));
    }
  } catch (e) {
    if (e instanceof FtlabError) throw e;
    throw fileProblem(name, e);
  }
  checker.end();
  if (pending.length > 0) yield { line: line + 1, text: stripCr(decoder.decode(Buffer.concat(pending))) };
}

const stripCr = (s: string): string => (s.endsWith('\r') ? s.slice(0, -1) : s);

/**
 * JSON objects, one per line, from a stream; blank lines are skipped. Each is yielded with its
 * 1-based line number; a line that is not a JSON object throws InputFormatError naming it.
 */
export async function* readJsonLines(input: NodeJS.ReadableStream, name = 'stdin'): AsyncGenerator<{ line: number; value: Record<string, unknown> }> {
  for await (const { line, text: raw } of readLines(input, name)) {
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
}
