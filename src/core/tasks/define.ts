/** Validation of task definitions: the built-in five go through it too. */
import { TaskDefinitionError } from './errors.ts';
import { TemplateSyntaxError } from './errors.ts';
import { compileTemplate } from './format-map.ts';
import type { Metric, TaskDefinition } from './types.ts';

export interface TaskDefinitionInput {
  id: string;
  name?: string;
  inputFields: readonly string[];
  labels?: readonly string[];
  noLabelMarkers?: readonly string[];
  metric?: Metric;
  templates: readonly string[];
  paperLabelTokenIds?: readonly number[];
}

const FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const RESERVED_FIELDS = new Set(['output', 'idx']);

/**
 * Check a task definition and return it frozen. Problems are collected and thrown together:
 * the id, fields and labels are well-formed; every template parses and uses only input fields
 * (a template reading "output" would leak the answer into the prompt); the metric fits the
 * label set (accuracy needs labels, rougeL none).
 */
export function defineTask(input: TaskDefinitionInput): TaskDefinition {
  const problems: string[] = [];
  const id = typeof input.id === 'string' ? input.id : '';
  if (!/^[a-z][a-z0-9_-]*$/.test(id)) problems.push(`id ${JSON.stringify(input.id)} must be lowercase letters, digits, "_" or "-", starting with a letter`);

  const inputFields = [...(input.inputFields ?? [])];
  if (inputFields.length === 0) problems.push('it needs at least one input field');
  for (const f of inputFields) {
    if (typeof f !== 'string' || !FIELD_NAME.test(f)) problems.push(`input field ${JSON.stringify(f)} is not a plain identifier`);
    else if (RESERVED_FIELDS.has(f)) problems.push(`"${f}" is reserved (the reference is "output"; "idx" is the item id)`);
  }
  for (const f of duplicates(inputFields)) problems.push(`input field "${f}" is listed twice`);

  const labels = [...(input.labels ?? [])];
  for (const l of labels) if (typeof l !== 'string' || l.length === 0) problems.push(`label ${JSON.stringify(l)} must be a non-empty string`);
  for (const l of duplicates(labels)) problems.push(`label "${l}" is listed twice`);
  const noLabelMarkers = [...(input.noLabelMarkers ?? [])];
  for (const m of noLabelMarkers) if (labels.includes(m)) problems.push(`"${m}" cannot be both a label and a no-label marker`);
  if (noLabelMarkers.length > 0 && labels.length === 0) problems.push('no-label markers only make sense for classification tasks');

  const metric: Metric = input.metric ?? (labels.length > 0 ? 'accuracy' : 'rougeL');
  if (metric === 'accuracy' && labels.length === 0) problems.push('metric "accuracy" needs a label set');
  if (metric === 'rougeL' && labels.length > 0) problems.push('metric "rougeL" is for generation tasks, which have no label set');

  const templates = [...(input.templates ?? [])];
  if (templates.length === 0) problems.push('it needs at least one template');
  templates.forEach((t, i) => {
    if (typeof t !== 'string') {
      problems.push(`template ${i} is not a string`);
      return;
    }
    try {
      const { fields } = compileTemplate(t);
      for (const f of fields) {
        if (!inputFields.includes(f)) problems.push(`template ${i} uses {${f}}, which is not an input field`);
      }
      if (fields.length === 0) problems.push(`template ${i} uses no field: every prompt would be the same`);
    } catch (e) {
      if (e instanceof TemplateSyntaxError) problems.push(`template ${i}: ${e.message}`);
      else throw e;
    }
  });

  if (input.paperLabelTokenIds !== undefined) {
    const ids = input.paperLabelTokenIds;
    if (ids.length !== labels.length) problems.push(`paperLabelTokenIds has ${ids.length} ids for ${labels.length} labels`);
    if (ids.some((x) => !Number.isInteger(x) || x < 0)) problems.push('paperLabelTokenIds must be non-negative integers');
  }

  if (problems.length > 0) throw new TaskDefinitionError(id || String(input.id), problems);
  return Object.freeze({
    id,
    name: input.name ?? id,
    inputFields: Object.freeze(inputFields),
    referenceField: 'output' as const,
    labels: Object.freeze(labels),
    noLabelMarkers: Object.freeze(noLabelMarkers),
    metric,
    templates: Object.freeze(templates),
    ...(input.paperLabelTokenIds ? { paperLabelTokenIds: Object.freeze([...input.paperLabelTokenIds]) } : {}),
  });
}

function duplicates(xs: readonly string[]): string[] {
  const seen = new Set<string>();
  const dup = new Set<string>();
  for (const x of xs) (seen.has(x) ? dup : seen).add(x);
  return [...dup];
}
