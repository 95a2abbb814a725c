import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DatasetValidationError,
  PAPER_CATALOGUE,
  PROBLEM_LIMIT,
  detectFormat,
  parseDataset,
} from '../../src/core/datasets/index.ts';
import { getTask } from '../../src/core/tasks/index.ts';
import { loadPaper, rawPaperItems, readPaperText } from './paper-files.ts';

const sentiment = getTask('sentiment');
const question = getTask('question');
const inference = getTask('inference');

function problemsOf(run: () => unknown): DatasetValidationError {
  try {
    run();
  } catch (e) {
    if (e instanceof DatasetValidationError) return e;
    throw e;
  }
  throw new Error('expected a DatasetValidationError');
}

describe('the paper files', () => {
  it.each(PAPER_CATALOGUE.map((e) => [e.id, e] as const))('%s parses with its item count', (_id, e) => {
    const d = loadPaper(e.id);
    expect(d.items).toHaveLength(e.items);
    expect(d.format).toBe('json');
    expect(d.taskId).toBe(e.task);
    const raw = rawPaperItems(e.id);
    // Every field kept verbatim; idx where the file has it.
    d.items.forEach((item, i) => {
      expect(item.index).toBe(i);
      expect(item.output).toBe(raw[i].output);
      for (const f of getTask(e.task).inputFields) expect(item.fields[f]).toBe(raw[i][f]);
      expect(item.idx).toBe(raw[i].idx);
    });
  });

  it('keep MultiNLI/SNLI "-" items, flagged as warnings', () => {
    expect(loadPaper('multinli_test_500').warnings.map((w) => w.index)).toHaveLength(8);
    expect(loadPaper('multinli2_test_500').warnings).toHaveLength(16);
    expect(loadPaper('snli_test_500').warnings).toHaveLength(7);
    const w = loadPaper('multinli_test_500').warnings[0];
    expect(w.text).toMatch(/^multinli_test_500\.json: item \d+: gold label "-" means "no gold label"/);
    expect(loadPaper('multinli_test_500').items.filter((x) => x.output === '-')).toHaveLength(8);
  });

  it('training files without idx are fine', () => {
    expect(loadPaper('xsum_train_2000').items[0].idx).toBeUndefined();
    expect(loadPaper('multinli_train_6000').items[5999].idx).toBeUndefined();
  });
});

describe('error paths', () => {
  const amazon = () => rawPaperItems('amazon_test_500');

  it('a missing field names file, item and field', () => {
    const items = amazon();
    delete items[17].input;
    const e = problemsOf(() => parseDataset(JSON.stringify(items), { task: sentiment, source: 'amazon_test_500.json' }));
    expect(e.message).toBe('amazon_test_500.json: item 17: field "input" is missing');
    expect(e.problems).toEqual([{ index: 17, field: 'input', message: 'field "input" is missing', text: e.message }]);
    expect(e.code).toBe('dataset-invalid');
  });

  it('lists every problem: wrong type, wrong label, near-miss label, not an object, bad idx', () => {
    const items: unknown[] = amazon().slice(0, 10);
    (items[1] as Record<string, unknown>).input = 5;
    (items[2] as Record<string, unknown>).output = 'mixed';
    (items[3] as Record<string, unknown>).output = 'Positive';
    items[4] = 'just text';
    (items[5] as Record<string, unknown>).idx = '7';
    const e = problemsOf(() => parseDataset(JSON.stringify(items), { task: sentiment, source: 'a.json' }));
    expect(e.problems.map((p) => p.text)).toEqual([
      'a.json: item 1: field "input" must be a string, got number 5',
      'a.json: item 2: field "output" is "mixed", not a label of task "sentiment" (positive, negative)',
      'a.json: item 3: field "output" is "Positive", not a label of task "sentiment" (positive, negative); did you mean "positive"?',
      'a.json: item 4: expected an object with fields "input", "output", got the string "just text"',
      'a.json: item 5: field "idx" must be an integer, got the string "7"',
    ]);
    expect(e.message).toMatch(/^a\.json: 5 problems:\n {2}a\.json: item 1:/);
  });

  it('malformed JSON gives the line', () => {
    const text = '[\n  {"input": "a", "output": "positive"},\n  {"input": "b" "output": "negative"}\n]';
    const e = problemsOf(() => parseDataset(text, { task: sentiment, source: 'bad.json' }));
    expect(e.problems[0].line).toBe(3);
    expect(e.message).toMatch(/^bad\.json: line 3: malformed JSON/);
  });

  it('a JSON object instead of an array', () => {
    expect(() => parseDataset('{"input": "a", "output": "positive"}', { task: sentiment, source: 'x.json' })).toThrow(
      'x.json: expected a JSON array of items, got an object',
    );
  });

  it('empty file and empty array', () => {
    expect(() => parseDataset('', { task: sentiment, source: 'e.json' })).toThrow('e.json: the file is empty');
    expect(() => parseDataset(' \n', { task: sentiment, source: 'e.csv' })).toThrow('e.csv: the file is empty');
    expect(() => parseDataset('[]', { task: sentiment, source: 'e.json' })).toThrow('e.json: the file has no items');
  });

  it('caps the list but counts every problem', () => {
    const n = PROBLEM_LIMIT + 250;
    const items = Array.from({ length: n }, () => ({ output: 'positive' }));
    const e = problemsOf(() => parseDataset(JSON.stringify(items), { task: sentiment, source: 'big.json' }));
    expect(e.problemCount).toBe(n);
    expect(e.problems).toHaveLength(PROBLEM_LIMIT);
    expect(e.message).toContain(`... and ${n - 10} more`);
  });

  it('property: any item missing a field is reported with its index, and only those', () => {
    const item = fc.record({ input: fc.string(), answer: fc.string(), output: fc.string() }, { requiredKeys: [] });
    fc.assert(
      fc.property(fc.array(item, { minLength: 1, maxLength: 30 }), (items) => {
        const bad = items.flatMap((x, i) => (['input', 'answer', 'output'].every((k) => k in x) ? [] : [i]));
        const run = () => parseDataset(JSON.stringify(items), { task: question, source: 'q.json' });
        if (bad.length === 0) return run().items.length === items.length;
        const e = problemsOf(run);
        const reported = [...new Set(e.problems.map((p) => p.index))];
        const missing = items.flatMap((x, i) => ['input', 'answer', 'output'].filter((k) => !(k in x)).map((k) => `${i}:${k}`));
        return (
          JSON.stringify(reported) === JSON.stringify(bad) &&
          JSON.stringify(e.problems.map((p) => `${p.index}:${p.field}`)) === JSON.stringify(missing)
        );
      }),
    );
  });
});

