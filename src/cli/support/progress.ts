/**
 * Progress of an evaluation run on stderr. Always a line per finished cell; on a terminal also
 * a live counter redrawn in place with "\r" (done/total, the cell, the item, samples/s, ETA);
 * elsewhere (a log, a pipe, CI) that counter as a plain line now and then instead, so a long
 * cell still shows signs of life. The rate leaves out the first sample, which pays for the
 * model load.
 */
import type { CellSpec, RunProgress, RunResult } from '../../core/run/index.ts';
import { cellLabel as describeCell, formatDuration, formatRate } from '../../core/run/describe.ts';

export { formatDuration };

/** A cell in a few words, model first: "tiny-random-llama-f32 sst2 icl 2-shot map 0". */
export function cellLabel(spec: CellSpec): string {
  return describeCell(spec, { model: true });
}

export interface EvalProgressOptions {
  write: (s: string) => void;
  /** Redraw a live counter line (stderr is a terminal). */
  tty: boolean;
  /** ms clock; default performance.now. */
  now?: () => number;
  /** Least ms between two redraws of the live line. Default 200. */
  redrawEveryMs?: number;
  /** Without a terminal: least ms between two counter lines inside a cell. Default 30 s. */
  logEveryMs?: number;
}

export class EvalProgress {
  private readonly now: () => number;
  private readonly redrawEveryMs: number;
  private readonly logEveryMs: number;
  private lastLog = 0;
  private startedAt = 0;
  private firstSampleAt: number | undefined;
  private lastEventAt = 0;
  private cellStartedAt = 0;
  private cellErrorsBefore = 0;
  private lastRedraw = -Infinity;
  private liveLine = false;
  private latest: RunProgress = { done: 0, total: 0, skipped: 0, errors: 0 };

  constructor(private readonly opts: EvalProgressOptions) {
    this.now = opts.now ?? (() => performance.now());
    this.redrawEveryMs = opts.redrawEveryMs ?? 200;
    this.logEveryMs = opts.logEveryMs ?? 30_000;
  }

  /** The runner's first report (before any sample): what is stored already, what is left. */
  start(p: RunProgress, cells: number, file: string): void {
    this.startedAt = this.lastEventAt = this.cellStartedAt = this.lastLog = this.now();
    this.latest = p;
    const all = p.skipped + p.total;
    const head = `eval: ${cells} cell${cells === 1 ? '' : 's'}, ${all} sample${all === 1 ? '' : 's'}`;
    if (p.skipped === 0) this.line(`${head}; records go to ${file}`);
    else this.line(`${head}; resuming: ${p.skipped} of ${all} already done in ${file}, ${p.total} to run`);
  }

  /** Samples per second so far, without the first sample (it pays for loading the model). */
  rate(): number | undefined {
    const { done } = this.latest;
    if (this.firstSampleAt === undefined || done < 2) return undefined;
    const ms = this.lastEventAt - this.firstSampleAt;
    return ms > 0 ? ((done - 1) * 1000) / ms : undefined;
  }

  private eta(): string {
    const r = this.rate();
    return r ? formatDuration((this.latest.total - this.latest.done) / r) : '?';
  }

  /** After every sample. */
  update(p: RunProgress): void {
    const t = this.now();
    if (p.done === 1) this.firstSampleAt = t;
    if (p.cellDone === 1) {
      this.cellStartedAt = this.lastEventAt;
      this.cellErrorsBefore = this.latest.errors;
    }
    this.latest = p;
    this.lastEventAt = t;
    if (p.cell && p.cellDone !== undefined && p.cellDone === p.cellTotal) {
      const errors = p.errors - this.cellErrorsBefore;
      const secs = (t - this.cellStartedAt) / 1000;
      this.line(
        `eval: cell ${(p.cellIndex ?? 0) + 1}/${p.cellCount ?? '?'} done: ${cellLabel(p.cell)}: ${p.cellTotal} sample${p.cellTotal === 1 ? '' : 's'} in ${secs.toFixed(1)} s` +
          `${errors > 0 ? `, ${errors} error${errors === 1 ? '' : 's'}` : ''}; ${p.done}/${p.total} overall, ETA ${this.eta()}`,
      );
      this.lastLog = t;
      return;
    }
    if (this.opts.tty) {
      if (t - this.lastRedraw >= this.redrawEveryMs) {
        this.opts.write(`\r\x1b[K${this.counter()}`);
        this.liveLine = true;
        this.lastRedraw = t;
      }
    } else if (t - this.lastLog >= this.logEveryMs) {
      this.line(`eval: ${this.counter()}`);
      this.lastLog = t;
    }
  }

  /** "[25/100] 25% tiny xsum zero-shot map 0 item 24  3.7 samples/s  ETA 0:20". */
  counter(): string {
    const p = this.latest;
    const r = this.rate();
    const pct = p.total > 0 ? Math.floor((100 * p.done) / p.total) : 100;
    const where = p.cell ? ` ${cellLabel(p.cell)} item ${p.item}` : '';
    return `[${p.done}/${p.total}] ${pct}%${where}  ${r ? formatRate(r) : '?'} samples/s  ETA ${this.eta()}`;
  }

  /** A permanent line (clearing the live counter first on a terminal). */
  line(text: string): void {
    this.opts.write(`${this.liveLine ? '\r\x1b[K' : ''}${text}\n`);
    this.liveLine = false;
  }

  /** Wipe the live counter (before an error message takes the line). */
  clearLive(): void {
    if (this.liveLine) this.opts.write('\r\x1b[K');
    this.liveLine = false;
  }

  /** The run's end: totals, or how to resume after a cancel. */
  end(result: RunResult, file: string): void {
    const secs = (this.now() - this.startedAt) / 1000;
    if (result.status === 'cancelled') {
      this.line(`eval: cancelled after ${result.done} of ${result.total} samples; every finished sample is in ${file}: run the same command again to resume`);
      return;
    }
    const r = this.rate();
    this.line(
      `eval: ${result.done} sample${result.done === 1 ? '' : 's'} in ${secs.toFixed(1)} s${r ? ` (${formatRate(r)} samples/s after the first)` : ''}, ${result.errors} error${result.errors === 1 ? '' : 's'}` +
        `${result.skipped > 0 ? `, ${result.skipped} already done` : ''}; records in ${file}`,
    );
  }
}
