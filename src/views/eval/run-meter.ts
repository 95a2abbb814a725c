/**
 * The Evaluate panel's live numbers, from the runner's progress reports: done / to run, the
 * cell being evaluated, samples per second and the time left. The rate leaves out the first
 * sample of the run, which pays for warming the engine (and the worker's first tokenizer use).
 */
import type { RunProgress } from '../../core/run/runner.ts';
import type { CellSpec } from '../../core/run/records.ts';
import { cellLabel, formatDuration, formatRate } from './format.ts';

export interface MeterView {
  done: number;
  /** Samples this run evaluates (those already stored are left out). */
  total: number;
  /** Samples found stored and skipped. */
  skipped: number;
  errors: number;
  /** 0..1 over this run's samples (1 when there is nothing to run). */
  fraction: number;
  /** Samples per second, once two samples are done. */
  rate?: number;
  /** Seconds left at that rate. */
  etaSeconds?: number;
  /** "cell 2 of 4: sst2 icl 2-shot map 0 (item 7, 3 of 5)". */
  cellText?: string;
}

export class RunMeter {
  private latest: RunProgress = { done: 0, total: 0, skipped: 0, errors: 0 };
  private firstSampleAt: number | undefined;
  private lastSampleAt = 0;
  private cell: CellSpec | undefined;

  constructor(private readonly now: () => number = () => performance.now()) {}

  update(p: RunProgress): void {
    if (p.done > this.latest.done || (p.done > 0 && this.firstSampleAt === undefined)) {
      const t = this.now();
      if (this.firstSampleAt === undefined) this.firstSampleAt = t;
      this.lastSampleAt = t;
    }
    if (p.cell) this.cell = p.cell;
    this.latest = { ...p };
  }

  /** Samples per second over the samples after the first. */
  rate(): number | undefined {
    const { done } = this.latest;
    if (this.firstSampleAt === undefined || done < 2) return undefined;
    const ms = this.lastSampleAt - this.firstSampleAt;
    return ms > 0 ? ((done - 1) * 1000) / ms : undefined;
  }

  view(): MeterView {
    const p = this.latest;
    const rate = this.rate();
    const left = p.total - p.done;
    const cellText =
      this.cell && p.cellIndex !== undefined && p.cellCount !== undefined
        ? `cell ${p.cellIndex + 1} of ${p.cellCount}: ${cellLabel(this.cell)} (item ${p.item}, ${p.cellDone} of ${p.cellTotal})`
        : undefined;
    return {
      done: p.done,
      total: p.total,
      skipped: p.skipped,
      errors: p.errors,
      fraction: p.total > 0 ? p.done / p.total : 1,
      ...(rate !== undefined ? { rate, etaSeconds: left / rate } : {}),
      ...(cellText ? { cellText } : {}),
    };
  }
}

/** "4.2 samples/s · 1:55 left", or "" before the rate is known. */
export function rateText(v: MeterView): string {
  if (v.rate === undefined) return '';
  return `${formatRate(v.rate)} samples/s · ${formatDuration(v.etaSeconds ?? NaN)} left`;
}
