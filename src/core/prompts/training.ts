/**
 * Training data in train.py's format: {source, target} per item.
 *
 * train.py: source = PROMPT_MAP[task].format_map(example) (map 0, nothing prefixed: the
 * tokenizer's defaults add BOS), target = example["output"] + EOS; the loss covers the target
 * only. FTICL (the paper's text; its published train.py has no FTICL path) prefixes the source
 * with the context of the first k demos of the training task's few-shot file, built as in
 * evaluation. The target here is the output alone: the trainer appends EOS.
 */
import { PAPER_PROTOCOL } from '../datasets/protocol.ts';
import type { TaskItem } from '../datasets/types.ts';
import type { TaskDefinition } from '../tasks/types.ts';
import { createPromptBuilder } from './build.ts';
import { PromptOptionsError } from './errors.ts';
import type { DemoSelection } from './types.ts';

export interface TrainingExample {
  source: string;
  target: string;
}

export interface TrainingExportOptions {
  /** ft: no demos; fticl: k demos from the training task's few-shot pool. */
  mode: 'ft' | 'fticl';
  /** fticl: k (the paper: 1/2 summary and question, 2/4 sentiment and detection, 3/5 inference). */
  shots?: number;
  /** fticl: the pool (the paper: the first k of xsum/socialqa/amazon/paws/multinli's few-shot file). */
  demos?: readonly TaskItem[];
  /** Default 0, train.py's PROMPT_MAP. */
  template?: number | string;
  /** Default: the first k (the paper). */
  selection?: DemoSelection;
}

/** {source, target} for every item, in order. */
export function trainingExamples(task: TaskDefinition, items: readonly TaskItem[], opts: TrainingExportOptions): TrainingExample[] {
  const build = trainingExampleBuilder(task, opts);
  return items.map(build);
}

/** {source, target} for one item. */
export function trainingExample(task: TaskDefinition, item: TaskItem, opts: TrainingExportOptions): TrainingExample {
  return trainingExampleBuilder(task, opts)(item);
}

function trainingExampleBuilder(task: TaskDefinition, opts: TrainingExportOptions): (item: TaskItem) => TrainingExample {
  const template = opts.template ?? PAPER_PROTOCOL.trainingTemplate;
  if (opts.mode === 'ft') {
    if (opts.shots) throw new PromptOptionsError(`FT examples take no demos (shots ${opts.shots} asked)`, 'use mode fticl for demos');
    const build = createPromptBuilder(task, { mode: 'zero-shot', template, countTokens: false });
    return (item) => ({ source: build(item).text, target: item.output });
  }
  if (opts.mode !== 'fticl') throw new PromptOptionsError(`unknown training mode ${JSON.stringify(opts.mode)}`, 'use ft or fticl');
  const build = createPromptBuilder(task, {
    mode: 'fticl',
    shots: opts.shots,
    demos: opts.demos,
    template,
    selection: opts.selection,
    countTokens: false,
  });
  return (item) => ({ source: build(item).text, target: item.output });
}
