/**
 * The miniature study's models (train/mini: `npm run mini`), when this build serves them: a
 * 4-layer Llama with the Llama-2 vocabulary pretrained on the paper's training texts, and its FT
 * and FTICL fine-tunes on amazon_train_2000. The pipeline copies them into public/models/
 * (mini-base, mini-ft-amazon2000, mini-fticl-amazon2000; git-ignored); the app looks for their manifests at start-up and, when they are there, lists
 * them like the embedded models (cpu backend), grouped by their manifests, and offers them as a
 * Batch preset and as Playground columns. When they are not, the views say how to make them.
 */
import { MANIFEST_FILE, manifestTotalBytes, parseManifest, type TrainingMethod } from '../../core/manifest.ts';
import { provenanceOf, type FetchFile } from './model-by-url.ts';
import type { ModelSource } from './model-sources.ts';
import type { BatchForm } from './batch-plan.ts';

/** The three models, as train/mini/run_mini.py names them (MODEL_IDS there: keep the two equal). */
export const MINI_MODELS = [
  { id: 'mini-base', method: 'base', title: 'mini base' },
  { id: 'mini-ft-amazon2000', method: 'ft', title: 'mini FT (amazon)' },
  { id: 'mini-fticl-amazon2000', method: 'fticl', title: 'mini FTICL (amazon)' },
] as const satisfies readonly { id: string; method: TrainingMethod; title: string }[];

export type MiniModelId = (typeof MINI_MODELS)[number]['id'];

/** What makes them (README: "A miniature of the study on a CPU"). */
export const MINI_COMMAND = 'npm run mini -- --budget-min 30';

/** Items per test set the mini preset runs (the cpu engine: about half a second per item per model). */
export const MINI_BATCH_LIMIT = 50;

export const MINI_NOTE = 'A miniature of the study (train/mini, `npm run mini`): a 4-layer Llama with the Llama-2 vocabulary, 11.4M parameters, pretrained on the paper\'s training texts and fine-tuned on amazon_train_2000. Not Llama-2: it shows the shape of the paper\'s findings at toy scale.';

export type MiniStatus = 'looking' | 'found' | 'absent';

/** The folder a mini model is served from, relative to the page. */
export function miniFolder(id: MiniModelId): string {
  return `models/${id}/`;
}

/** Where the build lists the model folders it serves (scripts/served-models.ts). */
export const SERVED_MODELS_INDEX = 'models/index.json';

/**
 * The folder names models/index.json lists, or null when there is no such index (a server
 * that answers 404 or an HTML page, or a file that is not the index).
 */
export async function servedModelFolders(baseHref: string, fetchFile: FetchFile): Promise<string[] | null> {
  let res: { status: number; text: string };
  try {
    res = await fetchFile(new URL(SERVED_MODELS_INDEX, baseHref).href);
  } catch {
    return null;
  }
  if (res.status !== 200) return null;
  try {
    const j = JSON.parse(res.text) as { schema?: unknown; models?: unknown };
    return j.schema === 'ftlab-served-models' && Array.isArray(j.models) ? j.models.filter((m): m is string => typeof m === 'string') : null;
  } catch {
    return null;
  }
}

/**
 * The mini models this build serves, as sources. The build's models/index.json says which
 * folders are there, so nothing absent is asked for (a 404 is a console error on every page
 * load); without an index (another server) each manifest is asked for. A folder is absent when
 * its manifest is not there (404, or a dev server's index.html in its place); a manifest that is
 * there but broken, or names another model, is a problem the view shows.
 */
export async function findMiniModels(baseHref: string, fetchFile: FetchFile): Promise<{ found: ModelSource[]; problems: string[] }> {
  const found: ModelSource[] = [];
  const problems: string[] = [];
  const served = await servedModelFolders(baseHref, fetchFile);
  await Promise.all(
    MINI_MODELS.map(async (mini, i) => {
      if (served && !served.includes(mini.id)) return;
      const url = new URL(`${miniFolder(mini.id)}${MANIFEST_FILE}`, baseHref).href;
      let res: { status: number; text: string };
      try {
        res = await fetchFile(url);
      } catch {
        return; // not served here
      }
      if (res.status !== 200 || res.text.trimStart().startsWith('<')) return;
      try {
        const m = parseManifest(res.text, url);
        if (m.id !== mini.id || m.method !== mini.method) {
          problems.push(`${url} is the manifest of ${m.id} (${m.method}), not of ${mini.id} (${mini.method})`);
          return;
        }
        found[i] = { kind: 'embedded', id: mini.id, title: mini.title, url: miniFolder(mini.id), note: MINI_NOTE, sizeBytes: manifestTotalBytes(m), provenance: provenanceOf(m) };
      } catch (e) {
        problems.push(e instanceof Error ? e.message : String(e));
      }
    }),
  );
  return { found: found.filter((s) => s !== undefined), problems };
}

/** What the app's stores need: somewhere to add the found sources. */
export interface MiniSink {
  addSources(more: readonly ModelSource[]): void;
}

export class MiniModels {
  status = $state<MiniStatus>('looking');
  /** The mini models found, in MINI_MODELS order. */
  found = $state.raw<readonly ModelSource[]>([]);
  /** Broken or foreign manifests in the mini folders. */
  problems = $state.raw<readonly string[]>([]);
  #done: Promise<void> = Promise.resolve();

  constructor(
    private readonly sink: MiniSink,
    private readonly baseHref: string,
    private readonly fetchFile: FetchFile,
  ) {}

  /** Looks for the mini folders once (the app calls it at start-up). */
  find(): Promise<void> {
    this.#done = (async () => {
      const r = await findMiniModels(this.baseHref, this.fetchFile);
      this.problems = r.problems;
      this.found = r.found;
      if (r.found.length > 0) this.sink.addSources(r.found);
      this.status = r.found.length > 0 ? 'found' : 'absent';
    })();
    return this.#done;
  }

  whenFound(): Promise<void> {
    return this.#done;
  }

  get ids(): string[] {
    return this.found.map((s) => s.id);
  }

  /** The ids of MINI_MODELS this build does not serve. */
  get missing(): string[] {
    return MINI_MODELS.map((m) => m.id).filter((id) => !this.found.some((s) => s.id === id));
  }

  /**
   * Sets the Batch form to the miniature study: the paper's amazon preset (in-domain first; the
   * other settings are one select away) with the mini models only, on the first
   * MINI_BATCH_LIMIT items. Two edits: a training-set change ticks every base and amazon model
   * by itself, and the second keeps only the mini ones.
   */
  useInBatch(batch: { edit(patch: Partial<BatchForm>): void }): void {
    batch.edit({ source: 'preset', trainingSet: 'amazon', kind: 'in-domain', limit: MINI_BATCH_LIMIT });
    batch.edit({ models: this.ids });
  }
}
