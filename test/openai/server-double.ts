/**
 * A zero-latency test double of an OpenAI-compatible server, for the openai backend's unit
 * tests: a real HTTP server on 127.0.0.1 (port 0) whose numbers come from the cpu engine on the
 * tiny model, and whose API follows one of two dialects:
 * - 'vllm': BOS added to every text prompt unless add_special_tokens is false; echo lists BOS;
 *   return_tokens_as_token_ids and logprob_token_ids honoured; owned_by "vllm".
 * - 'llama-cpp': no BOS unless the text starts with "<s>" (a GGUF exported with add_bos_token
 *   false); echo drops a leading BOS; top_logprobs keyed by token text; owned_by "me".
 * Faults are injected per request (a status, a delay, a dropped connection) to test retries.
 * `stream: true` answers as server-sent events, one per generated token (log-probs with it),
 * then the finish reason, vLLM's usage event when `stream_options.include_usage`, and [DONE];
 * a `{ dropAfterEvents: n }` fault breaks such a stream after n events.
 * This is a unit-test double only; the real server tests run llama.cpp's (test/openai/llama-server.ts).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Engine } from '../../src/core/engine.ts';

export type Dialect = 'vllm' | 'llama-cpp';

export type Fault = { status: number; body?: string; retryAfter?: number } | { delayMs: number } | { drop: true } | { dropAfterEvents: number };

export interface DoubleOptions {
  engine: Engine;
  models: string[];
  dialect: Dialect;
  bosId?: number;
  /** Faults for the next /completions requests, in order (consumed one per request). */
  faults?: Fault[];
  /** Answer cross-origin requests from pages (CORS, with preflight), as vLLM's server does by default. */
  cors?: boolean;
  /** A pause before each completion, so concurrent requests overlap (default 2 ms; 0 for benchmarks). */
  overlapMs?: number;
}

