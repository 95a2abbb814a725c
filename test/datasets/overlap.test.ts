import { describe, expect, it } from 'vitest';
import {
  DemoPoolError,
  catalogueEntries,
  findDemoOverlaps,
  mulberry32,
  sampleDemos,
  seedFrom,
  type TaskItem,
} from '../../src/core/datasets/index.ts';
import { getTask } from '../../src/core/tasks/index.ts';
import { loadPaper } from './paper-files.ts';

function overlapsOf(dataset: string, limit: number | undefined = 250) {
  const test = catalogueEntries({ dataset, role: 'test' })[0];
  return findDemoOverlaps(getTask(test.task), loadPaper(`${dataset}_few_shot`).items, loadPaper(test.id).items, { limit });
}

describe('demo/test overlap in the paper data (first 250 test items)', () => {
  it('finds exactly the identical demos the README lists', () => {
    const found: string[] = [];
    for (const e of catalogueEntries({ role: 'test', usedByPaper: true })) {
      for (const o of overlapsOf(e.dataset)) if (o.identical) found.push(`${e.dataset} demo ${o.demoIndex} = test ${o.testIndex}${o.outputMatches ? '' : ' (other output)'}`);
    }
    expect(found.sort()).toEqual(
      [
        'cnn demo 1 = test 67',
        'cnn demo 3 = test 159',
        'paws demo 2 = test 248',
        'multinli demo 0 = test 18',
        'rte demo 2 = test 163',
        'sciqa demo 6 = test 9',
        'socialqa demo 1 = test 229',
        'amazon demo 6 = test 156',
        'sst2 demo 4 = test 145',
      ].sort(),
    );
  });

  it('TweetQA demo 0 and test 111 share the passage only (the README calls them the same item)', () => {
    expect(overlapsOf('tweetqa')).toEqual([{ demoIndex: 0, testIndex: 111, identical: false, sameFields: ['input'], outputMatches: false }]);
  });

  it('reports partial overlaps with the shared fields', () => {
    expect(overlapsOf('multinli').filter((o) => !o.identical)).toEqual([
      { demoIndex: 5, testIndex: 102, identical: false, sameFields: ['input_1'], outputMatches: false },
      { demoIndex: 6, testIndex: 228, identical: false, sameFields: ['input_1'], outputMatches: false },
    ]);
  });

  it('beyond item 250 there are more', () => {
    const all = overlapsOf('cnn', Infinity).filter((o) => o.identical).map((o) => [o.demoIndex, o.testIndex]);
    expect(all).toEqual([
      [0, 340],
      [1, 67],
      [2, 321],
      [3, 159],
    ]);
  });

  it('includePartial: false keeps the identical ones', () => {
    const task = getTask('inference');
    const o = findDemoOverlaps(task, loadPaper('multinli_few_shot').items, loadPaper('multinli_test_500').items, { limit: 250, includePartial: false });
    expect(o.map((x) => [x.demoIndex, x.testIndex])).toEqual([[0, 18]]);
  });
});

describe('seeded sampling', () => {
  const task = getTask('sentiment');
  const pool: TaskItem[] = Array.from({ length: 20 }, (_, i) => ({ source: 'p', index: i, fields: { input: `text ${i}` }, output: 'positive' }));

  it('mulberry32 is a fixed sequence (same on every platform)', () => {
    const r = mulberry32(42);
    expect([r(), r(), r()].map((x) => Math.floor(x * 2 ** 32))).toEqual([2581720956, 1925393290, 3661312704]);
    expect(seedFrom('abc', 1)).toBe(seedFrom('abc', 1));
    expect(seedFrom('abc', 1)).not.toBe(seedFrom('abc', 2));
    expect(seedFrom(1)).not.toBe(seedFrom('1'));
  });

  it('is deterministic, without repeats, and seed-dependent', () => {
    const a = sampleDemos(pool, 7, 'seed');
    expect(sampleDemos(pool, 7, 'seed')).toEqual(a);
    expect(new Set(a.map((d) => d.index)).size).toBe(7);
    expect(sampleDemos(pool, 7, 'other').map((d) => d.index)).not.toEqual(a.map((d) => d.index));
    expect(sampleDemos(pool, 20, 1).map((d) => d.index).sort((x, y) => x - y)).toEqual(pool.map((d) => d.index));
  });

  it('never picks the item itself, by index or by identical content', () => {
    const copy: TaskItem = { source: 'other', index: 99, fields: { input: 'text 3' }, output: 'negative' };
    const withCopy = [...pool, copy];
    for (let seed = 0; seed < 50; seed++) {
      const picked = sampleDemos(withCopy, 19, seed, { exclude: pool[3], task });
      expect(picked.some((d) => d.fields.input === 'text 3')).toBe(false);
    }
  });

  it('says when the pool is too small', () => {
    expect(() => sampleDemos(pool, 20, 0, { exclude: pool[0], task })).toThrow(DemoPoolError);
    expect(() => sampleDemos(pool, 20, 0, { exclude: pool[0], task })).toThrow(/19 usable items.*20 asked/);
    expect(() => sampleDemos(pool, -1, 0)).toThrow(DemoPoolError);
  });
});
