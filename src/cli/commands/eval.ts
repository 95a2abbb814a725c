/**
 * `ftlab eval`: run an evaluation plan (models × test sets × modes × shots × templates × the
 * first N items) on the cpu engine or an OpenAI-compatible server (--engine openai: vLLM,
 * llama.cpp's server; workers/backends/openai), the paper's protocol by default, writing every sample's
 * record to a JSON-lines file as soon as it exists (src/store/jsonlRecordStore.ts). Running the
 * same command again resumes: samples whose record (same cell, item and prompt hash) is in the
 * file are skipped. Ctrl+C stops between samples and keeps every finished one.
 *
 * stdout: one JSON line per cell, its aggregate over ALL the cell's stored records:
 * {cell, modelId, dataset, task, mode, shots, template, scoring, [tokenization], [maxNewTokens
 * (generation cells, when not 60)], expected, n,
 * errors, missing, rougeL: {mean, mid, low, high, seed, nSamples} | accuracy: {correct, value,
 * low, high}, [errorCodes]}. stderr: progress, and a line with the failed samples' error codes and
 * counts. Exit 0; 1 when samples failed (unless --tolerate-errors); 130 when cancelled.
 */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Engine, ModelSpec } from '../../core/engine.ts';
import { DEFAULT_LIMIT, DEFAULT_MAX_NEW_TOKENS, estimatePlan, expandPlan, paperPrompts, presetTestSets, ratesFromStats, PRESET_KINDS, runPlan, type PresetKind, type CellResult, type EvalPlan, type RunProgress } from '../../core/run/index.ts';
import { JsonlRecordStore } from '../../store/jsonlRecordStore.ts';
import { createNodeCpuEngine } from '../../../workers/backends/cpu/node.ts';
import { nodeFileSource } from '../../../workers/backends/cpu/node-file-source.ts';
import { OpenAiEngine } from '../../../workers/backends/openai/index.ts';
import type { CliIO } from '../types.ts';
import { defineCommand, opt, OptionValueError, type OptionValues } from '../define.ts';
import { DEFAULT_STUDY_SETTINGS } from '../../core/datasets/protocol.ts';
import { CliOptionError } from '../support/errors.ts';
import { EvalProgress } from '../support/progress.ts';
import { MAX_SHOTS, refuseUnused } from '../support/prompt-options.ts';
import { testSetsFromCatalogue, testSetsFromFiles } from '../support/test-sets.ts';
import { ENGINE_OPTIONS, ENGINES, requireCpuEngine, resolveModelDir } from './engine-options.ts';
import { PROMPT_MODES, PROMPT_TOKENIZATIONS } from '../../core/prompts/index.ts';
import { LABEL_SCORINGS } from '../../core/scoring/index.ts';

const fail = (msg: string, hint?: string): CliOptionError => new CliOptionError('eval', msg, hint);

/** The engines `eval` runs on: the local ones, or a server's /v1/completions. */
const EVAL_ENGINES = [...ENGINES, 'openai'] as const;

/** The options only --engine openai takes. */
const OPENAI_ONLY = ['base-url', 'tokenizer', 'api-key-env', 'concurrency', 'timeout-ms', 'retries'] as const;

