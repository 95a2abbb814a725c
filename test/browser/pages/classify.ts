/**
 * The browser tests' classifier over an Engine (the Playground does this through its own
 * state): fill the task's template, find each label's token ids with the loaded model's own
 * tokenizer (or the paper's fixed Llama-2 ids), and score the labels through the engine. The
 * scoring itself is src/core/scoring's; this only wires the choices to it.
 */
import type { Engine } from '../../../src/core/engine.ts';
import { formatMap, templateOf, type TaskDefinition } from '../../../src/core/tasks/index.ts';
import {
  classifyPrompt,
  type LabelIdMode,
  type LabelIdResolution,
  type LabelScores,
  type LabelScoringMethod,
} from '../../../src/core/scoring/index.ts';

export interface ClassifyInput {
  task: TaskDefinition;
  /** Template index (the paper's map 0 or 1). */
  template: number;
  fields: Readonly<Record<string, string>>;
  bos: boolean;
  mode: LabelIdMode;
  method: LabelScoringMethod;
}

export interface ClassifyOutcome {
  prompt: string;
  resolution: LabelIdResolution;
  scores: LabelScores;
}

export async function classify(engine: Engine, input: ClassifyInput): Promise<ClassifyOutcome> {
  const prompt = formatMap(templateOf(input.task, input.template), input.fields);
  // The panel's two choices onto the one label-scoring vocabulary (full-label derives its ids in context).
  const scoring = input.method === 'full-label' ? 'full-label' : input.mode;
  const { resolution, scores } = await classifyPrompt(engine, { task: input.task, prompt: { text: prompt, bos: input.bos }, scoring });
  return { prompt, resolution, scores };
}
