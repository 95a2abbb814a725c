import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_STUDY_SETTINGS,
  PAPER_CATALOGUE,
  PAPER_PROTOCOL,
  UnknownDatasetError,
  catalogueEntries,
  catalogueEntry,
  fewShotSetOf,
  resolveDatasetUrl,
  studySettingFor,
  testSetOf,
} from '../../src/core/datasets/index.ts';
import { PAPER_DATA } from '../helpers/paths.ts';

function listJson(dir: string, rel = ''): string[] {
  return readdirSync(path.join(dir, rel)).flatMap((name) => {
    const r = rel ? `${rel}/${name}` : name;
    return statSync(path.join(dir, r)).isDirectory() ? listJson(dir, r) : name.endsWith('.json') ? [r] : [];
  });
}

describe('catalogue', () => {
  it('lists exactly the published data files (prompt_map.json aside)', () => {
    const files = listJson(PAPER_DATA).filter((f) => f !== 'prompt_map.json').sort();
    expect(PAPER_CATALOGUE.map((e) => e.path).sort()).toEqual(files);
  });

  it('ids are unique and follow the file names', () => {
    const ids = PAPER_CATALOGUE.map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const e of PAPER_CATALOGUE) expect(path.basename(e.path, '.json')).toBe(e.id);
  });

  it('records the odd counts and the unused snli', () => {
    expect(catalogueEntry('cnn_test_500').items).toBe(382);
    expect(catalogueEntry('paws_train_6000').items).toBe(5986);
    expect(catalogueEntry('amazon_train_6000').items).toBe(5999);
    expect(catalogueEntries({ dataset: 'xsum', role: 'train' }).map((e) => e.id)).toEqual(['xsum_train_2000']);
    expect(catalogueEntry('snli_test_500').usedByPaper).toBe(false);
    expect(catalogueEntries({ role: 'test', usedByPaper: true })).toHaveLength(18);
    expect(fewShotSetOf('tweetqa').items).toBe(4);
    expect(testSetOf('xsum').path).toBe('summary/xsum_test_500.json');
    expect(() => testSetOf('imdb')).toThrow(UnknownDatasetError);
    expect(() => fewShotSetOf('snli')).toThrow(UnknownDatasetError);
  });

  it('every used test set has a few-shot pool deep enough for its largest shot count', () => {
    for (const e of catalogueEntries({ role: 'test', usedByPaper: true })) {
      expect(fewShotSetOf(e.dataset).items).toBeGreaterThanOrEqual(Math.max(...PAPER_PROTOCOL.shots[e.task]));
    }
  });

  it.each([
    ['https://example.org/data', 'https://example.org/data/summary/xsum_test_500.json'],
    ['https://example.org/data/', 'https://example.org/data/summary/xsum_test_500.json'],
    ['/datasets', '/datasets/summary/xsum_test_500.json'],
    ['../shared/paper-data/', '../shared/paper-data/summary/xsum_test_500.json'],
    ['', 'summary/xsum_test_500.json'],
  ])('resolveDatasetUrl(%j)', (base, url) => {
    expect(resolveDatasetUrl(base, catalogueEntry('xsum_test_500'))).toBe(url);
  });

  it('resolveDatasetUrl keeps absolute paths and strips ./', () => {
    expect(resolveDatasetUrl('https://a/b', 'https://c/d.json')).toBe('https://c/d.json');
    expect(resolveDatasetUrl('https://a/b', './x/y.json')).toBe('https://a/b/x/y.json');
  });
});

describe('protocol and study settings', () => {
  it('holds the paper protocol', () => {
    expect(PAPER_PROTOCOL.evaluatedItems).toBe(250);
    expect(PAPER_PROTOCOL.maxNewTokens).toBe(60);
    expect(PAPER_PROTOCOL.shots).toEqual({
      summary: [4, 2, 1, 0],
      question: [4, 2, 1, 0],
      sentiment: [2, 4, 6, 0],
      detection: [2, 4, 6, 0],
      inference: [3, 5, 7, 0],
    });
    expect(PAPER_PROTOCOL.fticlShots).toEqual({ summary: [1, 2], question: [1, 2], sentiment: [2, 4], detection: [2, 4], inference: [3, 5] });
    expect(PAPER_PROTOCOL.fticlPools).toEqual({ summary: 'xsum', question: 'socialqa', sentiment: 'amazon', detection: 'paws', inference: 'multinli' });
    expect(PAPER_PROTOCOL.trainingTemplate).toBe(0);
    expect(PAPER_PROTOCOL.trainMaxLength).toBe(1024);
    expect(PAPER_PROTOCOL.contextWindow).toBe(4096);
    for (const [set, sizes] of Object.entries(PAPER_PROTOCOL.trainSizes)) {
      for (const n of sizes) expect(catalogueEntry(`${set}_train_${n}`).role).toBe('train');
    }
  });

  it('maps every training set to in-domain, out-of-domain and cross-task test sets', () => {
    expect(studySettingFor('xsum')).toEqual({
      trainingSet: 'xsum',
      task: 'summary',
      inDomain: ['xsum', 'xlsum'],
      outOfDomain: ['pdfs', 'cnn'],
      crossTask: {
        question: ['socialqa', 'tweetqa', 'sciqa'],
        sentiment: ['amazon', 'amazonfood', 'sst2', 'yelp'],
        detection: ['paws', 'qqp', 'stsb'],
        inference: ['multinli', 'multinli2', 'rte', 'gptnli'],
      },
    });
    expect(studySettingFor('paws')).toMatchObject({ inDomain: ['paws'], outOfDomain: ['qqp', 'stsb'] });
    expect(studySettingFor('multinli').crossTask.summary).toEqual(['xsum', 'xlsum', 'pdfs', 'cnn']);
    // Every set named in the mapping is a paper test set of the mapping's task.
    for (const s of Object.values(DEFAULT_STUDY_SETTINGS)) {
      for (const d of [...s.inDomain, ...s.outOfDomain]) expect(testSetOf(d).task).toBe(s.task);
    }
  });

  it('is configurable', () => {
    const custom = { amazon: { task: 'sentiment' as const, inDomain: ['amazon'], outOfDomain: ['amazonfood', 'sst2', 'yelp'] } };
    expect(studySettingFor('amazon', custom).outOfDomain).toEqual(['amazonfood', 'sst2', 'yelp']);
    expect(() => studySettingFor('xsum', custom)).toThrow(UnknownDatasetError);
  });
});
