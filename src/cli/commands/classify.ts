/**
 * `ftlab classify`: label prediction with a local engine, the paper's way by default (one
 * forward pass, next-token log-probs at the labels' first-token ids; the prediction is the
 * argmax). Label ids and scoring come from src/core/scoring; prompts from src/core/prompts.
 * One JSON object per line: {index?, prediction, labels, labelTokenIds, logprobs, probs,
 * reference?, correct?, warnings?}; with --data, the accuracy goes to stderr at the end.
 */
import type { Engine } from '../../core/engine.ts';
import { createPromptBuilder } from '../../core/prompts/index.ts';
import { classifyPrompt, type LabelIdMode, type LabelScoringMethod } from '../../core/scoring/index.ts';
import { isClassification, type TaskDefinition } from '../../core/tasks/index.ts';
import { defineCommand, opt } from '../define.ts';
import { CliOptionError } from '../support/errors.ts';
import { readDataset } from '../support/input.ts';
import { DATA_DESCRIPTION, promptOptions, refuseUnused, resolvePromptSettings, selectItems, taskOption } from '../support/prompt-options.ts';
import { ENGINE_OPTIONS, openEngine } from './engine-options.ts';

const LABEL_ID_MODES = ['paper', 'in-context'] as const satisfies readonly LabelIdMode[];
const SCORING_METHODS = ['first-token', 'full-label'] as const satisfies readonly LabelScoringMethod[];
const DATA_ONLY = ['mode', 'shots', 'demos', 'template', 'offset', 'limit'] as const;

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

export const classifyCommand = defineCommand({
  name: 'classify',
  summary: 'predict labels for a prompt or a dataset file (--engine cpu; the paper\'s first-token scoring)',
  options: {
    ...ENGINE_OPTIONS,
    task: taskOption('sentiment | detection | inference (a classification task)', { required: true }),
    prompt: opt.string('one prompt, as the model sees it', { value: 'TEXT', allowEmpty: true }),
    bos: opt.flag('with --prompt: start it with BOS'),
    data: opt.string(`${DATA_DESCRIPTION}: builds the paper's prompt for each item`, { value: 'FILE' }),
    ...promptOptions('with --data: '),
    labels: opt.choice('label ids: paper (the fixed ids of evaluate_cross.py, default) | in-context', LABEL_ID_MODES, { default: 'paper' }),
    method: opt.choice('first-token (default, the paper\'s) | full-label (teacher-forced label likelihood)', SCORING_METHODS, { default: 'first-token' }),
  },
  async run(values, _positionals, io) {
    const fail = (msg: string) => new CliOptionError('classify', msg);
    const task = values.task;
    if (!isClassification(task)) throw fail(`task "${task.id}" has no labels: use \`ftlab generate\` for it`);
    const { prompt, data } = values;
    const oneOf = 'give exactly one of --prompt TEXT or --data FILE';
    if (prompt !== undefined && data !== undefined) throw fail(oneOf);

    if (prompt !== undefined) {
      refuseUnused('classify', values, DATA_ONLY, 'goes with --data FILE, not --prompt (the prompt is used as given)');
      const { engine } = await openEngine(values);
      io.out(JSON.stringify(await classifyOne(engine, task, prompt, values.bos, values.labels, values.method)) + '\n');
      return 0;
    }
    if (data === undefined) throw fail(oneOf);
    refuseUnused('classify', values, ['bos'], 'goes with --prompt (with --data, the mode sets BOS as the paper does)');
    const s = resolvePromptSettings('classify', values, task);
    const items = selectItems('classify', await readDataset(data, task), data, s);
    const demos = s.demosFile ? await readDataset(s.demosFile, task) : undefined;
    const build = createPromptBuilder(task, { mode: s.mode, shots: s.shots, demos, template: s.template });
    const { engine } = await openEngine(values);
    let correct = 0;
    let total = 0;
    for (const item of items) {
      const p = build(item);
      const r = await classifyOne(engine, task, p.text, p.bos, values.labels, values.method);
      const ok = r.prediction === p.reference;
      total++;
      if (ok) correct++;
      io.out(JSON.stringify({ index: p.index, ...r, reference: p.reference, correct: ok }) + '\n');
    }
    io.err(`accuracy ${((100 * correct) / total).toFixed(1)}% (${correct}/${total})\n`);
    return 0;
  },
});