const EVAL_OPTIONS = {
  engine: opt.choice('cpu (default; the TypeScript reference engine) | webgpu (browser only) | openai (an OpenAI-compatible server: vLLM, llama.cpp\'s server)', EVAL_ENGINES, { default: 'cpu' }),
  model: opt.strings('cpu: MLC model folder, or the id of one under public/models; openai: a served model name (a LoRA adapter is its own name). Repeatable: one model after the other', { value: 'DIR|NAME' }),
  'base-url': opt.strings('openai: the server\'s base URL, e.g. http://127.0.0.1:8000/v1 (repeatable: replicas; each request goes to the least busy)', { value: 'URL' }),
  tokenizer: opt.string('openai: folder with the served model\'s tokenizer.json (ftlab tokenizes locally and checks the server\'s token counts against it)', { value: 'DIR' }),
  'api-key-env': opt.string('openai: the environment variable holding the API key (the key itself never goes on the command line)', { value: 'VAR' }),
  concurrency: opt.int('openai: requests in flight over all base URLs (default 4)', { min: 1, max: 256, value: 'N' }),
  'timeout-ms': opt.int('openai: per request (default 120000)', { min: 1, value: 'MS' }),
  retries: opt.int('openai: retries on 429, 5xx, timeouts and dropped connections, with backoff (default 4)', { min: 0, max: 20, value: 'N' }),
  'context-window': ENGINE_OPTIONS['context-window'],
  'paper-data': opt.string('the paper\'s data folder (summary/, sentiment/, ...): test sets by name with --test-set', { value: 'DIR' }),
  'test-set': opt.list('with --paper-data: test set names, e.g. sst2,xsum (their few-shot files come along)', { value: 'NAME[,NAME]' }),
  data: opt.strings('instead of --paper-data: a test set file (JSON, JSONL, CSV; repeatable)', { value: 'FILE' }),
  task: opt.list('with --data: its task (one for all files, or one per --data)', { value: 'TASK' }),
  demos: opt.strings('with --data: its few-shot file (one per --data; needed for icl)', { value: 'FILE' }),
  'fticl-pool': opt.string('for --mode fticl: the FTICL training pool: a dataset name with --paper-data (e.g. amazon), a file with --data', { value: 'NAME|FILE' }),
  'fticl-task': opt.string('with --data and --fticl-pool FILE: the pool\'s task (default: each test set\'s)', { value: 'TASK' }),
  mode: opt.choiceList('zero-shot,icl,fticl (comma list; default zero-shot,icl)', PROMPT_MODES, { default: ['zero-shot', 'icl'] }),
  shots: opt.intList('shot counts for icl/fticl, e.g. 2,4 (default: the paper\'s per task: summary/question 4,2,1; sentiment/detection 2,4,6; inference 3,5,7; 0 is the zero-shot prompt)', { min: 0, max: MAX_SHOTS }),
  templates: opt.intList('prompt maps, e.g. 0,1 (default 0,1, the paper\'s)', { min: 0, max: 99, default: [0, 1] }),
  limit: opt.int(`first N items of each test set (default ${DEFAULT_LIMIT}, the paper's)`, { min: 1, default: DEFAULT_LIMIT }),
  'label-scoring': opt.choice('classification: paper (default: the fixed first-token ids) | in-context | full-label', LABEL_SCORINGS, { default: 'paper' }),
  tokenization: opt.choice('protocol (default) | paper-code (the authors\' exact token ids; Llama-2 vocabulary only)', PROMPT_TOKENIZATIONS, { default: 'protocol' }),
  'max-new-tokens': opt.int(`generation length (default ${DEFAULT_MAX_NEW_TOKENS}, the paper's)`, { min: 1, default: DEFAULT_MAX_NEW_TOKENS }),
  seed: opt.int('ROUGE-L bootstrap seed (default 0; the paper fixed none)', { min: 0, max: 2 ** 32 - 1, default: 0, value: 'S' }),
  out: opt.string('records file (JSON lines); the same file again resumes the run', {
    value: 'FILE.jsonl',
    required: 'the records; running the same command again resumes from it',
  }),
  'retry-errors': opt.flag('evaluate again the samples whose stored record is an error'),
  'tolerate-errors': opt.flag('exit 0 even when some samples failed (their error records are kept; default: exit 1)'),
  preset: opt.custom(`with --paper-data: the paper's setting for a training set instead of --test-set, e.g. paws:in-domain`, `TRAINING_SET:${PRESET_KINDS.join('|')}`, parsePreset),
  estimate: opt.flag('print the work (cells, samples, already stored, prompt tokens with the model\'s tokenizer, new tokens at most, prompts over the context window, time at rates measured by one short generation) and run nothing'),
};

/** `--preset paws:in-domain` → the training set and setting (the Batch view's presets). */
function parsePreset(text: string | undefined, flag: string): { trainingSet: string; kind: PresetKind } | undefined {
  if (text === undefined) return undefined;
  const [trainingSet, kind] = text.split(':');
  const sets = Object.keys(DEFAULT_STUDY_SETTINGS);
  const found = PRESET_KINDS.find((k) => k === kind);
  if (!sets.includes(trainingSet) || found === undefined) {
    throw new OptionValueError(`${flag} must be TRAINING_SET:SETTING, TRAINING_SET one of ${sets.join(', ')} and SETTING one of ${PRESET_KINDS.join(', ')}; not ${JSON.stringify(text)}`);
  }
  return { trainingSet, kind: found };
}

type Values = OptionValues<typeof EVAL_OPTIONS>;

/**
 * --engine openai: the served model names (records are keyed by them) and the tokenizer folder
 * they share (the served model's tokenizer.json; an MLC or Hugging Face folder).
 */
