/**
 * Streamed generation on the openai backend (`stream: true`, server-sent events): onToken gets
 * each token while the request is still open, the result equals the unstreamed one, a stream
 * that breaks after tokens were shown fails clearly (no retry that would show them twice), and
 * the SSE reader takes the format's corner cases. Against the server double in both dialects;
 * the real llama.cpp server streams in llama-server-lora.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine, GenerateRequest, StreamedToken } from '../../src/core/engine.ts';
import { createNodeCpuEngine } from '../../workers/backends/cpu/node.ts';
import { nodeFileSource } from '../../workers/backends/cpu/node-file-source.ts';
import { OpenAiEngine } from '../../workers/backends/openai/index.ts';
import { SseReader } from '../../workers/backends/openai/server-pool.ts';
import { TINY_F32, tinyModelDirs } from '../contract/tiny-models.ts';
import { watchedFetch } from './body-watch.ts';
import { startServerDouble, type Dialect, type ServerDouble } from './server-double.ts';

const REQUEST: GenerateRequest = { prompt: { text: 'Review: the food was great.\nSentiment:', bos: true }, maxTokens: 6, stopAtEos: false, logprobs: { top: 3 } };

/** Generates with onToken, noting for each token whether the answer's body was still being read. */
async function streamed(e: Engine, req: GenerateRequest, watch: ReturnType<typeof watchedFetch>) {
  const tokens: StreamedToken[] = [];
  const pendingAtToken: boolean[] = [];
  const result = await e.generate({ ...req, onToken: (t) => (tokens.push(t), pendingAtToken.push(watch.openBodies() > 0)) });
  return { result, tokens, pendingAtToken };
}

describe.each<Dialect>(['vllm', 'llama-cpp'])('openai backend streaming (%s dialect)', (dialect) => {
  let cpu: Engine;
  let server: ServerDouble;
  const engines: OpenAiEngine[] = [];
  const watch = watchedFetch();
  const make = async (retries = 2) => {
    const e = new OpenAiEngine({ baseUrls: [server.url], openFiles: nodeFileSource, retries, backoffMs: 1, fetchImpl: watch.fetchImpl });
    await e.load({ id: TINY_F32, url: tinyModelDirs()[TINY_F32] });
    engines.push(e);
    return e;
  };
  beforeAll(async () => {
    cpu = createNodeCpuEngine();
    await cpu.load({ id: TINY_F32, url: tinyModelDirs()[TINY_F32] });
    server = await startServerDouble({ engine: cpu, models: [TINY_F32], dialect });
  });
  afterAll(async () => {
    await Promise.all(engines.map((e) => e.unload()));
    await server?.close();
    await cpu?.unload();
  });

  it('hands each token to onToken while the request is open; the result is the unstreamed one', async () => {
    const e = await make();
    const plain = await e.generate(REQUEST);
    const { result, tokens, pendingAtToken } = await streamed(e, REQUEST, watch);
    const sent = server.requests.filter((r) => r.path === '/v1/completions').at(-1)?.body;
    expect(sent).toMatchObject({ stream: true });
    expect(sent?.stream_options).toEqual(dialect === 'vllm' ? { include_usage: true } : undefined);
    expect({ ...result, stats: undefined }).toEqual({ ...plain, stats: undefined });
    expect(tokens.map((t) => t.index)).toEqual(result.tokenIds.map((_, i) => i));
    expect(tokens.map((t) => t.id)).toEqual(result.tokenIds);
    expect(tokens.map((t) => t.step)).toEqual(result.steps);
    expect(tokens.at(-1)?.text).toBe(result.text);
    // Every token arrived while the answer was still coming (the double sends one event per token,
    // then the finish reason and [DONE]).
    expect(pendingAtToken).toEqual(result.tokenIds.map(() => true));
    // Without onToken the same request is not streamed: its tokens would all come after the body.
    expect(server.requests.filter((r) => r.path === '/v1/completions').at(-2)?.body.stream).toBeUndefined();
  });

  it('a stream that breaks after tokens were handed over: server-unreachable naming it, not retried', async () => {
    const e = await make();
    server.faults.push({ dropAfterEvents: 3 });
    const before = e.poolStats.retries;
    const seen: number[] = [];
    const err = await e.generate({ ...REQUEST, onToken: (t) => seen.push(t.id) }).then(
      () => undefined,
      (x: unknown) => x as { code?: string; message?: string },
    );
    expect(err?.code).toBe('server-unreachable');
    expect(err?.message).toMatch(/the stream broke after 3 events/);
    expect(seen).toHaveLength(3);
    expect(e.poolStats.retries).toBe(before);
  });
});

describe('SseReader', () => {
  const bytes = (s: string) => new TextEncoder().encode(s);
  it('joins data lines, skips comments and other fields, and takes LF, CRLF and CR', () => {
    const r = new SseReader();
    expect(r.push(bytes(': keep-alive\n\nevent: x\ndata: {"a":1}\n\ndata: one\r\ndata: two\r\n\r\ndata:three\r\rdata: [DONE]\n\n'))).toEqual(['{"a":1}', 'one\ntwo', 'three', '[DONE]']);
  });
  it('an event split anywhere across chunks, even inside a CRLF or a UTF-8 character', () => {
    const text = bytes('data: {"t":"é"}\r\n\r\ndata: b\r\n\r\n');
    for (let cut = 1; cut < text.length; cut++) {
      const r = new SseReader();
      expect([...r.push(text.subarray(0, cut)), ...r.push(text.subarray(cut)), ...r.end()]).toEqual(['{"t":"é"}', 'b']);
    }
  });
  it('a last event without its blank line still counts at the end of the stream', () => {
    const r = new SseReader();
    expect([...r.push(bytes('data: last')), ...r.end()]).toEqual(['last']);
  });
});
