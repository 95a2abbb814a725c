/**
 * The Models view's weight-delta analysis: mean |Δw| between two model folders, or of a LoRA
 * adapter applied to a model (the paper's measure of how far fine-tuning moved the weights),
 * computed in an engine worker of its own so
 * the page stays responsive, per tensor, per layer and overall. App-lifetime: leaving the view
 * does not stop it or lose the last result.
 */
import type { DeltaReport } from '../../core/delta/stats.ts';
import { FtlabError } from '../../core/errors.ts';
import { ADAPTER_CONFIG_FILE, ADAPTER_WEIGHTS_FILE } from '../../core/delta/lora.ts';
import { describeError, type AdapterInput, type DeltaProgressEvent } from '../../engine-client/index.ts';
import { specOf, type ModelSource } from './model-sources.ts';
import type { ShownError } from './model-slots.svelte.ts';

/** What the store needs of an engine worker client. */
export interface DeltaWorker {
  weightDelta(baseUrl: string, modelUrl: string, onProgress?: (p: DeltaProgressEvent) => void): Promise<DeltaReport>;
  adapterDelta(modelUrl: string, adapter: AdapterInput, onProgress?: (p: DeltaProgressEvent) => void): Promise<DeltaReport>;
  terminate(): void;
}

export interface DeltaResult {
  /** The base model (two models), or the model the adapter was checked against. */
  baseId: string;
  /** The fine-tuned model's id, or the adapter's name. */
  modelId: string;
  /** 'models': model − base; 'adapter': ΔW = scale·B·A of a LoRA adapter. */
  kind: 'models' | 'adapter';
  report: DeltaReport;
}

/** A LoRA adapter as the user gives it: a folder URL, or files chosen from disk. */
export type AdapterChoice = { kind: 'url'; url: string } | { kind: 'files'; files: readonly File[] };

/**
 * The worker's AdapterInput for a choice: a URL resolved against the page (ending in "/"), or
 * the two files picked out of a chosen folder by name. Throws FtlabError when one is missing.
 */
export function adapterInputOf(choice: AdapterChoice, baseHref: string): AdapterInput {
  if (choice.kind === 'url') {
    const text = choice.url.trim();
    let href: string;
    try {
      href = new URL(text, baseHref).href;
    } catch {
      throw new FtlabError('adapter-url', `"${choice.url}" is not a URL`, `give the adapter folder's URL (it holds ${ADAPTER_CONFIG_FILE} and ${ADAPTER_WEIGHTS_FILE})`);
    }
    if (!text) throw new FtlabError('adapter-url', 'the adapter URL is empty', `give the adapter folder's URL (it holds ${ADAPTER_CONFIG_FILE} and ${ADAPTER_WEIGHTS_FILE})`);
    return { kind: 'url', url: href.endsWith('/') ? href : `${href}/` };
  }
  const byName = (n: string) => choice.files.find((f) => f.name === n);
  const config = byName(ADAPTER_CONFIG_FILE);
  const weights = byName(ADAPTER_WEIGHTS_FILE);
  if (!config || !weights) {
    const missing = [config ? null : ADAPTER_CONFIG_FILE, weights ? null : ADAPTER_WEIGHTS_FILE].filter((x) => x !== null).join(' and ');
    throw new FtlabError('adapter-files', `the chosen files have no ${missing}`, `choose the adapter folder PEFT saved (save_pretrained), or its ${ADAPTER_CONFIG_FILE} and ${ADAPTER_WEIGHTS_FILE}`);
  }
  const folder = (weights.webkitRelativePath || '').split('/').slice(0, -1).join('/');
  return { kind: 'files', name: folder || 'adapter (from disk)', config, weights };
}

/** An adapter's name for the results: the URL's last folder, or the chosen folder's name. */
export function adapterName(input: AdapterInput): string {
  if (input.kind === 'files') return input.name;
  return new URL(input.url).pathname.split('/').filter(Boolean).at(-1) ?? input.url;
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
    return this.measure('reading the indexes', { baseId: base.id, modelId: model.id, kind: 'models' }, (worker, onProgress) => worker.weightDelta(a, b, onProgress));
  }

  /**
   * mean |Δw| of a LoRA adapter (ΔW = scale·B·A), its modules checked against `model`'s shapes
   * (an adapter trained for another model is refused): the numbers of `ftlab delta --adapter DIR`.
   */
  async compareAdapter(model: ModelSource, choice: AdapterChoice): Promise<DeltaResult | null> {
    if (this.running) return null;
    this.error = null;
    const folder = weightFolderOf(model, this.baseHref);
    if (!folder) {
      this.error = describeError(new FtlabError('delta-no-folder', `${model.id} is served by a remote server: its configuration cannot be read here`, 'pick the adapter\'s base model among the model folders (embedded, added by URL, or in the webgpu registry)'));
      return null;
    }
    let input: AdapterInput;
    try {
      input = adapterInputOf(choice, this.baseHref);
    } catch (e) {
      this.error = describeError(e);
      return null;
    }
    return this.measure('reading the adapter', { baseId: model.id, modelId: adapterName(input), kind: 'adapter' }, (worker, onProgress) => worker.adapterDelta(folder, input, onProgress));
  }

  /**
   * Runs one measurement in a worker of its own (terminated after), with progress; the result
   * replaces an earlier one of the same pair, and an error is shown, not thrown.
   */
  private async measure(
    firstStep: string,
    pair: Omit<DeltaResult, 'report'>,
    run: (worker: DeltaWorker, onProgress: (p: DeltaProgressEvent) => void) => Promise<DeltaResult['report']>,
  ): Promise<DeltaResult | null> {
    this.running = true;
    this.progress = { done: 0, total: 0, name: firstStep };
    const worker = this.createWorker();
    try {
      const result: DeltaResult = { ...pair, report: await run(worker, (p) => (this.progress = p)) };
      this.results = [...this.results.filter((r) => !(r.baseId === result.baseId && r.modelId === result.modelId)), result];
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
