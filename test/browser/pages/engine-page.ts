/**
 * Test-only entry: puts the page-side engine client and the error classes on window so that
 * playwright can drive the real worker (the same chunk the app uses) with page.evaluate.
 */
import { createEngineClient, EngineWorkerError } from '../../../src/engine-client/index.ts';
import { classify } from './classify.ts';
import { PAPER_TASKS } from '../../../src/core/tasks/index.ts';
import { FtlabError } from '../../../src/core/errors.ts';
import * as engineErrors from '../../../src/core/engine-errors.ts';
import { measureWorkerOverhead } from './worker-overhead.ts';

const api = { createEngineClient, FtlabError, EngineWorkerError, engineErrors, classify, PAPER_TASKS, measureWorkerOverhead };
export type EngineTestApi = typeof api;

(window as unknown as { ftlabTest: EngineTestApi }).ftlabTest = api;
document.body.dataset.ready = 'true';
