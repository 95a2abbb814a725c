/** Test-only entry: the app's IndexedDB RecordStore (src/store) on window, for playwright. */
import { deleteFtlabDatabase, importResults, openFtlabStore, StorageFullError, StorageUnavailableError } from '../../../src/store/index.ts';
import { cellKey } from '../../../src/core/run/records.ts';

const api = { openFtlabStore, deleteFtlabDatabase, cellKey, importResults, StorageFullError, StorageUnavailableError };
export type StoreTestApi = typeof api;

(window as unknown as { ftlabTest: StoreTestApi }).ftlabTest = api;
document.body.dataset.ready = 'true';
