/**
 * `ftlab eval`: run an evaluation plan (models × test sets × modes × shots × templates × the
 * first N items) on the cpu engine, the paper's protocol by default, writing every sample's
 * record to a JSON-lines file as soon as it exists (src/store/jsonlRecordStore.ts). Running the
 * same command again resumes: samples whose record (same cell, item and prompt hash) is in the
 * file are skipped. Ctrl+C stops between samples and keeps every finished one.
 *
 * stdout: one JSON line per cell, its aggregate over ALL the cell's stored records:
 * {cell, modelId, dataset, task, mode, shots, template, scoring, [tokenization], [maxNewTokens
 * (generation cells, when not 60)], expected, n,
 * errors, missing, rougeL: {mean, mid, low, high, seed, nSamples} | accuracy: {correct, value,
 * low, high}, [errorCodes]}. stderr: progress. Exit 0, or 130 when cancelled.
 */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import type { ModelSpec } from '../../core/engine.ts';
import { DEFAULT_LIMIT, DEFAULT_MAX_NEW_TOKENS, estimatePlan, expandPlan, presetTestSets, PRESET_KINDS, runPlan, type PresetKind, type CellResult, type EvalMode, type EvalPlan, type LabelScoring, type RunProgress } from '../../core/run/index.ts';
import type { PromptTokenization } from '../../core/run/records.ts';
import { JsonlRecordStore } from '../../store/jsonlRecordStore.ts';
import { DEFAULT_STUDY_SETTINGS } from '../../core/datasets/protocol.ts';
import { createNodeCpuEngine } from '../../../workers/backends/cpu/node.ts';
import type { CliCommand, CliIO } from '../types.ts';
import { CliOptionError } from '../support/errors.ts';
import { intOption } from '../support/input.ts';
import { EvalProgress } from '../support/progress.ts';
import { testSetsFromCatalogue, testSetsFromFiles } from '../support/test-sets.ts';
import { ENGINE_OPTIONS, requireCpuEngine, resolveModelDir } from './engine-options.ts';

const MODES: readonly EvalMode[] = ['zero-shot', 'icl', 'fticl'];
const LABEL_SCORINGS: readonly LabelScoring[] = ['paper', 'in-context', 'full-label'];
const TOKENIZATIONS: readonly PromptTokenization[] = ['protocol', 'paper-code'];

type Values = Record<string, string | boolean | string[] | undefined>;

const fail = (msg: string, hint?: string): CliOptionError => new CliOptionError('eval', msg, hint);

/** Every value of a repeatable option, comma lists split: ["0,1", "2"] → ["0", "1", "2"]. */
function listOption(v: unknown): string[] {
  const raw = v === undefined ? [] : Array.isArray(v) ? v : [String(v)];
  return raw.flatMap((s: string) => s.split(',')).map((s) => s.trim()).filter((s) => s.length > 0);
}

/** A repeatable option's values as given (file paths may contain commas). */
function repeated(v: unknown): string[] {
  return v === undefined ? [] : Array.isArray(v) ? (v as string[]) : [String(v)];
}

function oneOf<T extends string>(value: string | undefined, allowed: readonly T[], name: string, fallback: T): T {
  if (value === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(value)) throw fail(`--${name} must be one of ${allowed.join(', ')}, not "${value}"`);
  return value as T;
}

function intList(values: string[], name: string, min: number, max: number): number[] {
  return values.map((v) => intOption(v, name, (m) => fail(m), min, max)!);
}

function modelSpecs(values: Values): ModelSpec[] {
  const models = repeated(values.model);
  if (models.length === 0) throw fail('--model DIR is required (an MLC model folder; repeat it for several models)', 'e.g. --model public/models/tiny-random-llama-f32 (`npm run make-tiny-model` makes it)');
  const fail2 = (m: string) => fail(m);
  const contextWindow = intOption(values['context-window'] as string | undefined, 'context-window', fail2, 1);
  const seen = new Map<string, string>();
  return models.map((m) => {
    const dir = resolveModelDir(m);
    if (!existsSync(dir) || !statSync(dir).isDirectory()) throw fail(`--model ${m}: no such folder`, 'give an MLC model folder (mlc-chat-config.json, tensor cache, tokenizer), or the id of one under public/models');
    // Records are keyed by the model's id: its folder's name.
    const id = path.basename(path.resolve(dir));
    const other = seen.get(id);
    if (other !== undefined) throw fail(`--model ${other} and --model ${m} share the folder name "${id}", which keys their records`, 'rename one folder');
    seen.set(id, m);
    return { id, url: dir, ...(contextWindow ? { contextWindow } : {}) };
  });
}

