/**
 * Export and import round trips (property tests with fast-check): JSONL and JSON give back the
 * same records and plans, CSV the same cell numbers; imports de-duplicate by (cell, item, prompt
 * hash), report each bad line by its number and keep every good one; stored records are never
 * replaced by an import; cells from records count a plan's expected prompts only.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import Papa from 'papaparse';
import { cellsFromRecords, exportCsv, exportJson, exportJsonl, newRecords, parseImport, planFromRecords, recordKeyString } from '../../src/core/report/exchange.ts';
import { aggregateCell, cellKey, type CellSpec, type SampleRecord } from '../../src/core/run/index.ts';

const finite = fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }).map((x) => (Object.is(x, -0) ? 0 : x));
const unit = fc.double({ noNaN: true, min: 0, max: 1 }).map((x) => (Object.is(x, -0) ? 0 : x));
const text = fc.string({ unit: 'binary', maxLength: 40 });

const specArb: fc.Arbitrary<CellSpec> = fc.record({
  modelId: fc.constantFrom('base', 'ft-paws2000', 'm,"quoted"'),
  dataset: fc.constantFrom('xsum', 'sst2', 'paws'),
  task: fc.constantFrom('summary', 'sentiment'),
  mode: fc.constantFrom('zero-shot' as const, 'icl' as const, 'fticl' as const),
  shots: fc.integer({ min: 0, max: 8 }),
  template: fc.constantFrom(0, 1),
  scoring: fc.constantFrom('generate' as const, 'paper' as const),
});

const recordArb: fc.Arbitrary<SampleRecord> = fc
  .tuple(specArb, fc.integer({ min: 0, max: 30 }), fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 4, maxLength: 8 }), text, text, fc.constantFrom('generation', 'classification', 'error'), unit, finite)
  .map(([spec, item, hash, prompt, out, kind, m, ms]) => {
    const base = {
      schemaVersion: 2 as const,
      ...spec,
      cellKey: cellKey(spec),
      item,
      promptHash: hash,
      prompt,
      bos: item % 2 === 0,
      reference: out,
      runId: 'r',
      timings: { startedAt: '2024-01-01T00:00:00.000Z', totalMs: ms, prefillMs: 1, decodeMs: 2, promptTokens: 3, newTokens: 4 },
    };
    if (kind === 'generation') return { ...base, kind: 'generation', output: out, finishReason: 'eos', prediction: out.trim(), rougeL: { precision: m, recall: m, fmeasure: m }, metric: m } satisfies SampleRecord;
    if (kind === 'classification') return { ...base, kind: 'classification', labels: ['a', 'b'], labelTokenIds: [1, 2], labelLogprobs: [ms, -1], labelProbs: [m, 1 - m], predictionIndex: 0, prediction: 'a', metric: m > 0.5 ? 1 : 0 } satisfies SampleRecord;
    return { ...base, kind: 'error', error: { code: 'x', message: out } } satisfies SampleRecord;
  });

const unique = (rs: SampleRecord[]): SampleRecord[] => [...new Map(rs.map((r) => [recordKeyString(r), r])).values()];

describe('round trips', () => {
  it('JSONL: records and plans come back equal, duplicates folded to the last line', () => {
    fc.assert(
      fc.property(fc.array(recordArb, { minLength: 1, maxLength: 25 }), (rs) => {
        const plans = [planFromRecords(unique(rs), { id: 'p', name: 'n', createdAt: '2024-01-01T00:00:00.000Z' })];
        const parsed = parseImport(exportJsonl(rs, plans), 'x.jsonl');
        expect(parsed.problems).toEqual([]);
        expect(parsed.records).toEqual(unique(rs));
        expect(parsed.duplicates).toBe(rs.length - unique(rs).length);
        expect(parsed.plans).toEqual(plans);
      }),
      { numRuns: 60 },
    );
  });

  it('JSON: plans, cells and records come back equal', () => {
    fc.assert(
      fc.property(fc.array(recordArb, { minLength: 1, maxLength: 25 }), (rs) => {
        const records = unique(rs);
        const cells = cellsFromRecords(records);
        const plans = [planFromRecords(records, { id: 'p', name: 'n', createdAt: '2024-01-01T00:00:00.000Z' })];
        const parsed = parseImport(exportJson({ plans, cells, records }), 'x.json');
        expect(parsed.format).toBe('json');
        expect(parsed.problems).toEqual([]);
        expect(parsed.records).toEqual(records);
        expect(parsed.plans).toEqual(plans);
        expect(cellsFromRecords(parsed.records, parsed.plans)).toEqual(cellsFromRecords(records, plans));
      }),
      { numRuns: 40 },
    );
  });

  it('CSV: one row per cell with the exact numbers (doubles survive as text), quoting kept', () => {
    fc.assert(
      fc.property(fc.array(recordArb, { minLength: 1, maxLength: 25 }), (rs) => {
        const cells = cellsFromRecords(unique(rs));
        const rows = Papa.parse<Record<string, string>>(exportCsv(cells), { header: true, skipEmptyLines: true }).data;
        expect(rows).toHaveLength(cells.length);
        rows.forEach((row, i) => {
          const a = cells[i].aggregate;
          expect(row.cell).toBe(cells[i].key);
          expect(row.modelId).toBe(cells[i].spec.modelId);
          expect(Number(row.n)).toBe(a.n);
          const value = a.rougeL?.mid ?? a.accuracy?.value;
          expect(row.value === '' ? undefined : Number(row.value)).toBe(value);
          expect(row.low === '' ? undefined : Number(row.low)).toBe(a.rougeL?.low ?? a.accuracy?.low);
        });
      }),
      { numRuns: 40 },
    );
  });
});

describe('import', () => {
  it('a clear error per bad line, every good line kept', () => {
    fc.assert(
      fc.property(fc.array(recordArb, { minLength: 1, maxLength: 10 }), fc.array(fc.constantFrom('{oops', '[1,2]', '{"kind":"banana"}', '{"kind":"generation"}', '{"kind":"plan","plan":{}}', '{"kind":"generation","cellKey":"c","item":0,"promptHash":"h","schemaVersion":9}'), { minLength: 1, maxLength: 5 }), (rs, junk) => {
        const lines = exportJsonl(rs).split('\n').filter(Boolean);
        const bad = new Set<number>();
        for (const [i, j] of junk.entries()) {
          const at = Math.min(lines.length, i * 2);
          lines.splice(at, 0, j);
        }
        lines.forEach((l, i) => (junk as string[]).includes(l) && bad.add(i + 1));
        const parsed = parseImport(lines.join('\n') + '\n', 'mixed.jsonl');
        expect(parsed.problems.map((p) => p.line)).toEqual([...bad]);
        expect(parsed.problems.every((p) => p.message.length > 5)).toBe(true);
        expect(parsed.records).toEqual(unique(rs));
      }),
      { numRuns: 40 },
    );
  });

  it('names what is wrong with a whole file', () => {
    expect(() => parseImport('', 'e.jsonl')).toThrow(/e.jsonl is empty/);
    expect(() => parseImport('{"format":"other"}', 'o.json')).toThrow(/not an ftlab results export/);
    expect(() => parseImport('{"format":"ftlab-results","version":9}', 'n.json')).toThrow(/version 9/);
    expect(parseImport('{"kind":"generation"}\n', 'x').problems[0]).toEqual({ line: 1, message: 'a record without its key (cellKey, item, promptHash)' });
  });

  it('never replaces a stored record', async () => {
    const rs = fc.sample(recordArb, { numRuns: 20, seed: 3 });
    const stored = new Set(rs.slice(0, 7).map(recordKeyString));
    const { write, alreadyStored } = await newRecords(unique(rs), async (r) => stored.has(recordKeyString(r)));
    expect(write.every((r) => !stored.has(recordKeyString(r)))).toBe(true);
    expect(write.length + alreadyStored).toBe(unique(rs).length);
  });

  it('cells from records: a plan\'s expected hashes decide which records count', () => {
    const [r] = fc.sample(recordArb.filter((x) => x.kind === 'generation'), { numRuns: 1, seed: 5 });
    const other = { ...r, promptHash: 'changed', timings: { ...r.timings, startedAt: '2025-01-01T00:00:00.000Z' } };
    const plan = planFromRecords([r], { id: 'p', name: 'n' });
    const [withPlan] = cellsFromRecords([r, other], [plan]);
    const spec = plan.cells[0].spec;
    expect(withPlan.aggregate).toEqual(aggregateCell(spec, [r], { expected: 1 }));
    const [without] = cellsFromRecords([r, other]);
    expect(without.aggregate).toEqual(aggregateCell(spec, [other], { expected: 1 }));
  });
});
