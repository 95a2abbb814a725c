/**
 * `ftlab export-train`: training data in train.py's format, one {source, target} per line.
 * FT without --demos; FTICL with --demos FILE --shots K (the first k demos of the training
 * task's few-shot file before each source, map 0 by default). `target` is the output alone:
 * the trainer appends EOS, as train.py does.
 */
import { trainingExamples } from '../../core/prompts/index.ts';
import { getTask } from '../../core/tasks/index.ts';
import type { CliCommand } from '../types.ts';
import { CliOptionError } from '../support/errors.ts';
import { intOption, readDataset } from '../support/input.ts';

export const exportTrainCommand: CliCommand = {
  name: 'export-train',
  summary: 'write FT / FTICL training examples ({source, target} JSON lines) as the paper trains on them',
  options: {
    data: { type: 'string', description: 'training file (JSON array, JSONL or CSV)' },
    task: { type: 'string', description: 'summary | question | sentiment | detection | inference' },
    demos: { type: 'string', description: 'FTICL: few-shot file of the training task (needs --shots)' },
    shots: { type: 'string', description: 'FTICL: k demonstrations per example (needs --demos)' },
    template: { type: 'string', description: 'prompt map; default 0 (train.py\'s)' },
  },
  async run(values, _positionals, io) {
    const fail = (msg: string): CliOptionError => new CliOptionError('export-train', msg);
    const data = values.data as string | undefined;
    const taskId = values.task as string | undefined;
    if (!data) throw fail('--data FILE is required');
    if (!taskId) throw fail('--task TASK is required');
    const task = getTask(taskId);
    const shots = intOption(values.shots as string | undefined, 'shots', fail, 1, 64);
    const demosFile = values.demos as string | undefined;
    if (shots !== undefined && !demosFile) throw fail(`--shots ${shots} needs --demos FILE (the training task's few-shot file)`);
    if (demosFile && shots === undefined) throw fail('--demos needs --shots K (how many demonstrations per example)');
    const template = intOption(values.template as string | undefined, 'template', fail, 0, task.templates.length - 1);

    const items = await readDataset(data, task);
    const demos = demosFile ? await readDataset(demosFile, task) : undefined;
    const examples = trainingExamples(task, items, demos ? { mode: 'fticl', shots, demos, template } : { mode: 'ft', template });
    for (const ex of examples) io.out(JSON.stringify({ source: ex.source, target: ex.target }) + '\n');
    return 0;
  },
};
