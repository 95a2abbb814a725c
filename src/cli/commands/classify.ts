/**
 * `ftlab classify`: label prediction with a local engine, the paper's way by default (one
 * forward pass, next-token log-probs at the labels' first-token ids; the prediction is the
 * argmax). Label ids and scoring come from src/core/scoring; prompts from src/core/prompts.
 * One JSON object per line: {index?, prediction, labels, labelTokenIds, logprobs, probs,
 * reference?, correct?, warnings?}; with --data, the accuracy goes to stderr at the end.
 */
import type { Engine } from '../../core/engine.ts';
import { createPromptBuilder, PROMPT_MODES, type PromptMode } from '../../core/prompts/index.ts';
import { classifyPrompt, type LabelIdMode, type LabelScoringMethod } from '../../core/scoring/index.ts';
import { getTask, isClassification, type TaskDefinition } from '../../core/tasks/index.ts';
import type { CliCommand } from '../types.ts';
import { CliOptionError } from '../support/errors.ts';
import { intOption, readDataset } from '../support/input.ts';
import { ENGINE_OPTIONS, openEngine } from './engine-options.ts';

const MODES: readonly PromptMode[] = PROMPT_MODES;

async function classifyOne(engine: Engine, task: TaskDefinition, prompt: string, bos: boolean, labelMode: LabelIdMode, method: LabelScoringMethod) {
  // --labels × --method onto the one label-scoring vocabulary (full-label derives its ids in context).
  const scoring = method === 'full-label' ? 'full-label' : labelMode;
  const { resolution: ids, scores } = await classifyPrompt(engine, { task, prompt: { text: prompt, bos }, scoring });
  return {
    prediction: scores.prediction,
    labels: scores.labels,
    labelTokenIds: scores.tokenIds,
    logprobs: scores.logprobs,
    probs: scores.probs,
    promptTokens: scores.promptTokens,
    ...(ids.warnings.length ? { warnings: ids.warnings.map((w) => w.message) } : {}),
  };
}

export const classifyCommand: CliCommand = {
  name: 'classify',
  summary: 'predict labels for a prompt or a dataset file (--engine cpu; the paper\'s first-token scoring)',
  options: {
    ...ENGINE_OPTIONS,
    task: { type: 'string', description: 'sentiment | detection | inference (a classification task)' },
    prompt: { type: 'string', description: 'one prompt, as the model sees it' },
    bos: { type: 'boolean', description: 'with --prompt: start it with BOS' },
    data: { type: 'string', description: 'dataset file: builds the paper\'s prompt for each item' },
    mode: { type: 'string', description: 'with --data: zero-shot (default) | icl | fticl' },
    shots: { type: 'string', description: 'with --data: k demonstrations (needs --demos)' },
    demos: { type: 'string', description: 'with --data: few-shot file the demonstrations come from' },
    template: { type: 'string', description: 'with --data: prompt map 0 (default) or 1' },
    offset: { type: 'string', description: 'with --data: first item (0-based), default 0' },
    limit: { type: 'string', description: 'with --data: how many items, default all' },
    labels: { type: 'string', description: 'label ids: paper (the fixed ids of evaluate_cross.py, default) | in-context' },
    method: { type: 'string', description: 'first-token (default, the paper\'s) | full-label (teacher-forced label likelihood)' },
  },
  async run(values, _positionals, io) {
    const fail = (msg: string) => new CliOptionError('classify', msg);
    const taskId = values.task as string | undefined;
    if (!taskId) throw fail('--task TASK is required');
    const task = getTask(taskId);
    if (!isClassification(task)) throw fail(`task "${task.id}" has no labels: use \`ftlab generate\` for it`);
    const prompt = values.prompt as string | undefined;
    const data = values.data as string | undefined;
    if ((prompt === undefined) === (data === undefined)) throw fail('give exactly one of --prompt TEXT or --data FILE');
    const labelMode = ((values.labels as string | undefined) ?? 'paper') as LabelIdMode;
    if (labelMode !== 'paper' && labelMode !== 'in-context') throw fail(`--labels must be paper or in-context, not "${labelMode}"`);
    const method = ((values.method as string | undefined) ?? 'first-token') as LabelScoringMethod;
    if (method !== 'first-token' && method !== 'full-label') throw fail(`--method must be first-token or full-label, not "${method}"`);

    if (prompt !== undefined) {
      const { engine } = await openEngine('classify', values);
      io.out(JSON.stringify(await classifyOne(engine, task, prompt, values.bos === true, labelMode, method)) + '\n');
      return 0;
    }

    const shots = intOption(values.shots as string | undefined, 'shots', fail, 0, 64);
    const modeArg = values.mode as string | undefined;
    if (modeArg !== undefined && !(MODES as readonly string[]).includes(modeArg)) throw fail(`--mode must be one of ${MODES.join(', ')}, not "${modeArg}"`);
    const mode: PromptMode = (modeArg as PromptMode | undefined) ?? (shots ? 'icl' : 'zero-shot');
    const demosFile = values.demos as string | undefined;
    if (shots && !demosFile) throw fail(`--shots ${shots} needs --demos FILE`);
    const template = intOption(values.template as string | undefined, 'template', fail, 0, task.templates.length - 1) ?? 0;
    const offset = intOption(values.offset as string | undefined, 'offset', fail) ?? 0;
    const limit = intOption(values.limit as string | undefined, 'limit', fail);
    const items = await readDataset(data!, task);
    const demos = demosFile ? await readDataset(demosFile, task) : undefined;
    const build = createPromptBuilder(task, { mode, shots: shots ?? 0, demos, template });
    const { engine } = await openEngine('classify', values);
    let correct = 0;
    let total = 0;
    for (const item of items.slice(offset, limit === undefined ? undefined : offset + limit)) {
      const p = build(item);
      const r = await classifyOne(engine, task, p.text, p.bos, labelMode, method);
      const ok = r.prediction === p.reference;
      total++;
      if (ok) correct++;
      io.out(JSON.stringify({ index: p.index, ...r, reference: p.reference, correct: ok }) + '\n');
    }
    io.err(`accuracy ${total ? ((100 * correct) / total).toFixed(1) : '—'}% (${correct}/${total})\n`);
    return 0;
  },
};
