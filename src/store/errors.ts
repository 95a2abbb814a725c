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
