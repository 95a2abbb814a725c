/**
 * A ByteSource over a file on disk: each read is one positioned read of just the bytes asked
 * for, so a checkpoint's tensors are streamed, never loaded whole. Node only (CLI, tests).
 */
import { open, type FileHandle } from 'node:fs/promises';
import { statSync } from 'node:fs';
import type { ByteSource } from '../../core/safetensors/reader.ts';
import { ArtifactMissingError } from '../../core/engine-errors.ts';

export interface FileByteSource extends ByteSource {
  close(): Promise<void>;
}

export async function openFileByteSource(file: string): Promise<FileByteSource> {
  let handle: FileHandle;
  let size: number;
  try {
    size = statSync(file).size;
    handle = await open(file, 'r');
  } catch (e) {
    throw new ArtifactMissingError(file, (e as Error).message, { cause: e });
  }
  return {
    file,
    size,
    async read(offset, length) {
      const buf = new Uint8Array(Math.max(0, Math.min(length, size - offset)));
      let done = 0;
      while (done < buf.byteLength) {
        const { bytesRead } = await handle.read(buf, done, buf.byteLength - done, offset + done);
        if (bytesRead === 0) break;
        done += bytesRead;
      }
      return done === buf.byteLength ? buf : buf.subarray(0, done);
    },
    close: () => handle.close(),
  };
}
