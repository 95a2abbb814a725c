/**
 * Every command, fed bad input (test/cli/bad-input-cases.ts): a non-zero exit and ONE line on
 * stderr naming the problem (file, item or line, field), nothing on stdout, never a stack
 * trace, and never exit 0. Each case runs in-process through main(); a directory on stdin needs
 * a real file descriptor, so that case runs as a process.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { PROJECT_ROOT } from '../helpers/paths.ts';
import { ensureTinyModels } from '../../scripts/make-tiny-model.ts';
import { main } from '../../src/cli/main.ts';
import { commands } from '../../src/cli/commands/index.ts';
import { badInputCases, writeFixtures, type BadInputCase } from './bad-input-cases.ts';

let dir: string;
let modelDir: string;
beforeAll(() => {
  modelDir = ensureTinyModels()['tiny-random-llama-f32'];
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ftlab-bad-input-'));
  writeFixtures(dir, modelDir);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

async function run(c: BadInputCase): Promise<{ code: number; out: string; err: string }> {
  if (c.stdinPath) {
    const fd = fs.openSync(c.stdinPath, 'r');
    try {
      const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...c.argv], { cwd: PROJECT_ROOT, stdio: [fd, 'pipe', 'pipe'], encoding: 'utf8', timeout: 60_000 });
      return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
    } finally {
      fs.closeSync(fd);
    }
  }
  let out = '';
  let err = '';
  const stdin = Readable.from([typeof c.stdin === 'string' ? Buffer.from(c.stdin) : (c.stdin ?? Buffer.alloc(0))]);
  const code = await main(c.argv, { stdin, out: (s) => void (out += s), err: (s) => void (err += s), signal: new AbortController().signal });
  return { code, out, err };
}

describe('bad input, every command: one line, non-zero exit', () => {
  it('the table covers every command', () => {
    const covered = new Set(badInputCases('D', 'M').map((c) => c.argv[0]));
    expect(commands.map((c) => c.name).filter((name) => !covered.has(name))).toEqual([]);
  });

  it.each(badInputCases('{D}', '{M}').map((c) => [c.name, c] as const))('%s', async (_name, template) => {
    const c = badInputCases(dir, modelDir).find((x) => x.name === template.name)!;
    const r = await run(c);
    const lines = r.err.trimEnd().split('\n');
    const line = c.lastLine ? lines.at(-1)! : r.err.trimEnd();
    expect(r.code, `${c.name}: ${r.err}`).toBe(c.code);
    if (!c.lastLine) {
      expect(lines, r.err).toHaveLength(1);
      expect(r.out).toBe('');
    }
    expect(line).toMatch(c.lastLine ? c.message : new RegExp(`^ftlab: (.*)?${c.message.source}`));
    expect(r.err).not.toMatch(/unexpected error|\n\s+at /);
  }, 60_000);
});
