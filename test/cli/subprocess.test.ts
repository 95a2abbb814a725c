/**
 * The CLI as a user runs it: a real child process (`tsx src/cli/main.ts`, what `npm run ftlab`
 * and `npx tsx` start), checking exit codes, stdout, and one-line errors on stderr.
 */
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { PAPER_DATA, PROJECT_ROOT } from '../helpers/paths.ts';

const TSX = path.join(PROJECT_ROOT, 'node_modules', '.bin', 'tsx');
const MAIN = path.join(PROJECT_ROOT, 'src', 'cli', 'main.ts');

function ftlab(args: string[], stdin = ''): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(TSX, [MAIN, ...args], { cwd: PROJECT_ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

describe('ftlab in a child process', () => {
  it('prompt prints JSON lines and exits 0', async () => {
    const r = await ftlab(['prompt', '--data', path.join(PAPER_DATA, 'detection/paws_test_500.json'), '--task', 'detection', '--limit', '2']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { index: number; labelTokenIds: number[] });
    expect(lines.map((l) => l.index)).toEqual([0, 1]);
    expect(lines[0].labelTokenIds).toEqual([3582, 1217]);
  });

  it('rouge reads stdin; a bad JSON line fails with its line number, after the good lines were written', async () => {
    const r = await ftlab(['rouge'], '{"prediction": "the cat", "reference": "the cat sat"}\nnot json\n');
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout.trim())).toEqual({ rougeL: { precision: 1, recall: 2 / 3, fmeasure: 0.8 }, rougeLsum: { precision: 1, recall: 2 / 3, fmeasure: 0.8 } });
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^ftlab: stdin line 2: not valid JSON/);
  });

  it('errors: missing file, unknown task, --shots without --demos (exit 1 / 1 / 2, one line each)', async () => {
    const data = path.join(PAPER_DATA, 'sentiment/sst2_test_500.json');
    const cases: [string[], number, RegExp][] = [
      [['prompt', '--data', 'no/such/file.json', '--task', 'sentiment'], 1, /cannot read no\/such\/file\.json: no such file/],
      [['score', '--task', 'poetry', '--input', data], 1, /unknown task "poetry"/],
      [['prompt', '--data', data, '--task', 'sentiment', '--shots', '4'], 2, /--shots 4 needs --demos FILE/],
      [['nonsense'], 2, /unknown command "nonsense"/],
    ];
    const results = await Promise.all(cases.map(([argv]) => ftlab(argv)));
    results.forEach((r, i) => {
      const [, code, message] = cases[i];
      expect(r.code).toBe(code);
      expect(r.stdout).toBe('');
      expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(message);
    });
  });
});
