/**
 * What a page's app has stored: every record of a stored run's cells, read straight from this
 * browser's IndexedDB (the database the app's store writes), not through the app.
 */
import type { Page } from 'playwright-core';
import type { SampleRecord } from '../../../src/core/run/records.ts';

export function storedRunRecords(page: Page, runId: string): Promise<SampleRecord[]> {
  return page.evaluate(
    (id) =>
      new Promise<SampleRecord[]>((resolve, reject) => {
        const req = indexedDB.open('ftlab');
        req.onerror = () => reject(req.error);
        req.onsuccess = () => {
          const db = req.result;
          const tx = db.transaction(['plans', 'records'], 'readonly');
          const planReq = tx.objectStore('plans').get(id);
          const recReq = tx.objectStore('records').getAll();
          tx.oncomplete = () => {
            const keys = new Set((planReq.result as { cells: { key: string }[] }).cells.map((c) => c.key));
            resolve((recReq.result as SampleRecord[]).filter((r) => keys.has(r.cellKey)));
            db.close();
          };
          tx.onerror = () => reject(tx.error);
        };
      }),
    runId,
  );
}
