/**
 * The Playground's work: the prompt of the chosen item under the chosen mode, and one column per
 * model with its streamed output (generation) or label scores (classification). App-lifetime: a
 * run keeps going, and its columns keep their results, while the user looks at another view.
 */
import type { GenerateResult, GenerateStep } from '../../core/engine.ts';
import { FtlabError } from '../../core/errors.ts';
import type { BuiltPrompt } from '../../core/prompts/types.ts';
import type { Score } from '../../core/metrics/score.ts';
import type { Classification } from '../../core/scoring/classify.ts';
import { getTask } from '../../core/tasks/paper-tasks.ts';
import { isClassification, type TaskDefinition } from '../../core/tasks/types.ts';
import type { TaskItem } from '../../core/datasets/types.ts';
import { describeError } from '../../engine-client/errors.ts';
import { TYPED_DATASET_ID, type PlaygroundRoute } from '../app/routes.ts';
import { typedDataset, type DatasetLibrary, type Dataset } from './datasets.svelte.ts';
import type { ModelSlots, ShownError } from './model-slots.svelte.ts';

/** The paper's generation budget. */
export const MAX_NEW_TOKENS = 60;
/** Alternatives shown per generated token. */
export const TOP_ALTERNATIVES = 5;

export type ColumnStatus = 'waiting' | 'loading' | 'running' | 'done' | 'cancelled' | 'error';

export interface Column {
  modelId: string;
  status: ColumnStatus;
  /** Streamed text so far (generation). */
  text: string;
  steps: GenerateStep[];
  generation?: GenerateResult;
  /** ROUGE-L of the post-processed output against the reference. */
  rouge?: { prediction: string; rougeL: Score };
  classification?: Classification;
  error?: ShownError;
}

/** What the prompt view shows: the item, its prompt, and why nothing can be shown yet. */
export type Prepared =
  | {
      state: 'ready';
      dataset: Dataset;
      item: TaskItem;
      task: TaskDefinition;
      prompt: BuiltPrompt;
      /** The template index used (the route's, clamped to the task's templates). */
      map: number;
      /** The demonstrations, in prompt order. */
      demoItems: readonly TaskItem[];
      poolTitle?: string;
      ids?: number[];
    }
  | { state: 'loading'; message: string }
  | { state: 'unavailable'; message: string; hint: string; catalogue?: string }
  | { state: 'error'; error: ShownError };

/**
 * The heavy core (prompt building counts Llama-2 tokens with a 600 kB tokenizer; ROUGE; label
 * scoring) is fetched when first needed, so the page's initial JavaScript stays small.
 */
const heavyCore = () =>
  Promise.all([
    import('../../core/prompts/build.ts'),
    import('../../core/prompts/paper-tokens.ts'),
    import('../../core/run/generationMetric.ts'),
    import('../../core/scoring/classify.ts'),
  ]).then(([build, paperTokens, metric, classify]) => ({
    createPromptBuilder: build.createPromptBuilder,
    paperEvaluationTokenIds: paperTokens.paperEvaluationTokenIds,
    generationMetric: metric.generationMetric,
    classifyPrompt: classify.classifyPrompt,
  }));

export class Playground {
  prepared = $state.raw<Prepared>({ state: 'loading', message: 'preparing' });
  columns = $state.raw<readonly Column[]>([]);
  running = $state(false);
  /** The route the columns were run with (results stay tied to what produced them). */
  ranWith = $state.raw<PlaygroundRoute | null>(null);
  #cancelled = false;
  #currentEngine: { interrupt(): Promise<void> } | null = null;
  #prepareToken = 0;

  constructor(
    private readonly library: DatasetLibrary,
    private readonly slots: ModelSlots,
  ) {}