function servedModelSpecs(values: Values): ModelSpec[] {
  const names = values.model;
  if (names.length === 0) throw fail('--model NAME is required with --engine openai (a model name the server lists at /v1/models; repeat it, e.g. the base model and its LoRA adapters)');
  const tokenizer = values.tokenizer;
  if (!tokenizer) throw fail('--tokenizer DIR is required with --engine openai: the folder with the served model\'s tokenizer.json', 'ftlab tokenizes locally and checks the server\'s token counts against it');
  const dir = resolveModelDir(tokenizer);
  if (!existsSync(path.join(dir, 'tokenizer.json'))) throw fail(`--tokenizer ${tokenizer}: no tokenizer.json there`);
  const contextWindow = values['context-window'];
  const seen = new Set<string>();
  return names.map((id) => {
    if (seen.has(id)) throw fail(`--model ${id} is given twice`);
    seen.add(id);
    return { id, url: dir, ...(contextWindow ? { contextWindow } : {}) };
  });
}

/** The OpenAI-compatible client the options describe. */
function openAiEngine(values: Values, io: CliIO): OpenAiEngine {
  const baseUrls = values['base-url'];
  if (baseUrls.length === 0) throw fail('--base-url URL is required with --engine openai (e.g. http://127.0.0.1:8000/v1; repeat it for replicas)');
  const keyVar = values['api-key-env'];
  const apiKey = keyVar === undefined ? undefined : process.env[keyVar];
  if (keyVar !== undefined && !apiKey) throw fail(`--api-key-env ${keyVar}: that environment variable is empty or unset`);
  return new OpenAiEngine({
    baseUrls,
    apiKey,
    concurrency: values.concurrency ?? DEFAULT_CONCURRENCY,
    timeoutMs: values['timeout-ms'] ?? 120_000,
    retries: values.retries ?? 4,
    openFiles: nodeFileSource,
    onWarning: (w) => io.err(`eval: warning: ${w}\n`),
  });
}

/** cpu (or webgpu's "browser only" error), or openai; the openai options only with openai. */
function evalEngine(values: Values): 'cpu' | 'openai' {
  if (values.engine === 'openai') return 'openai';
  requireCpuEngine(values.engine);
  refuseUnused('eval', values, OPENAI_ONLY, 'goes with --engine openai');
  return 'cpu';
}

const DEFAULT_CONCURRENCY = 4;

function modelSpecs(values: Values): ModelSpec[] {
  const models = values.model;
  if (models.length === 0) throw fail('--model DIR is required (an MLC model folder; repeat it for several models)', 'e.g. --model public/models/tiny-random-llama-f32 (`npm run make-tiny-model` makes it)');
  const contextWindow = values['context-window'];
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
  const models = values.engine === 'openai' ? servedModelSpecs(values) : modelSpecs(values);
  const modes = values.mode;
  const shots = values.shots.length > 0 ? values.shots : undefined;
  if (shots && !modes.some((m) => m !== 'zero-shot')) throw fail('--shots applies to --mode icl and fticl; this plan is zero-shot only');
  if (shots && shots.every((k) => k === 0)) throw fail('--shots 0 only makes zero-shot cells: use --mode zero-shot, or give shot counts ≥ 1 (a 0 among them adds the zero-shot prompt, as the paper\'s lists do)');
  const { templates, limit, tokenization } = values;
  const labelScoring = values['label-scoring'];
  const maxNewTokens = values['max-new-tokens'];

  const paperData = values['paper-data'];
  const data = values.data;
  if ((paperData === undefined) === (data.length === 0)) {
    throw fail('give the test sets either by --paper-data DIR --test-set NAME[,NAME] or by --data FILE --task TASK [--demos FILE]');
  }
  const fticlPool = values['fticl-pool'];
  let testSets;
  if (paperData !== undefined) {
    refuseUnused('eval', values, ['task', 'demos', 'fticl-task'], 'goes with --data, not --paper-data (the catalogue knows each test set\'s task and few-shot file)');
    if (!existsSync(paperData)) throw fail(`--paper-data ${paperData}: no such folder`, 'give the folder holding the paper\'s data (summary/, sentiment/, ... and prompt_map.json)');
    const preset = values.preset;
    if (preset && values['test-set'].length > 0) throw fail('--preset chooses the test sets; leave out --test-set');
    const names = preset ? presetTestSets(preset.trainingSet, preset.kind).map((t) => t.dataset) : values['test-set'];
    testSets = await testSetsFromCatalogue({ dir: paperData, names, fticlPool, modes });
  } else {
    refuseUnused('eval', values, ['test-set', 'preset'], 'goes with --paper-data DIR');
    testSets = await testSetsFromFiles({ data, tasks: values.task, demos: values.demos, fticlPool, fticlTask: values['fticl-task'], modes });
  }
  return { models, testSets, modes, ...(shots ? { shots } : {}), templates, limit, labelScoring, maxNewTokens, tokenization };
}

