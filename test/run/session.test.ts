/**
 * The batch session the Batch view's store wraps: start → done with the meter at 100 % and each
 * cell's live metric; pause in the middle, resume with the same run id, every sample stored once;
 * cancel; a plan that cannot load fails with its error; the stored plan keeps the draft.
 */
import { describe, expect, it } from 'vitest';
import { FakeEngine } from './fake-engine.ts';
import { BatchSession, MemoryRecordStore, type EvalPlan, type PlanDraft, type SessionSnapshot, type TestSet } from '../../src/core/run/index.ts';
import { SENTIMENT, SUMMARY, type TaskDefinition } from '../../src/core/tasks/index.ts';
import type { TaskItem } from '../../src/core/datasets/types.ts';
import { PlanError } from '../../src/core/run/errors.ts';

function synthetic(task: TaskDefinition, n: number): TaskItem[] {
  return Array.from({ length: n }, (_, i) => ({ source: 's.json', index: i, fields: Object.fromEntries(task.inputFields.map((f) => [f, `${f} ${i}`])), output: task.labels[i % Math.max(1, task.labels.length)] ?? `reference ${i}` }));
}

const DRAFT: PlanDraft = { name: 'two sets', models: [{ id: 'fake-a', url: '/x' }, { id: 'fake-b', url: '/x' }], testSets: [{ dataset: 'sst2', task: 'sentiment' }, { dataset: 'xsum', task: 'summary' }], modes: ['zero-shot'], templates: [0], limit: 5 };
const SETS: Record<string, TestSet> = { sst2: { name: 'sst2', task: SENTIMENT, items: synthetic(SENTIMENT, 5) }, xsum: { name: 'xsum', task: SUMMARY, items: synthetic(SUMMARY, 5) } };
const toPlan = async (d: PlanDraft): Promise<EvalPlan> => ({ models: d.models, testSets: d.testSets.map((t) => SETS[t.dataset]), modes: d.modes, templates: d.templates, limit: d.limit });

describe('BatchSession', () => {
  it('runs to done: meter at 100 %, live metrics per cell, the stored plan keeps the draft', async () => {
    const store = new MemoryRecordStore();
    const s = new BatchSession({ engine: () => new FakeEngine(), store, toPlan });
    const seen: SessionSnapshot['status'][] = [];
    s.subscribe((x) => seen.at(-1) !== x.status && seen.push(x.status));
    const res = await s.start(DRAFT);
    expect(res?.status).toBe('done');
    expect(seen).toEqual(['idle', 'preparing', 'running', 'done']);
    expect(s.snapshot.meter).toMatchObject({ done: 20, total: 20, planFraction: 1, cellCount: 4 });
    for (const cell of res!.cells) {
      const live = s.snapshot.live[cell.key];
      expect(live.n).toBe(5);
      const expected = cell.aggregate.accuracy?.value ?? cell.aggregate.rougeL!.mean;
      expect(live.mean).toBeCloseTo(expected, 12);
    }
    expect((await store.getPlan(res!.runId))?.draft).toEqual(DRAFT);
  });

  it('pause in the middle, then resume with the same id: every sample stored exactly once', async () => {
    const store = new MemoryRecordStore();
    const s = new BatchSession({ engine: () => new FakeEngine(), store, toPlan });
    const un = s.subscribe((x) => x.status === 'running' && x.meter.done === 7 && s.pause());
    await s.start(DRAFT, { runId: 'r' });
    un();
    expect(s.snapshot.status).toBe('paused');
    expect(store.size).toBe(7);
    const stored = (await store.getPlan('r'))!;
    expect([stored.status, stored.done, stored.total]).toEqual(['cancelled', 7, 20]);
    const res = await s.resume('r', stored.draft!);
    expect(res).toMatchObject({ status: 'done', skipped: 7, done: 13 });
    expect(store.size).toBe(20);
    expect((await store.getPlan('r'))?.status).toBe('done');
  });

  it('cancel stops between samples; a plan that cannot load fails with its error; no second run at once', async () => {
    const store = new MemoryRecordStore();
    const s = new BatchSession({ engine: () => new FakeEngine(), store, toPlan });
    const un = s.subscribe((x) => x.meter.done === 2 && s.cancel());
    const p = s.start(DRAFT);
    await expect(s.start(DRAFT)).rejects.toThrow(/already in progress/);
    await p;
    un();
    expect(s.snapshot.error).toBeUndefined();
    expect(s.snapshot.status).toBe('cancelled');
    expect(store.size).toBe(2);
    const bad = new BatchSession({ engine: () => new FakeEngine(), store, toPlan: async () => Promise.reject(new PlanError('the plan has no models')) });
    await bad.start(DRAFT);
    expect(bad.snapshot).toMatchObject({ status: 'failed', error: { code: 'plan-invalid', message: 'the plan has no models' } });
  });
});

describe('the run library', async () => {
  const { libraryEntries } = await import('../../src/core/run/index.ts');
  it('offers Resume (X of Y done) for a stopped or interrupted run that kept its draft, none for a finished one', async () => {
    const store = new MemoryRecordStore();
    const s = new BatchSession({ engine: () => new FakeEngine(), store, toPlan });
    const un = s.subscribe((x) => x.status === 'running' && x.meter.done === 3 && s.pause());
    await s.start(DRAFT, { runId: 'stopped' });
    un();
    await s.start({ ...DRAFT, limit: 1 }, { runId: 'finished' });
    const interrupted = { ...(await store.getPlan('stopped'))!, id: 'gone', status: 'running' as const, updatedAt: '2000-01-01T00:00:00.000Z' };
    const entries = libraryEntries([...(await store.listPlans()), interrupted]);
    expect(entries.map((e) => [e.id, e.resumeLabel, e.statusText])).toEqual([
      ['finished', undefined, 'done'],
      ['stopped', 'Resume (3 of 20 done)', 'stopped at 3 of 20'],
      ['gone', 'Resume (3 of 20 done)', 'interrupted at 3 of 20 (the page closed while it ran)'],
    ]);
  });
});
