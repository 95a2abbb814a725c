/**
 * The composition root: the one place that picks real implementations (the engine worker client,
 * IndexedDB, fetch, localStorage) and hands them to the stores.
 */
import { createEngineClient } from '../../engine-client/index.ts';
import { IdbDatasetRepo, MemoryDatasetRepo, type DatasetRepo } from '../../store/datasetRepo.ts';
import { EngineSession } from '../state/engine-session.svelte.ts';
import { BatchRun } from '../state/batch-run.svelte.ts';
import { WeightDelta } from '../state/weight-delta.svelte.ts';
import { DatasetLibrary } from '../state/datasets.svelte.ts';
import { ModelSlots } from '../state/model-slots.svelte.ts';
import { MiniModels } from '../state/mini-models.svelte.ts';
import { Playground } from '../state/playground.svelte.ts';
import { Prefs } from '../state/prefs.svelte.ts';
import { Results, type ResultsBackend } from '../state/results.svelte.ts';
import { modelInfosOf } from '../state/results-figures.ts';
import { openFtlabStore } from '../../store/idbRecordStore.ts';
import { MemoryRecordStore } from '../../core/run/recordStore.ts';
import type { AppContext } from './context.ts';
import { Router } from './router.svelte.ts';

/** A repo that opens IndexedDB on first use (and falls back to memory where it is unavailable). */
function lazyIdbRepo(): DatasetRepo {
  let repo: Promise<DatasetRepo> | null = null;
  const get = () =>
    (repo ??= IdbDatasetRepo.open().catch((e: unknown) => {
      console.warn('ftlab: IndexedDB unavailable, datasets are kept for this session only', e);
      return new MemoryDatasetRepo();
    }));
  return {
    list: async () => (await get()).list(),
    put: async (d) => (await get()).put(d),
    delete: async (id) => (await get()).delete(id),
    failures: async () => (await get()).failures(),
    putFailure: async (f) => (await get()).putFailure(f),
    deleteFailure: async (id) => (await get()).deleteFailure(id),
  };
}

/** The records' IndexedDB store, opened on first use (memory for this session where it is unavailable). */
async function openRecords(): Promise<ResultsBackend> {
  try {
    return await openFtlabStore();
  } catch (e) {
    console.warn('ftlab: IndexedDB unavailable, results are kept for this session only', e);
    return new MemoryRecordStore();
  }
}

async function fetchText(url: string): Promise<string> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`HTTP ${res.status} ${res.statusText}`.trim());
  return res.text();
}

async function fetchFile(url: string): Promise<{ status: number; text: string }> {
  const res = await fetch(url);
  return { status: res.status, text: res.ok ? await res.text() : '' };
}

export function createApp(win: Window): AppContext {
  const storage = (() => {
    try {
      return win.localStorage;
    } catch {
      return null;
    }
  })();
  // ?catalogue=URL (before the hash) points the catalogue elsewhere for this page (tests, mirrors).
  const catalogueOverride = new URLSearchParams(win.location.search).get('catalogue') ?? undefined;
  const prefs = new Prefs(storage, catalogueOverride ? { catalogueBase: catalogueOverride } : {});
  const router = new Router(win);
  const slots = new ModelSlots(() => createEngineClient(), win.location.href, { fetchFile, storage });
  void slots.restoreAdded();
  const mini = new MiniModels(slots, win.location.href, fetchFile);
  void mini.find();
  const library = new DatasetLibrary(lazyIdbRepo(), fetchText, () => prefs.catalogueBase);
  const playground = new Playground(library, slots);
  const batch = new BatchRun({ slots, store: () => import('../../store/idbRecordStore.ts').then((m) => m.openFtlabStore()), data: library, baseHref: win.location.href, storage });
  const delta = new WeightDelta(() => createEngineClient(), win.location.href);
  const results = new Results(openRecords, { models: () => modelInfosOf(slots.sources) });
  return { router, prefs, slots, mini, library, playground, batch, results, delta, session: new EngineSession() };
}
