/** Browser persistence: the IndexedDB RecordStore. */
export { IdbRecordStore, openFtlabStore, deleteFtlabDatabase, FTLAB_DB_NAME, type StoredPlan } from './idbRecordStore.ts';
export { StorageFullError, StorageUnavailableError } from './errors.ts';
export { importResults, type ImportSummary, type ImportTarget } from './import-results.ts';
