/**
 * Cell keys decide what a resumed run reuses: everything that changes a sample's result must be
 * in them. A generation cell's new-token budget is (when it is not the paper's 60); a
 * classification cell has no budget.
 */
import { describe, expect, it } from 'vitest';
import { expandPlan, type EvalPlan, type TestSet } from '../../src/core/run/index.ts';
import { SENTIMENT, SUMMARY, type TaskDefinition } from '../../src/core/tasks/index.ts';
import type { TaskItem } from '../../src/core/datasets/types.ts';

const items = (task: TaskDefinition): TaskItem[] =>
  [0, 1].map((i) => ({ source: 't.json', index: i, fields: Object.fromEntries(task.inputFields.map((f) => [f, `text ${i}`])), output: task.labels[0] ?? 'ref' }));
const sets: TestSet[] = [
  { name: 'xsum', task: SUMMARY, items: items(SUMMARY) },
  { name: 'sst2', task: SENTIMENT, items: items(SENTIMENT) },
];
const keys = (over: Partial<EvalPlan>) =>
  expandPlan({ models: [{ id: 'm', url: '/m' }], testSets: sets, modes: ['zero-shot'], templates: [0], ...over }).map((c) => c.key);

describe('cell keys', () => {
  it('carry a generation budget other than the paper\'s 60, and only on generation cells', () => {
    expect(keys({})).toEqual([
      'model=m|data=xsum|task=summary|mode=zero-shot|shots=0|map=0|score=generate',
      'model=m|data=sst2|task=sentiment|mode=zero-shot|shots=0|map=0|score=paper',
    ]);
    expect(keys({ maxNewTokens: 60 })).toEqual(keys({}));
    expect(keys({ maxNewTokens: 8 })).toEqual([
      'model=m|data=xsum|task=summary|mode=zero-shot|shots=0|map=0|score=generate|max=8',
      'model=m|data=sst2|task=sentiment|mode=zero-shot|shots=0|map=0|score=paper',
    ]);
  });
});
