/**
 * Where tests find the shared, third-party data. It is read in place from ../shared (next to
 * the project root) and never copied into the repository. FTLAB_SHARED overrides the location.
 */
import { fileURLToPath } from 'node:url';
import path from 'node:path';

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const SHARED = process.env.FTLAB_SHARED ?? path.resolve(PROJECT_ROOT, '../shared');
export const PAPER_DATA = path.join(SHARED, 'paper-data');
export const ROUGE_GOLDEN = path.join(SHARED, 'rouge-golden');
