/**
 * A FileSource over a directory on disk (Node only: the CLI, tests and benches). Browser
 * workers use fetchFileSource from src/core/mlc/file-source.ts instead; keep this module out of
 * their import graph.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ArtifactMissingError } from '../../../src/core/engine-errors.ts';
import type { FileSource } from '../../../src/core/mlc/file-source.ts';

export function nodeFileSource(dir: string): FileSource {
  return async (relativePath) => {
    const file = path.join(dir, relativePath);
    try {
      const buf = await readFile(file);
      return buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new ArtifactMissingError(relativePath, code === 'ENOENT' ? `${file} does not exist` : `${file}: ${(e as Error).message}`, { cause: e });
    }
  };
}
