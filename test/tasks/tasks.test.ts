import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  PAPER_PROMPT_MAPS,
  PAPER_TASKS,
  PAPER_TASK_IDS,
  TaskDefinitionError,
  TemplateFieldsError,
  UnknownTaskError,
  UnknownTemplateError,
  defineTask,
  getTask,
  isClassification,
  templateOf,
} from '../../src/core/tasks/index.ts';
import { PAPER_DATA } from '../helpers/paths.ts';

const promptMap = JSON.parse(readFileSync(path.join(PAPER_DATA, 'prompt_map.json'), 'utf8')) as Record<string, string>[];

describe('paper templates', () => {
  it('equal prompt_map.json exactly (both maps, every task, no extra keys)', () => {
    expect(promptMap).toHaveLength(2);
    expect(PAPER_PROMPT_MAPS).toHaveLength(2);
    for (let m = 0; m < 2; m++) {
      expect(Object.keys(PAPER_PROMPT_MAPS[m]).sort()).toEqual(Object.keys(promptMap[m]).sort());
      for (const [task, template] of Object.entries(promptMap[m])) {
        expect(PAPER_PROMPT_MAPS[m][task as keyof (typeof PAPER_PROMPT_MAPS)[0]]).toBe(template);
      }
    }
  });

  it('are each task\'s templates 0 and 1', () => {
    for (const task of PAPER_TASKS) {
      expect(task.templates).toEqual([promptMap[0][task.id], promptMap[1][task.id]]);
    }
  });
});

describe('paper tasks', () => {
  it('are the five tasks with their fields, labels and metrics', () => {
    expect(PAPER_TASKS.map((t) => t.id)).toEqual([...PAPER_TASK_IDS]);
    const shape = Object.fromEntries(PAPER_TASKS.map((t) => [t.id, { f: t.inputFields, l: t.labels, m: t.metric, r: t.referenceField }]));
    expect(shape).toEqual({
      summary: { f: ['input'], l: [], m: 'rougeL', r: 'output' },
      question: { f: ['input', 'answer'], l: [], m: 'rougeL', r: 'output' },
      sentiment: { f: ['input'], l: ['positive', 'negative'], m: 'accuracy', r: 'output' },
      detection: { f: ['input_1', 'input_2'], l: ['yes', 'no'], m: 'accuracy', r: 'output' },
      inference: { f: ['input_1', 'input_2'], l: ['entailment', 'neutral', 'contradiction'], m: 'accuracy', r: 'output' },
    });
    expect(getTask('sentiment').paperLabelTokenIds).toEqual([1066, 22198]);
    expect(getTask('inference').paperLabelTokenIds).toEqual([296, 17821, 9996]);
    expect(getTask('detection').paperLabelTokenIds).toEqual([3582, 1217]);
    expect(getTask('inference').noLabelMarkers).toEqual(['-']);
    expect(isClassification(getTask('summary'))).toBe(false);
    expect(isClassification(getTask('detection'))).toBe(true);
  });

  it('are frozen', () => {
    expect(Object.isFrozen(getTask('summary'))).toBe(true);
    expect(Object.isFrozen(getTask('summary').templates)).toBe(true);
  });

  it('getTask names the known ids on a miss', () => {
    expect(() => getTask('paraphrase')).toThrow(UnknownTaskError);
    expect(() => getTask('paraphrase')).toThrow(/unknown task "paraphrase"/);
    try {
      getTask('nope');
    } catch (e) {
      expect((e as UnknownTaskError).hint).toContain('summary, question, sentiment, detection, inference');
    }
  });

  it('templateOf: index, custom string checked against the input fields', () => {
    const t = getTask('question');
    expect(templateOf(t, 1)).toBe(promptMap[1].question);
    expect(templateOf(t, 'Q: {answer} / {input}')).toBe('Q: {answer} / {input}');
    expect(() => templateOf(t, 2)).toThrow(UnknownTemplateError);
    expect(() => templateOf(t, '{input} {output}')).toThrow(TemplateFieldsError);
    expect(() => templateOf(t, '{input} {output}')).toThrow(/\{output\}/);
  });
});

describe('defineTask (user-defined tasks)', () => {
  const ok = { id: 'topic', inputFields: ['text'], labels: ['sports', 'politics'], templates: ['Text: {text}\nTopic:'] };

  it('accepts a consistent definition and infers the metric', () => {
    const t = defineTask(ok);
    expect(t.metric).toBe('accuracy');
    expect(t.referenceField).toBe('output');
    expect(defineTask({ id: 'headline', inputFields: ['text'], templates: ['{text}\nHeadline:'] }).metric).toBe('rougeL');
  });

  it.each([
    [{ ...ok, id: 'Bad Id' }, /id "Bad Id"/],
    [{ ...ok, inputFields: [] }, /at least one input field/],
    [{ ...ok, inputFields: ['text', 'text'] }, /"text" is listed twice/],
    [{ ...ok, inputFields: ['text', 'output'], templates: ['{text}{output}'] }, /"output" is reserved/],
    [{ ...ok, labels: ['sports', 'sports'] }, /label "sports" is listed twice/],
    [{ ...ok, labels: ['sports', ''] }, /label "" must be a non-empty string/],
    [{ ...ok, templates: ['{txt}'] }, /template 0 uses \{txt\}, which is not an input field/],
    [{ ...ok, templates: ['{text'] }, /template 0: .*expected '\}' before end of string/],
    [{ ...ok, templates: ['no field'] }, /uses no field/],
    [{ ...ok, templates: [] }, /at least one template/],
    [{ ...ok, metric: 'rougeL' as const }, /"rougeL" is for generation tasks/],
    [{ ...ok, labels: [], metric: 'accuracy' as const }, /"accuracy" needs a label set/],
    [{ ...ok, noLabelMarkers: ['sports'] }, /both a label and a no-label marker/],
    [{ ...ok, paperLabelTokenIds: [1] }, /1 ids for 2 labels/],
  ])('rejects %#', (def, message) => {
    expect(() => defineTask(def)).toThrow(TaskDefinitionError);
    expect(() => defineTask(def)).toThrow(message);
  });

  it('lists every problem at once', () => {
    try {
      defineTask({ id: 'x', inputFields: ['a', 'a'], labels: ['l', 'l'], templates: ['{b}'] });
      expect.unreachable();
    } catch (e) {
      expect((e as TaskDefinitionError).problems).toHaveLength(3);
      expect((e as TaskDefinitionError).code).toBe('task-definition');
    }
  });
});
