/**
 * Two runs of the same cells side by side (cpu vs webgpu, FT vs FTICL, protocol vs paper-code
 * ids): cells are matched on their spec without the fields in which the two runs differ, items
 * on their index (a changed tokenization changes the prompt hash, not the item). Per cell: Δ
 * metric over the items both runs scored, with a paired bootstrap (ROUGE-L; accuracy too) and
 * McNemar's test (accuracy); per sample: both records and whether the prediction changed.
 */
import type { CellSpec, SampleRecord } from '../run/records.ts';
import { mcnemar, pairedBootstrap, type McNemarResult, type PairedBootstrapResult } from './significance.ts';

/** Spec fields two runs may differ in and still be "the same cells". */
export const COMPARABLE_FIELDS = ['modelId', 'tokenization', 'scoring', 'maxNewTokens'] as const;
export type ComparableField = (typeof COMPARABLE_FIELDS)[number];

export interface SamplePair {
  item: number;
  a?: SampleRecord;
  b?: SampleRecord;
  /** Both scored and their predictions (text or label) differ. */
  changed: boolean;
}

export interface CellComparison {
  /** The matched spec, with the ignored fields taken from run A. */
  spec: CellSpec;
  keyA?: string;
  keyB?: string;
  metric: 'rougeL' | 'accuracy';
  /** Items scored by both runs. */
  paired: number;
  meanA?: number;
  meanB?: number;
  /** meanB − meanA over the paired items. */
  delta?: number;
  bootstrap?: PairedBootstrapResult;
  mcnemar?: McNemarResult;
  changed: number;
  samples: SamplePair[];
}

export interface RunComparison {
  /** The spec fields ignored when matching (those the runs differ in). */
  ignored: ComparableField[];
  cells: CellComparison[];
}

const SPEC_FIELDS = ['modelId', 'dataset', 'task', 'mode', 'shots', 'template', 'scoring', 'tokenization', 'maxNewTokens'] as const satisfies readonly (keyof CellSpec)[];

/** The cell's spec fields (a record carries more), without the ignored ones. */
function matchKey(spec: CellSpec, ignored: readonly ComparableField[]): string {
  const kept = SPEC_FIELDS.filter((f) => !(ignored as readonly string[]).includes(f));
  return JSON.stringify(kept.map((f) => (f === 'tokenization' ? (spec.tokenization ?? 'protocol') : (spec[f] ?? null))));
}

/** The comparable fields whose values differ between the runs' cells. */
export function differingFields(a: readonly SampleRecord[], b: readonly SampleRecord[]): ComparableField[] {
  const values = (rs: readonly SampleRecord[], f: ComparableField): string => JSON.stringify([...new Set(rs.map((r) => String(r[f] ?? '')))].sort());
  return COMPARABLE_FIELDS.filter((f) => values(a, f) !== values(b, f));
}

function byCell(records: readonly SampleRecord[], ignored: readonly ComparableField[]): Map<string, SampleRecord[]> {
  const m = new Map<string, SampleRecord[]>();
  for (const r of records) {
    const k = matchKey(r, ignored);
    m.set(k, [...(m.get(k) ?? []), r]);
  }
  return m;
}

function predictionOf(r: SampleRecord): string | undefined {
  return r.kind === 'error' ? undefined : r.prediction;
}

/** Compare run A's records with run B's. `ignore` overrides the fields matched loosely. */
export function compareRuns(a: readonly SampleRecord[], b: readonly SampleRecord[], opts: { ignore?: readonly ComparableField[]; seed?: number; nSamples?: number } = {}): RunComparison {
  const ignored = [...(opts.ignore ?? differingFields(a, b))];
  const A = byCell(a, ignored);
  const B = byCell(b, ignored);
  const cells: CellComparison[] = [];
  for (const key of new Set([...A.keys(), ...B.keys()])) {
    const ra = A.get(key) ?? [];
    const rb = B.get(key) ?? [];
    const first = ra[0] ?? rb[0];
    const spec: CellSpec = { modelId: first.modelId, dataset: first.dataset, task: first.task, mode: first.mode, shots: first.shots, template: first.template, scoring: first.scoring, ...(first.tokenization ? { tokenization: first.tokenization } : {}), ...(first.maxNewTokens !== undefined ? { maxNewTokens: first.maxNewTokens } : {}) };
    const metric = spec.scoring === 'generate' ? 'rougeL' : 'accuracy';
    const ia = new Map(ra.map((r) => [r.item, r]));
    const ib = new Map(rb.map((r) => [r.item, r]));
    const items = [...new Set([...ia.keys(), ...ib.keys()])].sort((x, y) => x - y);
    const samples: SamplePair[] = items.map((item) => {
      const sa = ia.get(item);
      const sb = ib.get(item);
      const pa = sa && predictionOf(sa);
      const pb = sb && predictionOf(sb);
      return { item, ...(sa ? { a: sa } : {}), ...(sb ? { b: sb } : {}), changed: pa !== undefined && pb !== undefined && pa !== pb };
    });
    const pairs = samples.filter((s) => s.a && s.b && s.a.kind !== 'error' && s.b.kind !== 'error');
    const xa = pairs.map((s) => (s.a as Exclude<SampleRecord, { kind: 'error' }>).metric);
    const xb = pairs.map((s) => (s.b as Exclude<SampleRecord, { kind: 'error' }>).metric);
    const cell: CellComparison = { spec, ...(ra[0] ? { keyA: ra[0].cellKey } : {}), ...(rb[0] ? { keyB: rb[0].cellKey } : {}), metric, paired: pairs.length, changed: samples.filter((s) => s.changed).length, samples };
    if (pairs.length > 0) {
      cell.bootstrap = pairedBootstrap(xa, xb, { seed: opts.seed ?? 0, nSamples: opts.nSamples ?? 1000 });
      cell.delta = cell.bootstrap.delta;
      cell.meanA = xa.reduce((s, x) => s + x, 0) / xa.length;
      cell.meanB = xb.reduce((s, x) => s + x, 0) / xb.length;
      if (metric === 'accuracy') cell.mcnemar = mcnemar(xa, xb);
    }
    cells.push(cell);
  }
  return { ignored, cells };
}
