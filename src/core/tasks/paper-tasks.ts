/**
 * The paper's five tasks as data. Label order is the order of evaluate_cross.py's target_ids
 * (and of indicator_cross.py's max_idx): index 0 is the first label.
 */
import { defineTask } from './define.ts';
import { TemplateFieldsError, UnknownTaskError, UnknownTemplateError } from './errors.ts';
import { compileTemplate } from './format-map.ts';
import { PAPER_PROMPT_MAPS } from './paper-templates.ts';
import type { PaperTaskId, TaskDefinition } from './types.ts';

function templatesOf(id: PaperTaskId): string[] {
  return PAPER_PROMPT_MAPS.map((m) => m[id]);
}

export const SUMMARY = defineTask({
  id: 'summary',
  name: 'summarization',
  inputFields: ['input'],
  metric: 'rougeL',
  templates: templatesOf('summary'),
});

export const QUESTION = defineTask({
  id: 'question',
  name: 'question generation',
  inputFields: ['input', 'answer'],
  metric: 'rougeL',
  templates: templatesOf('question'),
});

export const SENTIMENT = defineTask({
  id: 'sentiment',
  name: 'sentiment classification',
  inputFields: ['input'],
  labels: ['positive', 'negative'],
  metric: 'accuracy',
  templates: templatesOf('sentiment'),
  // "pos", "negative": first tokens of the labels right after the map-0 prompt's ":".
  paperLabelTokenIds: [1066, 22198],
});

export const DETECTION = defineTask({
  id: 'detection',
  name: 'paraphrase detection',
  inputFields: ['input_1', 'input_2'],
  labels: ['yes', 'no'],
  metric: 'accuracy',
  templates: templatesOf('detection'),
  paperLabelTokenIds: [3582, 1217],
});

export const INFERENCE = defineTask({
  id: 'inference',
  name: 'natural language inference',
  inputFields: ['input_1', 'input_2'],
  labels: ['entailment', 'neutral', 'contradiction'],
  // MultiNLI/SNLI mark items without a majority label "-"; multinli(2) and snli test files have
  // some. The paper keeps them: they count in the denominator and can never be right.
  noLabelMarkers: ['-'],
  metric: 'accuracy',
  templates: templatesOf('inference'),
  // "ent", "neut", "contr".
  paperLabelTokenIds: [296, 17821, 9996],
});

/** The five tasks, in the paper's order. */
export const PAPER_TASKS: readonly TaskDefinition[] = Object.freeze([SUMMARY, QUESTION, SENTIMENT, DETECTION, INFERENCE]);

export const PAPER_TASK_IDS: readonly PaperTaskId[] = Object.freeze(['summary', 'question', 'sentiment', 'detection', 'inference']);

export function isPaperTaskId(id: string): id is PaperTaskId {
  return (PAPER_TASK_IDS as readonly string[]).includes(id);
}

/** A paper task by id (or one of `extra` user-defined tasks). */
export function getTask(id: string, extra: readonly TaskDefinition[] = []): TaskDefinition {
  const found = PAPER_TASKS.find((t) => t.id === id) ?? extra.find((t) => t.id === id);
  if (!found) throw new UnknownTaskError(id, [...PAPER_TASKS, ...extra].map((t) => t.id));
  return found;
}

/**
 * Template text by index (0 or 1 for the paper's tasks) or a custom template string, which is
 * checked: it must parse and may only name the task's input fields.
 */
export function templateOf(task: TaskDefinition, template: number | string): string {
  if (typeof template === 'string') {
    const foreign = compileTemplate(template).fields.filter((f) => !task.inputFields.includes(f));
    if (foreign.length > 0) throw new TemplateFieldsError(task.id, foreign, task.inputFields);
    return template;
  }
  const t = task.templates[template];
  if (t === undefined) throw new UnknownTemplateError(task.id, template, task.templates.length);
  return t;
}