/** The plan the options describe (test sets read from disk). */
export async function planFromOptions(values: Values): Promise<EvalPlan> {
  const models = modelSpecs(values);
  const preset = presetOption(values.preset as string | undefined);
  if (preset) {
    if (values['paper-data'] === undefined) throw fail('--preset needs --paper-data DIR (the preset names the paper\'s test sets)');
    if (values['test-set'] !== undefined) throw fail('--preset chooses the test sets; leave out --test-set');
    values = { ...values, 'test-set': presetTestSets(preset.trainingSet, preset.kind).map((t) => t.dataset) };
  }
  const modes = listOption(values.mode ?? 'zero-shot,icl').map((m) => oneOf(m, MODES, 'mode', 'zero-shot'));
  if (modes.length === 0) throw fail('--mode needs at least one of zero-shot, icl, fticl');
  const shotValues = listOption(values.shots);
  const shots = shotValues.length > 0 ? intList(shotValues, 'shots', 0, 64) : undefined;
  const templates = intList(listOption(values.templates ?? '0,1'), 'templates', 0, 99);
  if (templates.length === 0) throw fail('--templates needs at least one template index');
  const limit = intOption(values.limit as string | undefined, 'limit', (m) => fail(m), 1) ?? DEFAULT_LIMIT;
  const maxNewTokens = intOption(values['max-new-tokens'] as string | undefined, 'max-new-tokens', (m) => fail(m), 1) ?? DEFAULT_MAX_NEW_TOKENS;
  const labelScoring = oneOf(values['label-scoring'] as string | undefined, LABEL_SCORINGS, 'label-scoring', 'paper');
  const tokenization = oneOf(values.tokenization as string | undefined, TOKENIZATIONS, 'tokenization', 'protocol');

  const paperData = values['paper-data'] as string | undefined;
  const data = repeated(values.data);
  if ((paperData === undefined) === (data.length === 0)) {
    throw fail('give the test sets either by --paper-data DIR --test-set NAME[,NAME] or by --data FILE --task TASK [--demos FILE]');
  }
  const fticlPool = values['fticl-pool'] as string | undefined;
  let testSets;
  if (paperData !== undefined) {
    for (const o of ['task', 'demos', 'fticl-task']) if (values[o] !== undefined) throw fail(`--${o} goes with --data, not --paper-data (the catalogue knows each test set's task and few-shot file)`);
    if (!existsSync(paperData)) throw fail(`--paper-data ${paperData}: no such folder`, 'give the folder holding the paper\'s data (summary/, sentiment/, ... and prompt_map.json)');
    testSets = await testSetsFromCatalogue({ dir: paperData, names: listOption(values['test-set']), fticlPool, modes });
  } else {
    if (values['test-set'] !== undefined) throw fail('--test-set goes with --paper-data DIR');
    testSets = await testSetsFromFiles({ data, tasks: listOption(values.task), demos: repeated(values.demos), fticlPool, fticlTask: values['fticl-task'] as string | undefined, modes });
  }
  return { models, testSets, modes, ...(shots ? { shots } : {}), templates, limit, labelScoring, maxNewTokens, tokenization };
}

/** `--preset paws:in-domain` → the training set and setting (the Batch view's presets). */
function presetOption(v: string | undefined): { trainingSet: string; kind: PresetKind } | undefined {
  if (v === undefined) return undefined;
  const [trainingSet, kind] = v.split(':');
  const sets = Object.keys(DEFAULT_STUDY_SETTINGS);
  if (!sets.includes(trainingSet) || !(PRESET_KINDS as readonly string[]).includes(kind)) {
    throw fail(`--preset must be TRAINING_SET:SETTING, TRAINING_SET one of ${sets.join(', ')} and SETTING one of ${PRESET_KINDS.join(', ')}; not "${v}"`);
  }
  return { trainingSet, kind: kind as PresetKind };
}

/** The `--estimate` line: the work before it runs. */
async function printEstimate(plan: EvalPlan, out: string, io: CliIO): Promise<void> {
  const engine = createNodeCpuEngine();
  const store = existsSync(out) ? await JsonlRecordStore.open(out) : undefined;
  const windows = new Map<string, number>();
  try {
    let loaded: string | undefined;
    const est = await estimatePlan(plan, {
      // The model's own tokenizer (and context window): load each model once, in plan order.
      countTokens: async (p, cell) => {
        if (loaded !== cell.model.id) {
          windows.set(cell.model.id, (await engine.load(cell.model)).contextWindow);
          loaded = cell.model.id;
        }
        return p.ids ? p.ids.length : (await engine.tokenize(p.text, { bos: p.bos })).length;
      },
      contextWindow: (id) => windows.get(id),
      ...(store ? { store } : {}),
    });
    const { perCell: _cells, ...summary } = est;
    io.out(JSON.stringify({ estimate: summary }) + '\n');
  } finally {
    await engine.unload().catch(() => undefined);
    await store?.close();
  }
}

/** A signal aborted by the first Ctrl+C; the second one ends the process the default way. */
function sigintSignal(io: CliIO): { signal: AbortSignal; dispose: () => void } {
  const ac = new AbortController();
  const onSigint = (): void => {
    io.err('\neval: Ctrl+C: stopping after the current sample (press it again to quit at once)\n');
    ac.abort();
  };
  process.once('SIGINT', onSigint);
  return { signal: ac.signal, dispose: () => void process.off('SIGINT', onSigint) };
}

