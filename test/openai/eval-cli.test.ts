/**
 * `ftlab eval --engine openai` against the zero-latency server double: option errors, and a small
 * plan whose records carry servedBy and resume like the cpu engine's. The full plan on the real
 * server is in llama-server.test.ts.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import type { SampleRecord } from '../../src/core/run/index.ts';
import { createNodeCpuEngine } from '../../workers/backends/cpu/node.ts';
import { TINY_F32, tinyModelDirs } from '../contract/tiny-models.ts';
import { PAPER_DATA } from '../helpers/paths.ts';
import { startServerDouble, type ServerDouble } from './server-double.ts';

async function ftlabEval(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(['eval', ...args], { stdin: Readable.from(['']), out: (s) => void (out += s), err: (s) => void (err += s), signal: new AbortController().signal });
  return { code, out, err };
}

describe('ftlab eval --engine openai (server double)', () => {
  let server: ServerDouble;
  const served = createNodeCpuEngine();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ftlab-openai-cli-'));
  beforeAll(async () => {
    await served.load({ id: TINY_F32, url: tinyModelDirs()[TINY_F32] });
    server = await startServerDouble({ engine: served, models: [TINY_F32], dialect: 'vllm' });
  });
  afterAll(async () => {
    await server?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('says what is missing', async () => {
    const out = path.join(dir, 'x.jsonl');
    const base = ['--paper-data', PAPER_DATA, '--test-set', 'sst2', '--out', out];
    const noUrl = await ftlabEval(['--engine', 'openai', '--model', TINY_F32, '--tokenizer', tinyModelDirs()[TINY_F32], ...base]);
    expect(noUrl.code).not.toBe(0);
    expect(noUrl.err).toMatch(/--base-url URL is required/);
    const noTok = await ftlabEval(['--engine', 'openai', '--base-url', server.url, '--model', TINY_F32, ...base]);
    expect(noTok.err).toMatch(/--tokenizer DIR is required/);
    const noKey = await ftlabEval(['--engine', 'openai', '--base-url', server.url, '--model', TINY_F32, '--tokenizer', tinyModelDirs()[TINY_F32], '--api-key-env', 'FTLAB_TEST_UNSET_KEY', ...base]);
    expect(noKey.err).toMatch(/FTLAB_TEST_UNSET_KEY: that environment variable is empty or unset/);
    const cpuUrl = await ftlabEval(['--model', tinyModelDirs()[TINY_F32], '--base-url', server.url, ...base]);
    expect(cpuUrl.err).toMatch(/--base-url goes with --engine openai/);
    const wrong = await ftlabEval(['--engine', 'openai', '--base-url', server.url, '--model', 'nope', '--tokenizer', tinyModelDirs()[TINY_F32], ...base]);
    expect(wrong.code).toBe(1);
    expect(wrong.err).toMatch(/does not serve a model named "nope"/);
  });

  it('runs a plan; records carry servedBy; a rerun skips every stored sample', async () => {
    const out = path.join(dir, 'run.jsonl');
    const args = ['--engine', 'openai', '--base-url', server.url, '--model', TINY_F32, '--tokenizer', tinyModelDirs()[TINY_F32], '--concurrency', '3', '--paper-data', PAPER_DATA, '--test-set', 'sst2', '--mode', 'zero-shot,icl', '--shots', '2', '--templates', '0', '--limit', '4', '--out', out];
    const first = await ftlabEval(args);
    expect(first.code).toBe(0);
    const recs = fs.readFileSync(out, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as SampleRecord | { kind: 'run' }).filter((r): r is SampleRecord => ['generation', 'classification', 'error'].includes(r.kind));
    expect(recs).toHaveLength(8);
    expect(recs.filter((r) => r.kind === 'error')).toEqual([]);
    for (const r of recs) expect(r.servedBy).toMatchObject({ backend: 'openai', urls: [server.url], model: TINY_F32 });
    const icl = recs.find((r) => r.mode === 'icl')!;
    expect(icl.servedBy!.features).toContain('add-special-tokens');
    const n = server.requests.length;
    const again = await ftlabEval(args);
    expect(again.code).toBe(0);
    expect(again.err).toMatch(/resuming: 8/);
    expect(server.requests.slice(n).filter((q) => q.path === '/v1/completions').length).toBeLessThanOrEqual(6); // the probe only
  });
});
