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
import { DEFAULT_LIMIT, DEFAULT_MAX_NEW_TOKENS, expandPlan, runPlan, type CellResult, type EvalMode, type EvalPlan, type LabelScoring, type RunProgress } from '../../core/run/index.ts';
import type { PromptTokenization } from '../../core/run/records.ts';
import { JsonlRecordStore } from '../../store/jsonlRecordStore.ts';
import { createNodeCpuEngine } from '../../../workers/backends/cpu/node.ts';
import { nodeFileSource } from '../../../workers/backends/cpu/node-file-source.ts';
import { OpenAiEngine } from '../../../workers/backends/openai/index.ts';
import type { Engine } from '../../core/engine.ts';
import type { CliCommand, CliIO } from '../types.ts';
import { CliOptionError } from '../support/errors.ts';
import { intOption } from '../support/input.ts';
import { EvalProgress } from '../support/progress.ts';
import { testSetsFromCatalogue, testSetsFromFiles } from '../support/test-sets.ts';
import { ENGINE_OPTIONS, requireCpuEngine, resolveModelDir } from './engine-options.ts';

/** The engines `eval` runs on: the local cpu reference, or a server's /v1/completions. */
const EVAL_ENGINES = ['cpu', 'openai'] as const;
type EvalEngine = (typeof EVAL_ENGINES)[number];

function evalEngine(values: Values): EvalEngine {
  const kind = (values.engine as string | undefined) ?? 'cpu';
  if (kind === 'openai') return 'openai';
  if (kind !== 'cpu' && kind !== 'webgpu') throw fail(`--engine must be one of ${EVAL_ENGINES.join(', ')}, not "${kind}"`);
  requireCpuEngine('eval', values);
  for (const o of ['base-url', 'tokenizer', 'api-key-env', 'concurrency', 'timeout-ms', 'retries']) {
    if (values[o] !== undefined) throw fail(`--${o} goes with --engine openai`);
  }
  return 'cpu';
}

/**
 * --engine openai: the served model names (records are keyed by them) and the tokenizer folder
 * they share (the served model's tokenizer.json; an MLC or Hugging Face folder).
 */
function servedModelSpecs(values: Values): ModelSpec[] {
  const names = repeated(values.model);
  if (names.length === 0) throw fail('--model NAME is required with --engine openai (a model name the server lists at /v1/models; repeat it, e.g. the base model and its LoRA adapters)');
  const tokenizer = values.tokenizer as string | undefined;
  if (!tokenizer) throw fail('--tokenizer DIR is required with --engine openai: the folder with the served model\'s tokenizer.json', 'ftlab tokenizes locally and checks the server\'s token counts against it');
  const dir = resolveModelDir(tokenizer);
  if (!existsSync(path.join(dir, 'tokenizer.json'))) throw fail(`--tokenizer ${tokenizer}: no tokenizer.json there`);
  const contextWindow = intOption(values['context-window'] as string | undefined, 'context-window', (m) => fail(m), 1);
  const seen = new Set<string>();
  return names.map((id) => {
    if (seen.has(id)) throw fail(`--model ${id} is given twice`);
    seen.add(id);
    return { id, url: dir, ...(contextWindow ? { contextWindow } : {}) };
  });
}

/** The OpenAI-compatible client the options describe. */
function openAiEngine(values: Values, io: CliIO): OpenAiEngine {
  const baseUrls = repeated(values['base-url']);
  if (baseUrls.length === 0) throw fail('--base-url URL is required with --engine openai (e.g. http://127.0.0.1:8000/v1; repeat it for replicas)');
  const keyVar = values['api-key-env'] as string | undefined;
  const apiKey = keyVar === undefined ? undefined : process.env[keyVar];
  if (keyVar !== undefined && !apiKey) throw fail(`--api-key-env ${keyVar}: that environment variable is empty or unset`);
  return new OpenAiEngine({
    baseUrls,
    apiKey,
    concurrency: intOption(values.concurrency as string | undefined, 'concurrency', (m) => fail(m), 1, 256) ?? 4,
    timeoutMs: intOption(values['timeout-ms'] as string | undefined, 'timeout-ms', (m) => fail(m), 1) ?? 120_000,
    retries: intOption(values.retries as string | undefined, 'retries', (m) => fail(m), 0, 20) ?? 4,
    openFiles: nodeFileSource,
    onWarning: (w) => io.err(`eval: warning: ${w}\n`),
  });
}

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
  const models = evalEngine(values) === 'openai' ? servedModelSpecs(values) : modelSpecs(values);
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
  summary: 'run an evaluation plan on the cpu engine or an OpenAI-compatible server; records to a JSON-lines file (rerun to resume), one summary line per cell',
  options: {
    engine: { type: 'string', description: 'cpu (default; the TypeScript reference engine) | openai (an OpenAI-compatible server: vLLM, llama.cpp\'s server)' },
    model: { type: 'string', multiple: true, description: 'cpu: MLC model folder, or the id of one under public/models; openai: a served model name (a LoRA adapter is its own name). Repeatable' },
    'base-url': { type: 'string', multiple: true, description: 'openai: the server\'s base URL, e.g. http://127.0.0.1:8000/v1 (repeatable: replicas; requests go to the least busy)' },
    tokenizer: { type: 'string', description: 'openai: folder with the served model\'s tokenizer.json (ftlab tokenizes locally and checks the server against it)' },
    'api-key-env': { type: 'string', description: 'openai: name of the environment variable holding the API key (the key itself never goes on the command line)' },
    concurrency: { type: 'string', description: 'openai: requests in flight, over all base URLs (default 4)' },
    'timeout-ms': { type: 'string', description: 'openai: per request (default 120000)' },
    retries: { type: 'string', description: 'openai: retries on 429, 5xx, timeouts and dropped connections, with backoff (default 4)' },
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
  },
  async run(values, _positionals, io) {
    const kind = evalEngine(values);
    const out = values.out as string | undefined;
    if (!out) throw fail('--out FILE.jsonl is required (the records; running the same command again resumes from it)');
    const seed = intOption(values.seed as string | undefined, 'seed', (m) => fail(m), 0, 2 ** 32 - 1) ?? 0;
    const plan = await planFromOptions(values);
    // Every plan error (too few demos, a template the task lacks) before the file is touched.
    const cellCount = expandPlan(plan).length;

    // Option errors before the records file is opened (and locked).
    const openai = kind === 'openai' ? openAiEngine(values, io) : undefined;
    const store = await JsonlRecordStore.open(out, { onWarning: (w) => io.err(`eval: warning: ${w}\n`) });
    const interrupt = io.signal ? undefined : sigintSignal(io);
    const signal = io.signal ?? interrupt!.signal;
    const engine: Engine = openai ?? createNodeCpuEngine();
    const progress = new EvalProgress({ write: io.err, tty: io.errIsTTY === true });
    const load = engine.load.bind(engine);
    engine.load = async (spec, onProgress) => {
      progress.line(openai ? `eval: ${spec.id} on ${openai.pool.baseUrls.join(', ')} (tokenizer ${spec.url})` : `eval: loading ${spec.id} from ${spec.url}`);
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
      const concurrency = openai ? (intOption(values.concurrency as string | undefined, 'concurrency', (m) => fail(m), 1, 256) ?? 4) : 1;
      const result = await runPlan(plan, { engine, store, signal, onProgress, seed, concurrency, retryErrors: values['retry-errors'] === true });
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
