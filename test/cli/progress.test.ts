/** The eval progress reporter on a fake clock: cell lines, the live terminal counter, heartbeats, rates. */
import { describe, expect, it } from 'vitest';
import { cellLabel, EvalProgress, formatDuration } from '../../src/cli/support/progress.ts';
import type { CellSpec, RunProgress, RunResult } from '../../src/core/run/index.ts';

const A: CellSpec = { modelId: 'm', dataset: 'xsum', task: 'summary', mode: 'zero-shot', shots: 0, template: 0, scoring: 'generate' };
const B: CellSpec = { ...A, mode: 'icl', shots: 2, template: 1 };

function harness(tty: boolean) {
  let t = 0;
  let text = '';
  const p = new EvalProgress({ write: (s) => void (text += s), tty, now: () => t, logEveryMs: 10_000 });
  return {
    p,
    at: (ms: number) => void (t = ms),
    text: () => text,
  };
}

/** Two cells of 3 samples, one sample per second after a 5 s first sample (the model load). */
function drive(h: ReturnType<typeof harness>): void {
  h.p.start({ done: 0, total: 6, skipped: 4, errors: 0 }, 2, 'out.jsonl');
  const times = [5000, 6000, 7000, 8000, 9000, 10_000];
  times.forEach((ms, i) => {
    h.at(ms);
    const cell = i < 3 ? A : B;
    const progress: RunProgress = { done: i + 1, total: 6, skipped: 4, errors: i >= 4 ? 1 : 0, cell, cellKey: 'k', item: i % 3, cellIndex: i < 3 ? 0 : 1, cellCount: 2, cellDone: (i % 3) + 1, cellTotal: 3 };
    h.p.update(progress);
  });
}

describe('EvalProgress', () => {
  it('without a terminal: a start line, a line per finished cell with its errors, and the totals', () => {
    const h = harness(false);
    drive(h);
    expect(h.p.rate()).toBe(1); // 5 samples in the 5 s after the first
    const result: RunResult = { runId: 'r', status: 'done', done: 6, total: 6, skipped: 4, errors: 1, cells: [] };
    h.p.end(result, 'out.jsonl');
    expect(h.text().split('\n')).toEqual([
      'eval: 2 cells, 10 samples; resuming: 4 of 10 already done in out.jsonl, 6 to run',
      'eval: cell 1/2 done: m xsum zero-shot map 0: 3 samples in 7.0 s; 3/6 overall, ETA 0:03',
      'eval: cell 2/2 done: m xsum icl 2-shot map 1: 3 samples in 3.0 s, 1 error; 6/6 overall, ETA 0:00',
      'eval: 6 samples in 10.0 s (1.0 samples/s after the first), 1 error, 4 already done; records in out.jsonl',
      '',
    ]);
    expect(h.text()).not.toContain('\r');
  });

  it('without a terminal, a long cell gets a counter line now and then', () => {
    const h = harness(false);
    h.p.start({ done: 0, total: 100, skipped: 0, errors: 0 }, 1, 'o');
    for (let i = 1; i <= 30; i++) {
      h.at(i * 1000);
      h.p.update({ done: i, total: 100, skipped: 0, errors: 0, cell: A, item: i - 1, cellIndex: 0, cellCount: 1, cellDone: i, cellTotal: 100 });
    }
    const beats = h.text().split('\n').filter((l) => l.startsWith('eval: ['));
    expect(beats).toEqual(['eval: [10/100] 10% m xsum zero-shot map 0 item 9  1.0 samples/s  ETA 1:30', 'eval: [20/100] 20% m xsum zero-shot map 0 item 19  1.0 samples/s  ETA 1:20', 'eval: [30/100] 30% m xsum zero-shot map 0 item 29  1.0 samples/s  ETA 1:10']);
  });

  it('on a terminal: a live counter redrawn with \\r, cleared before each permanent line', () => {
    const h = harness(true);
    drive(h);
    const text = h.text();
    expect(text).toContain('\r\x1b[K[1/6] 16% m xsum zero-shot map 0 item 0  ? samples/s  ETA ?');
    expect(text).toContain('\r\x1b[K[2/6] 33% m xsum zero-shot map 0 item 1  1.0 samples/s  ETA 0:04');
    expect(text).toContain('\r\x1b[Keval: cell 1/2 done: ');
    h.p.end({ runId: 'r', status: 'cancelled', done: 5, total: 6, skipped: 4, errors: 1, cells: [] }, 'out.jsonl');
    expect(text.length).toBeLessThan(h.text().length);
    expect(h.text()).toMatch(/eval: cancelled after 5 of 6 samples; every finished sample is in out\.jsonl: run the same command again to resume\n$/);
  });

  it('labels and durations', () => {
    expect(cellLabel({ ...B, scoring: 'full-label', tokenization: 'paper-code' })).toBe('m xsum icl 2-shot map 1 full-label paper-code ids');
    expect(formatDuration(75)).toBe('1:15');
    expect(formatDuration(3725)).toBe('1:02:05');
    expect(formatDuration(Infinity)).toBe('?');
  });
});
