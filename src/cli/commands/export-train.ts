/**
 * `ftlab export-train`: training data in train.py's format, one {source, target} per line.
 * FT without --demos; FTICL with --demos FILE --shots K (the first k demos of the training
 * task's few-shot file before each source, map 0 by default). `target` is the output alone:
 * the trainer appends EOS, as train.py does.
 */
import { trainingExamples } from '../../core/prompts/index.ts';
import { defineCommand, opt } from '../define.ts';
import { CliOptionError } from '../support/errors.ts';
import { readDataset } from '../support/input.ts';
import { MAX_SHOTS, taskOption } from '../support/prompt-options.ts';

export const exportTrainCommand = defineCommand({
  name: 'export-train',
  summary: 'write FT / FTICL training examples ({source, target} JSON lines) as the paper trains on them',
  options: {
    data: opt.string('training file (JSON array, JSONL or CSV)', { value: 'FILE', required: true }),
    task: taskOption('summary | question | sentiment | detection | inference', { required: true }),
    demos: opt.string('FTICL: few-shot file of the training task (needs --shots)', { value: 'FILE' }),
    shots: opt.int('FTICL: k demonstrations per example (needs --demos)', { min: 1, max: MAX_SHOTS, value: 'K' }),
    template: opt.int('prompt map; default 0 (train.py\'s)', { min: 0, max: 99 }),
  },
  async run(values, _positionals, io) {
    const fail = (msg: string): CliOptionError => new CliOptionError('export-train', msg);
    const { task, shots, demos: demosFile, template } = values;
    if (shots !== undefined && !demosFile) throw fail(`--shots ${shots} needs --demos FILE (the training task's few-shot file)`);
    if (demosFile && shots === undefined) throw fail('--demos needs --shots K (how many demonstrations per example)');
    const last = task.templates.length - 1;
    if (template !== undefined && template > last) throw fail(`--template must be between 0 and ${last}, not ${template}`);

    const items = await readDataset(values.data, task);
    const demos = demosFile ? await readDataset(demosFile, task) : undefined;
    const examples = trainingExamples(task, items, demos ? { mode: 'fticl', shots, demos, template } : { mode: 'ft', template });
    for (const ex of examples) io.out(JSON.stringify({ source: ex.source, target: ex.target }) + '\n');
    return 0;
  },
});
