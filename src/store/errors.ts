import { FtlabError } from '../core/errors.ts';

/** The browser refused to store more (QuotaExceededError). Records saved before stay. */
export class StorageFullError extends FtlabError {
  constructor(what: string, options?: { cause?: unknown }) {
    super(
      'storage-full',
      `the browser's storage is full: could not save ${what}`,
      'records saved so far are kept; free space (delete old runs or cached model weights in the browser\'s site settings) and resume the run',
      options,
    );
  }
}

/** IndexedDB is missing or refused to open (private mode, disabled storage, a blocked upgrade). */
export class StorageUnavailableError extends FtlabError {
  constructor(detail: string, options?: { cause?: unknown }) {
    super(
      'storage-unavailable',
      `results cannot be stored: ${detail}`,
      'allow site storage for this page (private windows may disable IndexedDB), or close other ftlab tabs and reload',
      options,
    );
  }
}

/** A records file (JSON lines) whose content is not what ftlab wrote: a bad line that is not the last. */
export class RecordFileCorruptError extends FtlabError {
  constructor(file: string, line: number, detail: string) {
    super(
      'record-file-corrupt',
      `${file} line ${line}: ${detail}`,
      'this line was not written by an interrupted run (only an unfinished last line is); fix or remove it, or write the records to another --out file',
    );
  }
}

/** Another live process has the records file open for writing (two runs would interleave lines). */
export class RecordFileLockedError extends FtlabError {
  constructor(file: string, pid: number) {
    super(
      'record-file-locked',
      `${file} is being written by another ftlab process (pid ${pid})`,
      `wait for it to finish or stop it; if no ftlab run is using the file, delete ${file}.lock`,
    );
  }
}

/** The records file cannot be created, read or written (a missing folder, permissions, a full disk). */
export class RecordFileError extends FtlabError {
  constructor(file: string, detail: string, options?: { cause?: unknown }) {
    super('record-file', `cannot use ${file} for records: ${detail}`, 'check the path (its folder must exist) and the free disk space', options);
  }
}