export interface ServerDouble {
  url: string;
  /** Requests seen per path. */
  requests: { path: string; body: Record<string, unknown> }[];
  /** Most /completions requests in flight at once. */
  maxInFlight: number;
  /** Milliseconds spent computing /completions answers (benchmarks subtract the double's own work). */
  busyMs: number;
  faults: Fault[];
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function startServerDouble(opts: DoubleOptions): Promise<ServerDouble> {
  const { engine, dialect } = opts;
  const bos = opts.bosId ?? 1;
  let inFlight = 0;
  const state: ServerDouble = { url: '', requests: [], maxInFlight: 0, busyMs: 0, faults: opts.faults ?? [], close: async () => undefined };

  // After a lone "▁" (whose space the decoder strips) a piece keeps its own leading space.
  const pieceText = (id: number): Promise<string> => engine.detokenize([29871, id]);
  // The cpu engine runs one call at a time: requests overlap on the wire, not in the engine.
  let lock: Promise<unknown> = Promise.resolve();
  const serialized = <T>(f: () => Promise<T>): Promise<T> => {
    const run = lock.then(f, f);
    lock = run.catch(() => undefined);
    return run;
  };
  const key = async (id: number, asIds: boolean): Promise<string> => (asIds ? `token_id:${id}` : await pieceText(id));

  async function completions(body: Record<string, unknown>): Promise<unknown> {
    const model = String(body.model);
    if (!opts.models.includes(model)) return { status: 404, json: { error: { message: `The model \`${model}\` does not exist.` } } };
    const prompt = body.prompt;
    if (typeof prompt !== 'string') return { status: 500, json: { error: { message: 'only text prompts' } } };
    const maxTokens = Number(body.max_tokens ?? 16);
    const asIds = dialect === 'vllm' && body.return_tokens_as_token_ids === true;
    let ids: number[];
    if (dialect === 'vllm') ids = [...(body.add_special_tokens === false ? [] : [bos]), ...(await engine.tokenize(prompt))];
    else ids = prompt.startsWith('<s>') ? [bos, ...(await engine.tokenize(prompt.slice(3)))] : await engine.tokenize(prompt);
    const k = body.logprobs === undefined || body.logprobs === null ? undefined : Number(body.logprobs);
    const stop = Array.isArray(body.stop) ? body.stop.map(String) : [];
    const gen = await engine.generate({ prompt: { ids }, maxTokens, stop, stopAtEos: body.ignore_eos !== true });
    const out: Record<string, unknown> = { text: gen.text, index: 0, finish_reason: gen.finishReason === 'length' ? 'length' : 'stop' };
    if (dialect === 'vllm') out.stop_reason = gen.finishReason === 'stop' ? stop.find((s) => !gen.text.includes(s)) ?? stop[0] : null;
    if (k !== undefined) {
      const tokens: string[] = [];
      const tokenLogprobs: (number | null)[] = [];
      const top: (Record<string, number> | null)[] = [];
      const echoIds = body.echo === true ? (dialect === 'llama-cpp' && ids[0] === bos ? ids.slice(1) : ids) : [];
      const all = [...echoIds, ...gen.tokenIds];
      const offset = ids.length - echoIds.length; // positions of `all` in the full sequence
      for (let i = 0; i < all.length; i++) {
        const pos = offset + i;
        tokens.push(await key(all[i], asIds));
        if (pos === 0) {
          tokenLogprobs.push(null);
          top.push(null);
          continue;
        }
        const prefix = [...ids, ...gen.tokenIds].slice(0, pos);
        const wanted = i === echoIds.length && Array.isArray(body.logprob_token_ids) && dialect === 'vllm' ? body.logprob_token_ids.map(Number) : [];
        const r = await engine.scoreNext({ ids: prefix }, [all[i], ...wanted], { topK: Math.max(1, k) });
        tokenLogprobs.push(r.logprobs[0]);
        const entry: Record<string, number> = {};
        for (const t of r.top ?? []) entry[await key(t.id, asIds)] = t.logprob;
        if (wanted.length > 0) {
          for (const t of r.top ?? []) delete entry[await key(t.id, asIds)];
          wanted.forEach((id: number, j: number) => (entry[`token_id:${id}`] = r.logprobs[j + 1]));
        }
        entry[await key(all[i], asIds)] = r.logprobs[0];
        top.push(entry);
      }
      out.logprobs = { tokens, token_logprobs: tokenLogprobs, top_logprobs: top, text_offset: tokens.map(() => 0) };
    }
    if (body.echo === true) out.text = prompt + gen.text;
    const pieces = await Promise.all(gen.tokenIds.map(pieceText));
    return { status: 200, pieces, json: { id: 'cmpl-double', object: 'text_completion', model, choices: [out], usage: { prompt_tokens: ids.length, completion_tokens: gen.tokenIds.length } } };
  }

  /** A whole answer as the events a streaming server sends for it. */
  function streamEvents(body: Record<string, unknown>, answer: { json: unknown; pieces: string[] }): unknown[] {
    const whole = answer.json as { choices: Record<string, unknown>[]; usage: unknown };
    const c = whole.choices[0];
    const lp = c.logprobs as { tokens: string[]; token_logprobs: unknown[]; top_logprobs: unknown[] } | undefined;
    const events: unknown[] = [];
    const event = (choice: Record<string, unknown>) => events.push({ id: 'cmpl-double', object: 'text_completion', model: body.model, choices: [{ index: 0, ...choice }] });
    if (body.echo === true) event({ ...c });
    else {
      answer.pieces.forEach((text, i) =>
        event({ text, finish_reason: null, ...(lp ? { logprobs: { tokens: [lp.tokens[i]], token_logprobs: [lp.token_logprobs[i]], top_logprobs: [lp.top_logprobs[i]], text_offset: [0] } } : {}) }),
      );
      event({ text: '', finish_reason: c.finish_reason, ...('stop_reason' in c ? { stop_reason: c.stop_reason } : {}) });
    }
    const so = body.stream_options as { include_usage?: boolean } | undefined;
    if (so?.include_usage) events.push({ id: 'cmpl-double', object: 'text_completion', model: body.model, choices: [], usage: whole.usage });
    return events;
  }

  const server = http.createServer((req, res) => {
    if (opts.cors) {
      res.setHeader('access-control-allow-origin', '*');
      res.setHeader('access-control-allow-headers', 'content-type, authorization');
      res.setHeader('access-control-allow-methods', 'GET, POST, OPTIONS');
      if (req.method === 'OPTIONS') {
        res.writeHead(204);
        res.end();
        return;
      }
    }
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString('utf8')));
    req.on('end', () => {
      void (async () => {
        const path = (req.url ?? '').replace(/\?.*$/, '');
        const body = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
        state.requests.push({ path, body });
        const send = (status: number, json: unknown, headers: Record<string, string> = {}) => {
          res.writeHead(status, { 'content-type': 'application/json', ...headers });
          res.end(typeof json === 'string' ? json : JSON.stringify(json));
        };
        if (path === '/v1/models') return send(200, { object: 'list', data: opts.models.map((id) => ({ id, object: 'model', owned_by: dialect === 'vllm' ? 'vllm' : 'me', ...(dialect === 'vllm' ? { max_model_len: 4096 } : {}) })) });
        if (path === '/tokenize' && dialect === 'vllm') return send(200, { tokens: await engine.tokenize(String(body.prompt)) });
        if (path === '/extras/tokenize' && dialect === 'llama-cpp') return send(200, { tokens: await engine.tokenize(String(body.input)) });
        if (path !== '/v1/completions') return send(404, { detail: 'Not Found' });
        const fault = state.faults.shift();
        // A request is in flight until it is answered or its client hangs up (a client that timed
        // out is no longer waiting, even while the double still sleeps on its injected delay).
        inFlight++;
        state.maxInFlight = Math.max(state.maxInFlight, inFlight);
        let counted = true;
        const leave = () => {
          if (counted) inFlight--;
          counted = false;
        };
        res.on('close', leave);
        try {
          if (fault && 'drop' in fault) return req.socket.destroy();
          if (fault && 'delayMs' in fault) await sleep(fault.delayMs);
          if (fault && 'status' in fault) return send(fault.status, fault.body ?? { error: { message: `injected ${fault.status}` } }, fault.retryAfter ? { 'retry-after': String(fault.retryAfter) } : {});
          // Let concurrent requests overlap, so max in flight is observable.
          if ((opts.overlapMs ?? 2) > 0) await sleep(opts.overlapMs ?? 2);
          const began = performance.now();
          const r = (await serialized(() => completions(body))) as { status: number; json: unknown; pieces?: string[] };
          state.busyMs += performance.now() - began;
          if (res.destroyed) return;
          if (body.stream !== true || r.status !== 200 || !r.pieces) return send(r.status, r.json);
          res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
          const events = streamEvents(body, { json: r.json, pieces: r.pieces });
          for (let i = 0; i < events.length; i++) {
            if (fault && 'dropAfterEvents' in fault && i === fault.dropAfterEvents) return req.socket.destroy();
            res.write(`data: ${JSON.stringify(events[i])}\n\n`);
            await sleep(1); // one event per write, as a server streaming tokens sends them
          }
          res.end('data: [DONE]\n\n');
        } catch (e) {
          send(500, { error: { message: String(e) } });
        } finally {
          leave();
        }
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  state.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return state;
}