/** One stdout line per cell: its key, spec and aggregate. */
export function summaryLine(cell: CellResult): Record<string, unknown> {
  return { cell: cell.key, ...cell.spec, ...cell.aggregate };
}

export const evalCommand: CliCommand = {
  name: 'eval',
  summary: 'run an evaluation plan on the cpu engine; records to a JSON-lines file (rerun to resume), one summary line per cell',
  options: {
    engine: ENGINE_OPTIONS.engine,
    model: { type: 'string', multiple: true, description: 'MLC model folder, or the id of one under public/models (repeatable: one model after the other)' },
    'context-window': ENGINE_OPTIONS['context-window'],
    'paper-data': { type: 'string', description: 'the paper\'s data folder (summary/, sentiment/, ...): test sets by name with --test-set' },
    'test-set': { type: 'string', multiple: true, description: 'with --paper-data: test set names, e.g. sst2,xsum (their few-shot files come along)' },
    data: { type: 'string', multiple: true, description: 'instead of --paper-data: a test set file (JSON, JSONL, CSV; repeatable)' },
    task: { type: 'string', multiple: true, description: 'with --data: its task (one for all files, or one per --data)' },
    demos: { type: 'string', multiple: true, description: 'with --data: its few-shot file (one per --data; needed for icl)' },
    'fticl-pool': { type: 'string', description: 'for --mode fticl: the FTICL training pool: a dataset name with --paper-data (e.g. amazon), a file with --data' },
    'fticl-task': { type: 'string', description: 'with --data and --fticl-pool FILE: the pool\'s task (default: each test set\'s)' },
    mode: { type: 'string', description: 'zero-shot,icl,fticl (comma list; default zero-shot,icl)' },
    shots: { type: 'string', description: 'shot counts for icl/fticl, e.g. 2,4 (default: the paper\'s per task: summary/question 4,2,1; sentiment/detection 2,4,6; inference 3,5,7)' },
    templates: { type: 'string', description: 'prompt maps, e.g. 0,1 (default 0,1, the paper\'s)' },
    limit: { type: 'string', description: `first N items of each test set (default ${DEFAULT_LIMIT}, the paper's)` },
    'label-scoring': { type: 'string', description: 'classification: paper (default: the fixed first-token ids) | in-context | full-label' },
    tokenization: { type: 'string', description: 'protocol (default) | paper-code (the authors\' exact token ids; Llama-2 vocabulary only)' },
    'max-new-tokens': { type: 'string', description: `generation length (default ${DEFAULT_MAX_NEW_TOKENS}, the paper's)` },
    seed: { type: 'string', description: 'ROUGE-L bootstrap seed (default 0; the paper fixed none)' },
    out: { type: 'string', description: 'records file (JSON lines); the same file again resumes the run' },
    'retry-errors': { type: 'boolean', description: 'evaluate again the samples whose stored record is an error' },
    preset: { type: 'string', description: `with --paper-data: the paper's setting TRAINING_SET:${PRESET_KINDS.join('|')} (e.g. paws:in-domain) instead of --test-set` },
    estimate: { type: 'boolean', description: 'print the work (cells, samples, stored, prompt tokens, new tokens at most, prompts over the context window) and stop' },
  },
  async run(values, _positionals, io) {
    requireCpuEngine('eval', values);
    const out = values.out as string | undefined;
    if (!out) throw fail('--out FILE.jsonl is required (the records; running the same command again resumes from it)');
    const seed = intOption(values.seed as string | undefined, 'seed', (m) => fail(m), 0, 2 ** 32 - 1) ?? 0;
    const plan = await planFromOptions(values);
    // Every plan error (too few demos, a template the task lacks) before the file is touched.
    const cellCount = expandPlan(plan).length;
    if (values.estimate === true) {
      await printEstimate(plan, out, io);
      return 0;
    }

    const store = await JsonlRecordStore.open(out, { onWarning: (w) => io.err(`eval: warning: ${w}\n`) });
    const interrupt = io.signal ? undefined : sigintSignal(io);
    const signal = io.signal ?? interrupt!.signal;
    const engine = createNodeCpuEngine();
    const progress = new EvalProgress({ write: io.err, tty: io.errIsTTY === true });
    const load = engine.load.bind(engine);
    engine.load = async (spec, onProgress) => {
      progress.line(`eval: loading ${spec.id} from ${spec.url}`);
      return load(spec, onProgress);
    };
    let started = false;
    const onProgress = (p: RunProgress): void => {
      if (!started) {
        started = true;
        progress.start(p, cellCount, out);
      } else progress.update(p);
    };
    try {
      const result = await runPlan(plan, { engine, store, signal, onProgress, seed, retryErrors: values['retry-errors'] === true });
      progress.end(result, out);
      for (const cell of result.cells) io.out(JSON.stringify(summaryLine(cell)) + '\n');
      return result.status === 'cancelled' ? 130 : 0;
    } finally {
      progress.clearLive();
      interrupt?.dispose();
      await engine.unload().catch(() => undefined);
      await store.close();
    }
  },
};
