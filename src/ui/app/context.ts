/**
 * The app-lifetime stores, created once in App.svelte and read by views through typed context
 * (never passed as props through every panel).
 */
import { createContext } from 'svelte';
import type { EngineSession } from '../state/engine-session.svelte.ts';
import type { BatchRun } from '../state/batch-run.svelte.ts';
import type { DatasetLibrary } from '../state/datasets.svelte.ts';
import type { MiniModels } from '../state/mini-models.svelte.ts';
import type { ModelSlots } from '../state/model-slots.svelte.ts';
import type { Playground } from '../state/playground.svelte.ts';
import type { Prefs } from '../state/prefs.svelte.ts';
import type { WeightDelta } from '../state/weight-delta.svelte.ts';
import type { Results } from '../state/results.svelte.ts';
import type { Router } from './router.svelte.ts';

export interface AppContext {
  router: Router;
  prefs: Prefs;
  slots: ModelSlots;
  /** The miniature study's models (train/mini), when this build serves them. */
  mini: MiniModels;
  library: DatasetLibrary;
  playground: Playground;
  /** The Batch view's plan, running job and run library. */
  batch: BatchRun;
  /** The Models view's weight-delta analysis (mean |Δw| between two model folders). */
  delta: WeightDelta;
  /** Stored runs, figures, drill-down, comparisons, export and import (#/results). */
  results: Results;
  /** The Models view's webgpu cache and registry session (Models & storage, capability report). */
  session: EngineSession;
}

export const [getApp, setApp] = createContext<AppContext>();