describe('JSONL', () => {
  it('parses one object per line, skipping blank lines', () => {
    const text = '{"input_1":"a","input_2":"b","output":"neutral"}\n\n{"idx":3,"input_1":"c","input_2":"d","output":"-"}\n';
    const d = parseDataset(text, { task: inference, source: 'x.jsonl' });
    expect(d.format).toBe('jsonl');
    expect(d.items).toEqual([
      { source: 'x.jsonl', index: 0, fields: { input_1: 'a', input_2: 'b' }, output: 'neutral' },
      { source: 'x.jsonl', index: 1, idx: 3, fields: { input_1: 'c', input_2: 'd' }, output: '-' },
    ]);
    expect(d.warnings[0].text).toMatch(/^x\.jsonl: item 1, line 3: gold label "-"/);
  });

  it('names the line of a malformed or incomplete record', () => {
    const text = '{"input":"a","output":"positive"}\n{"input":"b",\n{"output":"negative"}\n';
    const e = problemsOf(() => parseDataset(text, { task: sentiment, source: 'y.jsonl' }));
    expect(e.problems.map((p) => p.text)).toEqual([
      expect.stringMatching(/^y\.jsonl: item 1, line 2: malformed JSON: /),
      'y.jsonl: item 2, line 3: field "input" is missing',
    ]);
  });
});

describe('CSV', () => {
  it('parses a header row, quoted multi-line fields and idx as an integer', () => {
    const text = 'idx,input,answer,output,extra\n4,"a, b",x,"what is ""a""?",z\n,"line 1\nline 2",y,why?,\n';
    const d = parseDataset(text, { task: question, source: 'q.csv' });
    expect(d.format).toBe('csv');
    expect(d.items).toEqual([
      { source: 'q.csv', index: 0, idx: 4, fields: { input: 'a, b', answer: 'x' }, output: 'what is "a"?' },
      { source: 'q.csv', index: 1, fields: { input: 'line 1\nline 2', answer: 'y' }, output: 'why?' },
    ]);
  });

  it('names the line of a bad row, counting quoted newlines and blank lines', () => {
    const text = 'input,output\n"multi\nline",positive\n\nbad,row,extra\nfine,negative\nalso,Neg\n';
    const e = problemsOf(() => parseDataset(text, { task: sentiment, source: 's.csv' }));
    expect(e.problems.map((p) => p.text)).toEqual([
      's.csv: item 1, line 5: CSV row has 3 fields, the header has 2',
      's.csv: item 3, line 7: field "output" is "Neg", not a label of task "sentiment" (positive, negative)',
    ]);
  });

  it('a missing column is reported once, on the header', () => {
    expect(() => parseDataset('text,output\na,positive\n', { task: sentiment, source: 'h.csv' })).toThrow(
      'h.csv: line 1: the CSV header has no column "input" (it has: text, output)',
    );
  });

  it('a header without rows has no items', () => {
    expect(() => parseDataset('input,output\n', { task: sentiment, source: 'h.csv' })).toThrow('h.csv: the file has no items');
  });
});

describe('detectFormat', () => {
  it('uses the extension, else the first character', () => {
    expect(detectFormat('a.JSON', '')).toBe('json');
    expect(detectFormat('a.jsonl', '[')).toBe('jsonl');
    expect(detectFormat('a.ndjson', '')).toBe('jsonl');
    expect(detectFormat('a.csv', '[')).toBe('csv');
    expect(detectFormat('pasted', '  [{}]')).toBe('json');
    expect(detectFormat('pasted', '{"a":1}')).toBe('jsonl');
    expect(detectFormat('pasted', 'input,output')).toBe('csv');
  });

  it('a BOM is ignored', () => {
    expect(parseDataset('\uFEFF[{"input":"a","output":"positive"}]', { task: sentiment, source: 'b.json' }).items).toHaveLength(1);
  });

  it('reads the real file text unchanged (no normalization of whitespace)', () => {
    const d = parseDataset(readPaperText('question/tweetqa_test_500.json'), { task: question, source: 't.json' });
    expect(d.items.filter((x) => x.fields.input === '')).toHaveLength(20);
  });
});
