/**
 * How the Evaluate panel writes numbers, cells and samples. Pure functions (unit-tested in Node);
 * the types come from core/run but nothing heavy is imported.
 */
import type { AccuracyAggregate, CellAggregate, RougeLAggregate } from '../../core/run/aggregate.ts';
import type { SampleRecord } from '../../core/run/records.ts';

export { cellLabel, formatDuration, formatRate, modeLabel } from '../../core/run/describe.ts';

/** 0.6667 → "66.7%". */
export function percent(x: number, digits = 1): string {
  return `${(x * 100).toFixed(digits)}%`;
}

/** "66.7% [20.8%, 93.9%] (2/3)": accuracy with its 95% Wilson interval. */
export function accuracyText(a: AccuracyAggregate, n: number): string {
  return `${percent(a.value)} [${percent(a.low)}, ${percent(a.high)}] (${a.correct}/${n})`;
}

/** "0.1234 [0.1000, 0.1500] (bootstrap mid, seed 0; mean 0.1240)": the paper's number first. */
export function rougeLText(r: RougeLAggregate): string {
  const f = (x: number): string => x.toFixed(4);
  return `${f(r.mid)} [${f(r.low)}, ${f(r.high)}] (bootstrap mid, seed ${r.seed}; mean ${f(r.mean)})`;
}

/** The metric column: "accuracy …", "ROUGE-L …", or "–" when nothing is scored yet. */
export function metricText(agg: CellAggregate): string {
  if (agg.accuracy) return `accuracy ${accuracyText(agg.accuracy, agg.n)}`;
  if (agg.rougeL) return `ROUGE-L ${rougeLText(agg.rougeL)}`;
  return '–';
}

/** A millisecond duration: "12.3 ms", "1.25 s". */
export function formatMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(1)} ms`;
}

/**
 * A prompt cut into pieces for display with its whitespace visible: text, line breaks (shown
 * with a ↵ mark) and the spaces or tabs that end a line or the prompt (highlighted: the paper's
 * map-1 inference prompts end in a space, which changes the label's first token). Joining the
 * pieces' text gives the prompt back exactly, so copying it out loses nothing.
 */
export type PromptPiece = { kind: 'text'; text: string } | { kind: 'newline'; text: '\n' } | { kind: 'trailing-space'; text: string };

export function promptPieces(prompt: string): PromptPiece[] {
  const pieces: PromptPiece[] = [];
  const lines = prompt.split('\n');
  lines.forEach((line, i) => {
    const m = /[ \t]+$/.exec(line);
    const body = m ? line.slice(0, m.index) : line;
    if (body) pieces.push({ kind: 'text', text: body });
    if (m) pieces.push({ kind: 'trailing-space', text: m[0] });
    if (i < lines.length - 1) pieces.push({ kind: 'newline', text: '\n' });
  });
  return pieces;
}

/** How a sample came out: right or wrong (classification), scored (generation), or an error. */
export type SampleOutcome = 'correct' | 'wrong' | 'scored' | 'error';

export function sampleOutcome(r: SampleRecord): SampleOutcome {
  if (r.kind === 'error') return 'error';
  if (r.kind === 'generation') return 'scored';
  return r.metric === 1 ? 'correct' : 'wrong';
}

export type OutcomeFilter = 'all' | 'correct' | 'wrong' | 'error';

export interface SampleFilter {
  /** Case-insensitive text searched in the prompt, output, prediction and reference. */
  text: string;
  outcome: OutcomeFilter;
}

/** The records that pass the filter, in their order. */
export function filterSamples(records: readonly SampleRecord[], f: SampleFilter): SampleRecord[] {
  const needle = f.text.trim().toLowerCase();
  return records.filter((r) => {
    if (f.outcome !== 'all') {
      const o = sampleOutcome(r);
      if (f.outcome === 'error' ? o !== 'error' : o !== f.outcome) return false;
    }
    if (!needle) return true;
    const hay = [r.prompt, r.reference, r.kind === 'error' ? r.error.message : r.prediction, r.kind === 'generation' ? r.output : ''];
    return hay.some((s) => s.toLowerCase().includes(needle));
  });
}

/** A sample's score column: "✓ positive", "✗ negative", "0.2857", or the error code. */
export function sampleScoreText(r: SampleRecord): string {
  if (r.kind === 'error') return `error: ${r.error.code}`;
  if (r.kind === 'generation') return r.rougeL.fmeasure.toFixed(4);
  return r.metric === 1 ? 'correct' : 'wrong';
}

/** One line of at most `max` characters, newlines shown as ⏎ (grid cells). */
export function shortText(s: string, max = 80): string {
  const one = s.replace(/\r?\n/g, ' ⏎ ');
  return one.length > max ? `${one.slice(0, max - 1)}…` : one;
}

/** A file name for an export: letters, digits, dots, dashes and underscores only. */
export function exportFileName(parts: readonly string[]): string {
  const name = parts.map((p) => p.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '')).filter(Boolean).join('_');
  return `ftlab_${name || 'records'}.jsonl`;
}

/** Records as JSON lines (one record per line, a final newline): what `ftlab eval --out` writes. */
export function recordsToJsonl(records: readonly SampleRecord[]): string {
  return records.map((r) => JSON.stringify(r)).join('\n') + (records.length ? '\n' : '');
}
