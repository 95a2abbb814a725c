/**
 * One huge item cannot exhaust memory: a 50 MB item (a JSON-lines line, a string in a JSON
 * array, a line on stdin) is refused after the first 1 MiB of it, by a process whose V8 heap is
 * capped at 64 MB (it died with "heap out of memory" after ~2 minutes before the limits).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PROJECT_ROOT } from '../helpers/paths.ts';

const MB50 = 50 * 1024 * 1024;
let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ftlab-memory-'));
  const big = 'x'.repeat(MB50);
  fs.writeFileSync(path.join(dir, 'big.jsonl'), `{"input":"${big}","output":"positive"}\n`);
  fs.writeFileSync(path.join(dir, 'big.json'), `[{"output":"positive","input":"${big}"}]`);
  fs.writeFileSync(path.join(dir, 'big-pair.jsonl'), `{"prediction":"a","reference":"${big}"}\n`);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function ftlabSmallHeap(args: string[], stdinFile?: string) {
  const stdin = stdinFile ? fs.openSync(stdinFile, 'r') : 'ignore';
  try {
    const t0 = Date.now();
    const r = spawnSync(process.execPath, ['--max-old-space-size=64', '--import', 'tsx', 'src/cli/main.ts', ...args], {
      cwd: PROJECT_ROOT,
      stdio: [stdin, 'pipe', 'pipe'],
      encoding: 'utf8',
      timeout: 120_000,
    });
    return { code: r.status, signal: r.signal, stderr: r.stderr, ms: Date.now() - t0 };
  } finally {
    if (typeof stdin === 'number') fs.closeSync(stdin);
  }
}

describe('a 50 MB item, 64 MB of heap', () => {
  it.each([
    ['prompt, JSON lines', ['prompt', '--task', 'sentiment', '--data', 'big.jsonl'], undefined, /big\.jsonl \(byte offset 1048576, line 1, column 1048577, item 0, field "input"\): line 1 is longer than 1 MiB/],
    ['classify, a JSON array', ['classify', '--model', 'tiny-random-llama-f32', '--task', 'sentiment', '--data', 'big.json'], undefined, /big\.json \(byte offset 30, line 1, column 31, item 0, field "input"\): a string longer than 1 MiB/],
    ['eval, JSON lines', ['eval', '--model', 'tiny-random-llama-f32', '--task', 'sentiment', '--data', 'big.jsonl', '--mode', 'zero-shot', '--out', 'never.jsonl'], undefined, /big\.jsonl .*longer than 1 MiB/],
    ['rouge, stdin', ['rouge'], 'big-pair.jsonl', /stdin \(byte offset 1048576, .*field "reference"\): line 1 is longer than 1 MiB/],
  ])('%s: refused with one line, no heap exhaustion', (_name, argv, stdinName, message) => {
    const args = argv.map((a) => (a.startsWith('big') || a === 'never.jsonl' ? path.join(dir, a) : a));
    const r = ftlabSmallHeap(args, stdinName ? path.join(dir, stdinName) : undefined);
    expect(r.signal, r.stderr).toBeNull();
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).not.toMatch(/heap out of memory|FATAL/);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(message);
  }, 150_000);
});
