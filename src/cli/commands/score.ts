/**
 * `ftlab score`: rescore result files in the paper's own format (what evaluate_cross.py writes:
 * a JSON array of {idx, instruction, generation, output[, max_idx]}; JSON lines work too) by
 * the paper's rules (indicator_cross.py):
 * - generation tasks: prediction = generation.strip().split("\n\n")[0]; ROUGE-L F through the
 *   HF `rouge` metric's bootstrap, reported as rougeL.mid (the seed is ours: the paper fixed none);
 * - classification tasks: max_idx is the index of the argmax label in the task's label order
 *   (sentiment positive/negative, inference entailment/neutral/contradiction, detection yes/no);
 *   correct when labels[max_idx] === output; accuracy = correct / total.
 * One summary JSON line per file. Without --task, the task comes from the file name, as
 * indicator_cross.py does: the part before the first "_" is the dataset (xsum_... → summary).
 */
import path from 'node:path';
import { accuracyFromCounts, postprocessGeneration, rougeCorpus } from '../../core/metrics/index.ts';
import { testSetOf, UnknownDatasetError } from '../../core/datasets/index.ts';
import { getTask, isClassification, type TaskDefinition } from '../../core/tasks/index.ts';
import { defineCommand, opt } from '../define.ts';
import { CliOptionError, InputFormatError, isJsonObject, messageOf } from '../support/errors.ts';
import { readTextFile } from '../support/input.ts';
import { taskOption } from '../support/prompt-options.ts';

const FORMAT_HINT = 'give evaluate_cross.py\'s output: a JSON array of {"generation", "output"} (generation tasks) or {"max_idx", "output"} (classification)';

/** The items of a result file: a JSON array, or one JSON object per line. */
function parseResults(file: string, text: string): { where: string; value: Record<string, unknown> }[] {
  const name = path.basename(file);
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  if (body.trimStart().startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch (e) {
      throw new InputFormatError(name, `not valid JSON (${messageOf(e)})`, FORMAT_HINT);
    }
    if (!Array.isArray(parsed)) throw new InputFormatError(name, 'not a JSON array', FORMAT_HINT);
    return parsed.map((value: unknown, i) => {
      if (!isJsonObject(value)) throw new InputFormatError(`${name} item ${i}`, 'not a JSON object', FORMAT_HINT);
      return { where: `${name} item ${i}`, value };
    });
  }
  const out: { where: string; value: Record<string, unknown> }[] = [];
  body.split(/\r?\n/).forEach((line, i) => {
    if (line.trim().length === 0) return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (e) {
      throw new InputFormatError(`${name} line ${i + 1}`, `not valid JSON (${messageOf(e)})`, FORMAT_HINT);
    }
    if (!isJsonObject(value)) throw new InputFormatError(`${name} line ${i + 1}`, 'not a JSON object', FORMAT_HINT);
    out.push({ where: `${name} line ${i + 1}`, value });
  });
  return out;
}

/** What the paper's file name says: {dataset}_{model}_{shots}_shot_map_{map}.json. */
function describeFileName(file: string): { dataset: string; shots?: number; template?: number } {
  const base = path.basename(file);
  const m = /_(\d+)_shot_map_(\d+)\.jsonl?$/.exec(base);
  return { dataset: base.split('_')[0], ...(m ? { shots: Number(m[1]), template: Number(m[2]) } : {}) };
}

function taskOfFile(file: string): TaskDefinition {
  const { dataset } = describeFileName(file);
  try {
    return getTask(testSetOf(dataset).task);
  } catch (e) {
    if (e instanceof UnknownDatasetError) {
      throw new CliOptionError('score', `cannot tell the task of ${path.basename(file)} from its name (dataset "${dataset}" is not one of the paper's)`, 'pass --task TASK');
    }
    throw e;
  }
}

function requireString(item: { where: string; value: Record<string, unknown> }, field: string): string {
  const v = item.value[field];
  if (typeof v !== 'string') throw new InputFormatError(item.where, `"${field}" must be a string`, FORMAT_HINT);
  return v;
}

export function scoreResultFile(file: string, text: string, task: TaskDefinition, seed: number): Record<string, unknown> {
  const items = parseResults(file, text);
  const { dataset, shots, template } = describeFileName(file);
  const head = { file: path.basename(file), task: task.id, dataset, ...(shots !== undefined ? { shots, template } : {}), n: items.length };
  if (items.length === 0) throw new InputFormatError(path.basename(file), 'no results in the file', FORMAT_HINT);
  if (isClassification(task)) {
    let correct = 0;
    for (const item of items) {
      const output = requireString(item, 'output');
      const maxIdx = item.value.max_idx;
      if (typeof maxIdx !== 'number' || !Number.isInteger(maxIdx)) {
        throw new InputFormatError(item.where, `"max_idx" must be an integer label index, not ${JSON.stringify(maxIdx)}`, FORMAT_HINT);
      }
      if (maxIdx < 0 || maxIdx >= task.labels.length) {
        throw new InputFormatError(item.where, `max_idx ${maxIdx} is not a label of task ${task.id} (0..${task.labels.length - 1}: ${task.labels.join(', ')})`, 'check --task');
      }
      if (task.labels[maxIdx] === output) correct++;
    }
    const acc = accuracyFromCounts(correct, items.length);
    return { ...head, metric: 'accuracy', correct, accuracy: acc.accuracy, low: acc.low, high: acc.high };
  }
  const predictions = items.map((item) => postprocessGeneration(requireString(item, 'generation')));
  const references = items.map((item) => requireString(item, 'output'));
  const r = rougeCorpus(predictions, references, { seed });
  const rl = r.aggregate.rougeL;
  return { ...head, metric: 'rougeL', rougeL: rl.mid.fmeasure, seed, mean: r.mean.rougeL.fmeasure, low: rl.low, mid: rl.mid, high: rl.high };
}

export const scoreCommand = defineCommand({
  name: 'score',
  summary: 'rescore the paper\'s result files (ROUGE-L mid or accuracy, by its rules); one summary line per file',
  options: {
    input: opt.strings('result file (repeatable); files may also be given as arguments', { value: 'FILE' }),
    task: taskOption('task of every file; default: from each file name (xsum_... → summary)'),
    seed: opt.int('bootstrap seed for ROUGE-L; default 0 (the paper fixed none)', { min: 0, max: 2 ** 32 - 1, default: 0, value: 'S' }),
  },
  positionals: { value: 'FILE', description: 'result files, as with --input' },
  async run(values, positionals, io) {
    const fail = (msg: string): CliOptionError => new CliOptionError('score', msg);
    const files = [...values.input, ...positionals];
    if (files.length === 0) throw fail('--input FILE is required');
    for (const file of files) {
      const text = await readTextFile(file);
      io.out(JSON.stringify(scoreResultFile(file, text, values.task ?? taskOfFile(file), values.seed)) + '\n');
    }
    return 0;
  },
});