  /** Builds the prompt for a route (fetching a catalogue pool if needed). Latest call wins. */
  async prepare(route: PlaygroundRoute): Promise<Prepared> {
    const token = ++this.#prepareToken;
    const set = (p: Prepared): Prepared => {
      if (token === this.#prepareToken) this.prepared = p;
      return p;
    };
    try {
      if (!this.library.ready) await this.library.init();
      const dataset = route.data === TYPED_DATASET_ID ? typedDataset(route.task, route.typed) : this.library.get(route.data);
      if (!dataset) {
        const avail = this.library.availability(route.data);
        if (avail === 'catalogue') {
          return set({ state: 'unavailable', message: `this link uses the paper's dataset "${route.data}", which is not in this browser yet`, hint: 'load it from the catalogue (it is fetched once and kept)', catalogue: route.data });
        }
        return set({ state: 'unavailable', message: `this link uses dataset "${route.data}", which is not in this browser`, hint: 'import it in Datasets, or load it from the catalogue' });
      }
      const task = getTask(dataset.task);
      if (dataset.origin === 'typed' && task.inputFields.every((f) => !route.typed[f]?.trim())) {
        return set({ state: 'unavailable', message: 'the typed-in item is empty', hint: `type its ${task.inputFields.join(' and ')} above` });
      }
      const item = dataset.origin === 'typed' ? dataset.items[0] : dataset.items[route.item];
      if (!item) return set({ state: 'unavailable', message: `dataset "${dataset.title}" has ${dataset.items.length} items: there is no item ${route.item + 1}`, hint: 'pick another item' });
      const shots = route.mode === 'zero-shot' ? 0 : Math.max(1, route.shots);
      let demos: readonly TaskItem[] | undefined;
      let poolTitle: string | undefined;
      if (shots > 0) {
        if (token === this.#prepareToken) this.prepared = { state: 'loading', message: 'fetching the demonstration pool' };
        const pool = await this.library.poolFor(dataset, route.pool);
        demos = pool.items;
        poolTitle = pool.title;
      }
      const { createPromptBuilder, paperEvaluationTokenIds } = await heavyCore();
      const map = Math.min(route.map, task.templates.length - 1);
      const prompt = createPromptBuilder(task, { mode: route.mode, shots, demos, template: map })(item);
      const ids = route.tokenization === 'paper-code' ? paperEvaluationTokenIds(task, prompt) : undefined;
      const demoItems = prompt.demos.map((d) => demos?.find((x) => x.index === d.index && x.source === d.source)).filter((x): x is TaskItem => x !== undefined);
      return set({ state: 'ready', dataset, item, task, prompt, map, demoItems, poolTitle, ...(ids ? { ids } : {}) });
    } catch (e) {
      return set({ state: 'error', error: describeError(e) });
    }
  }

  /** Runs the prepared prompt on each model of the route, one column each, in order. */
  async run(route: PlaygroundRoute): Promise<void> {
    if (this.running) return;
    // Reset the columns at once: no column may still show the previous run's result as this one's.
    this.running = true;
    this.#cancelled = false;
    this.ranWith = route;
    this.columns = route.models.map((modelId) => ({ modelId, status: 'waiting', text: '', steps: [] }));
    try {
      const prepared = await this.prepare(route);
      if (prepared.state !== 'ready') return;
      for (let i = 0; i < route.models.length; i++) {
        if (this.#cancelled) {
          this.#patch(i, { status: 'cancelled' });
          continue;
        }
        await this.#runColumn(i, route, prepared);
      }
    } finally {
      this.running = false;
      this.#currentEngine = null;
    }
  }

  /** Stops the running generation and skips the columns not started. */
  async cancel(): Promise<void> {
    if (!this.running) return;
    this.#cancelled = true;
    await this.#currentEngine?.interrupt().catch(() => undefined);
  }

  async #runColumn(i: number, route: PlaygroundRoute, p: Extract<Prepared, { state: 'ready' }>): Promise<void> {
    const modelId = route.models[i];
    try {
      await this.slots.whenRestored();
      if (!this.slots.source(modelId)) throw new FtlabError('model-unknown', `this link uses model "${modelId}", which is not in this browser`, 'add it in Models (by URL or from a local folder), or remove it from the columns');
      this.#patch(i, { status: 'loading' });
      const engine = await this.slots.engineFor(modelId);
      this.#currentEngine = engine;
      if (this.#cancelled) return this.#patch(i, { status: 'cancelled' });
      this.#patch(i, { status: 'running' });
      const prompt = { text: p.prompt.text, bos: p.prompt.bos, ...(p.ids ? { ids: p.ids } : {}) };
      const { classifyPrompt, generationMetric } = await heavyCore();
      if (isClassification(p.task)) {
        const classification = await classifyPrompt(engine, { task: p.task, prompt, scoring: route.scoring });
        this.#patch(i, { status: 'done', classification });
        return;
      }
      const steps: GenerateStep[] = [];
      const generation = await engine.generate({
        prompt: p.ids ? { ids: p.ids } : { text: prompt.text, bos: prompt.bos },
        maxTokens: MAX_NEW_TOKENS,
        stopAtEos: true,
        logprobs: { top: TOP_ALTERNATIVES },
        onToken: (t) => {
          if (t.step) steps[t.index] = t.step;
          this.#patch(i, { text: t.text, steps: [...steps] });
        },
      });
      const rouge = generationMetric(generation.text, p.item.output);
      this.#patch(i, { status: generation.finishReason === 'interrupted' ? 'cancelled' : 'done', text: generation.text, steps: generation.steps ?? steps, generation, rouge });
    } catch (e) {
      this.#patch(i, { status: 'error', error: describeError(e) });
    }
  }

  #patch(i: number, patch: Partial<Column>): void {
    this.columns = this.columns.map((c, j) => (j === i ? { ...c, ...patch } : c));
  }
}
