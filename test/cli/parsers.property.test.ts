/**
 * Property tests (fast-check) of the parsers that read user files: random bytes and random JSON
 * shapes into the dataset, records and manifest parsers. Never a crash (every failure is one of
 * ftlab's named errors), never a silent pass of invalid input.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseDataset } from '../../src/core/datasets/index.ts';
import { FtlabError } from '../../src/core/errors.ts';
import { decodeCheckedText, InputBytesError } from '../../src/core/input/index.ts';
import { validateManifest } from '../../src/core/manifest.ts';
import { describeRecordProblem } from '../../src/core/run/validate.ts';
import { getTask } from '../../src/core/tasks/index.ts';
import { JsonlRecordStore } from '../../src/store/jsonlRecordStore.ts';

const sentiment = getTask('sentiment');
const strictUtf8 = (b: Uint8Array): boolean => {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(b);
    return true;
  } catch {
    return false;
  }
};
const jsonValue = fc.jsonValue({ maxDepth: 3 });

describe('dataset parsing', () => {
  it('random bytes: items, or a named error; invalid UTF-8 is always refused (InputBytesError)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.constantFrom('d.json', 'd.jsonl', 'd.csv'), (bytes, name) => {
        const layout = name.endsWith('.json') ? 'json' : name.endsWith('.csv') ? 'csv' : 'lines';
        try {
          const text = decodeCheckedText(bytes, name, layout);
          expect(strictUtf8(bytes)).toBe(true);
          const parsed = parseDataset(text, { task: sentiment, source: name });
          for (const item of parsed.items) expect(typeof item.fields.input).toBe('string');
        } catch (e) {
          expect(e).toBeInstanceOf(FtlabError);
          if (!strictUtf8(bytes)) expect(e).toBeInstanceOf(InputBytesError);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('random JSON shapes: every accepted item has string fields and a label; anything else is a named error', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(jsonValue, fc.record({ input: jsonValue, output: fc.oneof(jsonValue, fc.constantFrom('positive', 'negative')) }))), (items) => {
        try {
          const parsed = parseDataset(JSON.stringify(items), { task: sentiment, source: 'r.json' });
          expect(parsed.items).toHaveLength(items.length);
          for (const item of parsed.items) {
            expect(typeof item.fields.input).toBe('string');
            expect(sentiment.labels).toContain(item.output);
          }
        } catch (e) {
          expect(e).toBeInstanceOf(FtlabError);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('records', () => {
  const good = {
    modelId: 'm', dataset: 'sst2', task: 'sentiment', mode: 'zero-shot', shots: 0, template: 0, scoring: 'paper', cellKey: 'k', item: 0, promptHash: 'h',
    prompt: 'p', bos: true, reference: 'positive', runId: 'r', timings: { startedAt: 't', totalMs: 1, prefillMs: 1, decodeMs: 0, promptTokens: 1, newTokens: 0 },
    kind: 'classification', labels: ['positive', 'negative'], labelTokenIds: [1, 2], labelLogprobs: [-1, -2], labelProbs: [0.7, 0.3], predictionIndex: 0, prediction: 'positive', metric: 1,
  };

  it('a field replaced by a value of another type is named', () => {
    expect(describeRecordProblem(good)).toBeUndefined();
    const fields = Object.keys(good).filter((k) => k !== 'kind');
    fc.assert(
      fc.property(fc.constantFrom(...fields), jsonValue, (field, value) => {
        const original = (good as Record<string, unknown>)[field];
        fc.pre(typeof value !== typeof original || Array.isArray(value) !== Array.isArray(original) || value === null);
        const problem = describeRecordProblem({ ...good, [field]: value });
        expect(problem, `${field} = ${JSON.stringify(value)}`).toMatch(new RegExp(`"${field}`));
      }),
      { numRuns: 300 },
    );
  });

  it('a records file of random lines opens, or is refused with its line; never a crash', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ftlab-prop-records-'));
    try {
      await fc.assert(
        fc.asyncProperty(fc.array(fc.oneof(jsonValue.map((v) => JSON.stringify(v)), fc.constant(JSON.stringify(good)), fc.string())), async (lines) => {
          const file = path.join(dir, `r-${Math.random().toString(36).slice(2)}.jsonl`);
          fs.writeFileSync(file, lines.map((l) => l.replace(/\n/g, ' ')).join('\n') + '\n');
          try {
            const store = await JsonlRecordStore.open(file);
            for (const r of store.allRecords()) expect(describeRecordProblem(r)).toBeUndefined();
            await store.close();
          } catch (e) {
            expect(e).toBeInstanceOf(FtlabError);
            expect((e as Error).message).toMatch(/line \d+: /);
          }
        }),
        { numRuns: 100 },
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('manifest', () => {
  it('random JSON: a manifest, or a named error', () => {
    fc.assert(
      fc.property(fc.oneof(jsonValue, fc.record({ schema: fc.constant('ftlab-manifest'), version: fc.constant(1), id: jsonValue, files: jsonValue, quantization: jsonValue })), (json) => {
        try {
          const m = validateManifest(json);
          expect(typeof m.id).toBe('string');
        } catch (e) {
          expect(e).toBeInstanceOf(FtlabError);
        }
      }),
      { numRuns: 500 },
    );
  });
});