/** The `--estimate` line: the work before it runs. */
async function printEstimate(plan: EvalPlan, out: string, io: CliIO, engine: Engine): Promise<void> {
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
    // Rates measured on this machine: one short generation (the plan's shortest cell's first
    // prompt, on the last model loaded); none when even that does not fit.
    const cells = expandPlan(plan);
    const shortest = est.perCell.reduce((a, c, i) => (c.maxPromptTokens < est.perCell[a].maxPromptTokens ? i : a), 0);
    const cell = cells[shortest];
    const p = paperPrompts(cell)(cell.testSet.items[0]);
    const rates = await engine
      .generate({ prompt: p.ids ? { ids: p.ids } : { text: p.text, bos: p.bos }, maxTokens: 16 })
      .then(async () => ratesFromStats(await engine.stats()))
      .catch((e: unknown) => void io.err(`eval: --estimate: no time estimate: the rate probe failed (${e instanceof Error ? e.message : String(e)})\n`));
    const { perCell: _cells, ...summary } = est;
    const seconds = rates ? est.promptTokens / rates.prefill + est.maxNewTokens / rates.decode : undefined;
    io.out(JSON.stringify({ estimate: { ...summary, ...(rates ? { rates, seconds } : {}) } }) + '\n');
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

/** "3 samples failed: context-window-exceeded ×2, non-finite-output ×1", or undefined when none did. */
export function errorSummary(cells: readonly CellResult[]): string | undefined {
  const byCode = new Map<string, number>();
  for (const c of cells) for (const [code, n] of Object.entries(c.aggregate.errorCodes ?? {})) byCode.set(code, (byCode.get(code) ?? 0) + n);
  const total = [...byCode.values()].reduce((a, b) => a + b, 0);
  if (total === 0) return undefined;
  const codes = [...byCode].sort((a, b) => b[1] - a[1]).map(([code, n]) => `${code} ×${n}`);
  return `${total} sample${total === 1 ? '' : 's'} failed: ${codes.join(', ')}`;
}

/** One stdout line per cell: its key, spec and aggregate. */
export function summaryLine(cell: CellResult): Record<string, unknown> {
  return { cell: cell.key, ...cell.spec, ...cell.aggregate };
}

export const evalCommand = defineCommand({
  name: 'eval',
  summary: 'run an evaluation plan on the cpu engine or an OpenAI-compatible server; records to a JSON-lines file (rerun to resume), one summary line per cell',
  options: EVAL_OPTIONS,
  async run(values, _positionals, io) {
    const kind = evalEngine(values);
    const { out, seed } = values;
    const plan = await planFromOptions(values);
    // Every plan error (too few demos, a template the task lacks) before the file is touched.
    const cellCount = expandPlan(plan).length;
    if (values.estimate) {
      await printEstimate(plan, out, io, kind === 'openai' ? openAiEngine(values, io) : createNodeCpuEngine());
      return 0;
    }

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
      const result = await runPlan(plan, { engine, store, signal, onProgress, seed, concurrency: openai ? (values.concurrency ?? DEFAULT_CONCURRENCY) : 1, retryErrors: values['retry-errors'] });
      progress.end(result, out);
      for (const cell of result.cells) io.out(JSON.stringify(summaryLine(cell)) + '\n');
      if (result.status === 'cancelled') return 130;
      const failed = errorSummary(result.cells);
      if (failed) {
        const tolerated = values['tolerate-errors'];
        const first = store.allRecords().find((r) => r.kind === 'error');
        if (first?.kind === 'error') progress.line(`eval: the first failed sample: ${first.dataset} item ${first.item} (${first.cellKey}): ${first.error.message}`);
        progress.line(
          `eval: ${failed}; the error records are in ${out} (--retry-errors runs them again)` + (tolerated ? '; tolerated (--tolerate-errors)' : '; exit 1 (--tolerate-errors accepts them)'),
        );
        if (!tolerated) return 1;
      }
      return 0;
    } finally {
      progress.clearLive();
      interrupt?.dispose();
      await engine.unload().catch(() => undefined);
      await store.close();
    }
  },
});
