/**
 * The Models view's weight-delta analysis: mean |Δw| between two model folders (the paper's
 * measure of how far fine-tuning moved the weights), computed in an engine worker of its own so
 * the page stays responsive, per tensor, per layer and overall. App-lifetime: leaving the view
 * does not stop it or lose the last result.
 */
import type { DeltaReport } from '../../core/delta/stats.ts';
import { FtlabError } from '../../core/errors.ts';
import { describeError, type DeltaProgressEvent } from '../../engine-client/index.ts';
import { specOf, type ModelSource } from './model-sources.ts';
import type { ShownError } from './model-slots.svelte.ts';

/** What the store needs of an engine worker client. */
export interface DeltaWorker {
  weightDelta(baseUrl: string, modelUrl: string, onProgress?: (p: DeltaProgressEvent) => void): Promise<DeltaReport>;
  terminate(): void;
}

export interface DeltaResult {
  baseId: string;
  modelId: string;
  report: DeltaReport;
}

/** The folder a source's weights are read from, when it has one (a served model has none). */
export function weightFolderOf(source: ModelSource, baseHref: string): string | null {
  return source.kind === 'remote' ? null : specOf(source, baseHref).url;
}

export class WeightDelta {
  running = $state(false);
  progress = $state.raw<DeltaProgressEvent | null>(null);
  /** Every comparison made in this page, newest last (two can be shown side by side). */
  results = $state.raw<readonly DeltaResult[]>([]);
  error = $state.raw<ShownError | null>(null);

  constructor(
    private readonly createWorker: () => DeltaWorker,
    private readonly baseHref: string,
  ) {}

  async compare(base: ModelSource, model: ModelSource): Promise<DeltaResult | null> {
    if (this.running) return null;
    this.error = null;
    const a = weightFolderOf(base, this.baseHref);
    const b = weightFolderOf(model, this.baseHref);
    if (!a || !b) {
      this.error = describeError(new FtlabError('delta-no-folder', `${!a ? base.id : model.id} is served by a remote server: its weights cannot be read here`, 'compare two model folders (embedded, added by URL, or in the webgpu registry)'));
      return null;
    }
    if (base.id === model.id) {
      this.error = describeError(new FtlabError('delta-same-model', `both sides are ${base.id}`, 'pick the base model on one side and a fine-tuned model on the other'));
      return null;
    }
    this.running = true;
    this.progress = { done: 0, total: 0, name: 'reading the indexes' };
    const worker = this.createWorker();
    try {
      const report = await worker.weightDelta(a, b, (p) => (this.progress = p));
      const result: DeltaResult = { baseId: base.id, modelId: model.id, report };
      this.results = [...this.results.filter((r) => !(r.baseId === base.id && r.modelId === model.id)), result];
      return result;
    } catch (e) {
      this.error = describeError(e);
      return null;
    } finally {
      worker.terminate();
      this.running = false;
      this.progress = null;
    }
  }

  clear(): void {
    this.results = [];
  }
}
