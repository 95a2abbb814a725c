/**
 * The openai backend: the Engine contract over the completions API of an OpenAI-compatible
 * server (vLLM in production, llama.cpp's server in the tests). ftlab does not serve models
 * here; it is a careful client:
 *
 * - Prompts go as text. ftlab tokenizes locally with the model's tokenizer.json, and checks every
 *   answer's `usage.prompt_tokens` against its own count, so a server that tokenized differently
 *   is an error on that sample, never a silent shift. Once per model a probe finds out how the
 *   server treats BOS (adds it to every text prompt or not; whether `add_special_tokens: false`
 *   or a literal "<s>" changes that) and compares the server's tokenize endpoint with the local
 *   tokenizer (a warning if they disagree).
 * - generate: temperature 0, max_tokens (never 0: that means "until the context is full" on
 *   llama.cpp), stop strings, logprobs 1 so the generated ids are known.
 * - scoreNext: one request with the top-20 next-token log-probs; a candidate not among them is
 *   teacher-forced (prompt + its text, echo, counting positions from the end, since servers differ
 *   on whether the echo includes BOS). On vLLM with `logprob_token_ids`, one request asks for the
 *   candidates' log-probs directly. Every result says which of these it used (servedBy.features).
 * - loglikelihood: prompt + continuation, echo, the continuation's log-probs from the end.
 *
 * Requests: a ServerPool (several base URLs, N in flight, retries with backoff on 429/5xx and
 * dropped connections, a clear error on any other 4xx). Calls are independent: many may run at
 * once (the runner's concurrency), and interrupt() aborts every request in flight.
 */
import type {
  CallStats,
  Engine,
  EngineStats,
  GenerateRequest,
  GenerateResult,
  GenerateStep,
  LoadedModelInfo,
  LoadProgress,
  LoglikelihoodResult,
  ModelSpec,
  PromptInput,
  ScoreNextResult,
  ServedBy,
  TokenLogprob,
} from '../../../src/core/engine.ts';
import { cutAtStop } from '../../../src/core/decoding/index.ts';
import { ArtifactMissingError, ContextWindowExceededError, EngineRequestError, ModelNotLoadedError } from '../../../src/core/engine-errors.ts';
import { fetchFileSource, readJsonFile, type FileSource } from '../../../src/core/mlc/file-source.ts';
import { ModelTokenizer } from '../cpu/tokenizer.ts';
import { MAX_TOP_LOGPROBS, parseCompletion, parseModels, StreamedAnswer, tokenIdKey, type CompletionAnswer, type CompletionChoice, type CompletionRequest } from './completions.ts';
import { LiveTokens } from './live-tokens.ts';
import { ModelNotServedError, ServerProtocolError, TokenizationMismatchError } from './errors.ts';
import { ServerPool, type PoolStats } from './server-pool.ts';
import { Vocabulary } from './vocabulary.ts';

export const OPENAI_BACKEND = 'openai';

/** The API features a result may rely on (recorded in servedBy.features). */
export const OPENAI_FEATURES = [
  'top-logprobs',
  'echo-teacher-forcing',
  'logprob-token-ids',
  'token-ids-in-logprobs',
  'add-special-tokens',
  'bos-as-text',
  'ignore-eos',
  'server-stop',
  'retokenized-output',
] as const;
export type OpenAiFeature = (typeof OPENAI_FEATURES)[number];

export interface OpenAiEngineOptions {
  /** One or more base URLs (replicas serving the same models), e.g. http://127.0.0.1:8000/v1. */
  baseUrls: readonly string[];
  apiKey?: string;
  /** Per request (default 120 s). */
  timeoutMs?: number;
  /** Requests in flight over all URLs (default 4). */
  concurrency?: number;
  /** Retries on 429/5xx/timeouts/dropped connections (default 4). */
  retries?: number;
  /** First retry delay, doubling (default 500 ms). */
  backoffMs?: number;
  /** Opens the tokenizer folder named by spec.url. Default: fetch. */
  openFiles?: (url: string) => FileSource;
  fetchImpl?: typeof fetch;
  /** Told about probe findings worth a warning (tokenization disagreement, BOS handling). */
  onWarning?: (message: string) => void;
  /** Most candidates one scoreNext may teacher-force (one request each; default 64). */
  maxTeacherForced?: number;
}

/** What the probe found out about how the server treats a model's prompts. */
export interface ServerCapabilities {
  kind: 'vllm' | 'llama-cpp-python' | 'unknown';
  /** The server puts BOS in front of every text prompt. */
  addsBos: boolean;
  /** `add_special_tokens: false` stops that (vLLM). */
  addSpecialTokensParam: boolean;
  /** A leading "<s>" in the text is read as the BOS token. */
  bosAsText: boolean;
  /** `return_tokens_as_token_ids` is honoured (vLLM): log-probs keyed "token_id:N". */
  tokenIdsInLogprobs: boolean;
  /** `logprob_token_ids` is honoured (vLLM): log-probs of given ids at the next position. */
  logprobTokenIds: boolean;
  /**
   * Echoed prompt log-probs are aligned with their tokens only after a BOS (llama-cpp-python
   * 0.3.x pairs each echoed token with the distribution that follows it when there is none).
   */
  echoNeedsBos: boolean;
  /** `ignore_eos` is honoured (vLLM). */
  ignoreEos: boolean;
}

interface Loaded {
  spec: ModelSpec;
  vocab: Vocabulary;
  caps: ServerCapabilities;
  info: LoadedModelInfo;
  bosPiece: string;
}

/** A prompt as it goes over the wire. */
interface Wire {
  /** Text sent (may start with a literal BOS piece). */
  text: string;
  /** Text the caller gave (what continuations are glued to). */
  promptText: string;
  /** The ids the model must see, BOS included when it is there. */
  ids: number[];
  bos: boolean;
  extra: Partial<CompletionRequest>;
  features: OpenAiFeature[];
}

/** The probe text: paper-like (newlines, digits, punctuation, a non-ASCII letter). */
const PROBE_TEXT = 'Premise: A man plays a guitar on stage, 3 times.\nHypothesis: A person makes music — café.\nAnswer:';

function emptyStats(): CallStats {
  return { prefillTokens: 0, decodeTokens: 0, prefillMs: 0, decodeMs: 0 };
}

const sameIds = (a: readonly number[], b: readonly number[]): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

function numberField(obj: unknown, key: string): number | undefined {
  const v = obj && typeof obj === 'object' ? (obj as Record<string, unknown>)[key] : undefined;
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

export class OpenAiEngine implements Engine {
  readonly pool: ServerPool;
  private loaded: Loaded | undefined;
  private readonly total: EngineStats = { calls: 0, ...emptyStats() };
  private controller = new AbortController();
  /** Probe results by model name, so switching back and forth does not probe again. */
  private readonly probes = new Map<string, ServerCapabilities>();
  readonly warnings: string[] = [];

  constructor(private readonly opts: OpenAiEngineOptions) {
    this.pool = new ServerPool({
      baseUrls: opts.baseUrls,
      apiKey: opts.apiKey,
      timeoutMs: opts.timeoutMs ?? 120_000,
      concurrency: opts.concurrency ?? 4,
      retries: opts.retries ?? 4,
      backoffMs: opts.backoffMs ?? 500,
      fetchImpl: opts.fetchImpl,
    });
  }

  get poolStats(): PoolStats {
    return { ...this.pool.stats };
  }

  /** What the probe found for the loaded model. */
  get capabilities(): ServerCapabilities | undefined {
    return this.loaded?.caps;
  }

  private warn(message: string): void {
    this.warnings.push(message);
    this.opts.onWarning?.(message);
  }

  // ------------------------------------------------------------------------------------------
  // load

  async load(spec: ModelSpec, onProgress?: (p: LoadProgress) => void): Promise<LoadedModelInfo> {
    this.loaded = undefined;
    onProgress?.({ phase: 'fetch', fraction: 0, text: `reading the tokenizer of ${spec.id}` });
    const source = (this.opts.openFiles ?? ((url: string) => fetchFileSource(url)))(spec.url);
    const tokenizerJson = await readJsonFile(source, 'tokenizer.json');
    const tokenizerConfig = await readJsonFile(source, 'tokenizer_config.json').catch((e: unknown) => {
      if (e instanceof ArtifactMissingError) return undefined;
      throw e;
    });
    const tokenizer = ModelTokenizer.fromJson(tokenizerJson, tokenizerConfig);
    const model = await this.modelFacts(source, tokenizer.vocabSize);
    const added = (tokenizerJson as { added_tokens?: { id: number; special?: boolean }[] }).added_tokens ?? [];
    const vocab = new Vocabulary(tokenizer, new Set(added.filter((t) => t.special !== false).map((t) => t.id)));

    onProgress?.({ phase: 'init', fraction: 0.4, text: `checking ${this.pool.baseUrls.join(', ')} for "${spec.id}"` });
    let maxModelLen: number | undefined;
    for (const url of this.pool.baseUrls) {
      const served = parseModels(url, await this.pool.getFrom(url, '/models'));
      const entry = served.find((m) => m.id === spec.id);
      if (!entry) throw new ModelNotServedError(url, spec.id, served.map((m) => m.id));
      if (entry.maxModelLen !== undefined) maxModelLen = Math.min(maxModelLen ?? Infinity, entry.maxModelLen);
      this.kindHint ??= entry.ownedBy === 'vllm' ? 'vllm' : entry.ownedBy === 'me' ? 'llama-cpp-python' : undefined;
    }
    const contextWindow = spec.contextWindow ?? maxModelLen ?? model.contextWindow;
    const info: LoadedModelInfo = { id: spec.id, backend: OPENAI_BACKEND, vocabSize: model.vocabSize, contextWindow, bosId: model.bosId, eosId: model.eosId };
    const bosPiece = tokenizer.piece(model.bosId) || '<s>';

    onProgress?.({ phase: 'init', fraction: 0.7, text: `probing how the server tokenizes for "${spec.id}"` });
    let caps = this.probes.get(spec.id);
    if (!caps) {
      caps = await this.probe(spec.id, vocab, bosPiece, model.bosId);
      this.probes.set(spec.id, caps);
    }
    this.loaded = { spec, vocab, caps, info, bosPiece };
    onProgress?.({ phase: 'done', fraction: 1, text: `${spec.id} ready (${this.pool.baseUrls.join(', ')})` });
    return info;
  }

  private kindHint: ServerCapabilities['kind'] | undefined;

  /** Vocabulary size, context window, BOS/EOS: from mlc-chat-config.json or a Hugging Face config.json. */
  private async modelFacts(source: FileSource, tokenizerVocab: number): Promise<{ vocabSize: number; contextWindow: number; bosId: number; eosId: number }> {
    for (const file of ['mlc-chat-config.json', 'config.json']) {
      let cfg: unknown;
      try {
        cfg = await readJsonFile(source, file);
      } catch (e) {
        if (e instanceof ArtifactMissingError) continue;
        throw e;
      }
      const model = file === 'mlc-chat-config.json' ? ((cfg as { model_config?: unknown }).model_config ?? cfg) : cfg;
      const eos = (cfg as { eos_token_id?: unknown }).eos_token_id;
      return {
        vocabSize: numberField(model, 'vocab_size') ?? numberField(cfg, 'vocab_size') ?? tokenizerVocab,
        contextWindow: numberField(cfg, 'context_window_size') ?? numberField(model, 'context_window_size') ?? numberField(model, 'max_position_embeddings') ?? 4096,
        bosId: numberField(cfg, 'bos_token_id') ?? 1,
        eosId: Array.isArray(eos) && typeof eos[0] === 'number' ? eos[0] : typeof eos === 'number' ? eos : 2,
      };
    }
    return { vocabSize: tokenizerVocab, contextWindow: 4096, bosId: 1, eosId: 2 };
  }

  /** One probe per model: BOS handling, vLLM extensions, and the tokenize endpoint's agreement. */
  private async probe(model: string, vocab: Vocabulary, bosPiece: string, bosId: number): Promise<ServerCapabilities> {
    const local = vocab.encode(PROBE_TEXT);
    const base: CompletionRequest = { model, prompt: PROBE_TEXT, max_tokens: 1, temperature: 0, logprobs: 1, return_tokens_as_token_ids: true };
    const plain = await this.complete(base);
    const n = plain.answer.promptTokens;
    if (n === undefined) throw new ServerProtocolError(plain.baseUrl, 'no usage.prompt_tokens in the answer (ftlab checks every prompt\'s token count with it)');
    if (n !== local.length && n !== local.length + 1) {
      this.warn(`${model}: the server counts ${n} prompt tokens in the probe, the local tokenizer ${local.length}: its tokenizer differs from ${'tokenizer.json'}; every sample will fail its token-count check`);
    }
    const addsBos = n === local.length + 1;
    const keys = Object.keys(plain.answer.choice.logprobs?.topLogprobs[0] ?? {});
    const tokenIdsInLogprobs = keys.length > 0 && keys.every((k) => tokenIdKey(k) !== undefined);
    let addSpecialTokensParam = false;
    let bosAsText = false;
    if (addsBos) {
      const r = await this.complete({ ...base, add_special_tokens: false });
      addSpecialTokensParam = r.answer.promptTokens === local.length;
    } else {
      const r = await this.complete({ ...base, prompt: bosPiece + PROBE_TEXT });
      bosAsText = r.answer.promptTokens === local.length + 1;
    }
    let logprobTokenIds = false;
    if (tokenIdsInLogprobs) {
      // Two ids unlikely to be the top one: honoured if both come back.
      const want = [local[0], local[1]];
      const r = await this.complete({ ...base, logprob_token_ids: want });
      const top = r.answer.choice.logprobs?.topLogprobs[0] ?? {};
      logprobTokenIds = want.every((id) => `token_id:${id}` in top);
    }
    await this.checkTokenizeEndpoint(model, vocab, local, bosId);
    const kind = this.kindHint ?? 'unknown';
    const caps: ServerCapabilities = {
      kind,
      addsBos,
      addSpecialTokensParam,
      bosAsText,
      tokenIdsInLogprobs,
      logprobTokenIds,
      echoNeedsBos: kind === 'llama-cpp-python',
      ignoreEos: kind === 'vllm',
    };
    if (!addsBos && !bosAsText) this.warn(`${model}: the server adds no BOS to text prompts and reads no "${bosPiece}" as BOS: prompts with BOS (zero-shot, FTICL) cannot be sent`);
    if (addsBos && !addSpecialTokensParam) this.warn(`${model}: the server adds BOS to every text prompt and has no add_special_tokens: prompts without BOS (k-shot ICL) cannot be sent`);
    return caps;
  }

  /** vLLM: POST /tokenize; llama-cpp-python: POST /extras/tokenize. A disagreement is a warning. */
  private async checkTokenizeEndpoint(model: string, vocab: Vocabulary, local: number[], bosId: number): Promise<void> {
    const attempts: { path: string; body: unknown }[] = [
      { path: '/tokenize', body: { model, prompt: PROBE_TEXT, add_special_tokens: false } },
      { path: '/extras/tokenize', body: { model, input: PROBE_TEXT } },
    ];
    for (const a of attempts) {
      let tokens: unknown;
      try {
        tokens = (await this.pool.post<{ tokens?: unknown }>(a.path, a.body, { root: true, retries: 0 })).body.tokens;
      } catch {
        continue; // no such endpoint here
      }
      if (!Array.isArray(tokens)) continue;
      const ids = tokens.filter((t): t is number => typeof t === 'number');
      const got = ids[0] === bosId && ids.length === local.length + 1 ? ids.slice(1) : ids;
      if (!sameIds(got, local)) this.warn(`${model}: the server's ${a.path} gives other ids than tokenizer.json for the probe text (${got.length} vs ${local.length} tokens): results would not be the model's`);
      return;
    }
  }

  async unload(): Promise<void> {
    this.loaded = undefined;
  }

  private need(operation: string): Loaded {
    if (!this.loaded) throw new ModelNotLoadedError(operation);
    return this.loaded;
  }

  // ------------------------------------------------------------------------------------------
  // requests

  /** One completion request on the pool, timed; aborted by interrupt(). */
  private async complete(body: CompletionRequest, signal = this.controller.signal): Promise<{ answer: CompletionAnswer; baseUrl: string; ms: number }> {
    const t0 = performance.now();
    const { baseUrl, body: raw } = await this.pool.post('/completions', body, { signal });
    return { answer: parseCompletion(baseUrl, raw), baseUrl, ms: performance.now() - t0 };
  }

  /**
   * A streamed completion: each event's choice goes to `onChoice` as it arrives, and the events
   * are joined into the answer a non-streamed request gets (text, log-probs, finish reason, usage).
   */
  private async completeStream(body: CompletionRequest, signal: AbortSignal, onChoice: (c: CompletionChoice) => void): Promise<{ answer: CompletionAnswer; baseUrl: string; ms: number }> {
    const t0 = performance.now();
    const joined = new StreamedAnswer();
    const baseUrl = await this.pool.postStream('/completions', body, (json, url) => {
      const chunk = joined.add(url, json);
      if (chunk) onChoice(chunk);
    }, { signal });
    return { answer: joined.answer(baseUrl), baseUrl, ms: performance.now() - t0 };
  }

  private served(m: Loaded, urls: Iterable<string>, features: Iterable<OpenAiFeature>): ServedBy {
    return { backend: OPENAI_BACKEND, urls: [...new Set(urls)].sort(), model: m.spec.id, features: [...new Set(features)].sort() };
  }

  private account(stats: CallStats): void {
    this.total.calls++;
    this.total.prefillTokens += stats.prefillTokens;
    this.total.decodeTokens += stats.decodeTokens;
    this.total.prefillMs += stats.prefillMs;
    this.total.decodeMs += stats.decodeMs;
  }

  private checkIds(m: Loaded, ids: readonly number[], what: string): void {
    const V = m.info.vocabSize;
    for (const id of ids) if (!Number.isInteger(id) || id < 0 || id >= V) throw new EngineRequestError(`${what} token id ${id} is outside the vocabulary (0..${V - 1})`);
  }

  /** The prompt as text the server will tokenize into exactly its ids (checked locally). */
  private wire(m: Loaded, prompt: PromptInput, newTokens: number): Wire {
    let ids: number[];
    let bos: boolean;
    let promptText: string;
    if ('ids' in prompt) {
      this.checkIds(m, prompt.ids, 'prompt');
      if (prompt.ids.length === 0) throw new EngineRequestError('empty prompt: the prompt has no tokens', 'pass a non-empty prompt, or set bos: true');
      this.checkContext(m, prompt.ids.length, newTokens);
      bos = prompt.ids[0] === m.info.bosId;
      const body = bos ? prompt.ids.slice(1) : [...prompt.ids];
      promptText = m.vocab.decode(body);
      if (!sameIds(m.vocab.encode(promptText), body)) {
        throw new EngineRequestError('these prompt token ids are not the tokenization of any text, and the openai backend sends prompts as text', 'pass the prompt as {text, bos}');
      }
      ids = [...prompt.ids];
    } else {
      promptText = prompt.text;
      bos = prompt.bos;
      ids = m.vocab.encode(prompt.text);
      if (bos) ids.unshift(m.info.bosId);
    }
    if (ids.length === 0) throw new EngineRequestError('empty prompt: the prompt has no tokens', 'pass a non-empty prompt, or set bos: true');
    this.checkContext(m, ids.length, newTokens);
    const features: OpenAiFeature[] = [];
    const extra: Partial<CompletionRequest> = {};
    let text = promptText;
    if (bos !== m.caps.addsBos) {
      if (!bos && m.caps.addSpecialTokensParam) {
        extra.add_special_tokens = false;
        features.push('add-special-tokens');
      } else if (bos && m.caps.bosAsText) {
        text = m.bosPiece + promptText;
        features.push('bos-as-text');
      } else {
        throw new EngineRequestError(
          bos ? 'this prompt starts with BOS, and the server neither adds one nor reads a literal BOS' : 'this prompt has no BOS (a k-shot prompt), and the server adds BOS to every text prompt',
          'serve the model so that BOS can be controlled: vLLM honours add_special_tokens; for llama.cpp export the GGUF with add_bos_token false (scripts/export-gguf.ts --add-bos false)',
        );
      }
    }
    return { text, promptText, ids, bos, extra, features };
  }

  private checkContext(m: Loaded, promptTokens: number, newTokens: number): void {
    if (promptTokens + newTokens > m.info.contextWindow) throw new ContextWindowExceededError(promptTokens, newTokens, m.info.contextWindow);
  }

  /** The server must have seen as many prompt tokens as ftlab's tokenizer made. */
  private checkCount(answer: CompletionAnswer, expected: number, what: string): void {
    if (answer.promptTokens !== undefined && answer.promptTokens !== expected) {
      throw new TokenizationMismatchError(`${what}: the server counted ${answer.promptTokens} prompt tokens, the local tokenizer ${expected}`);
    }
  }

  /** Ids of the tokens an answer's logprobs list (vLLM "token_id:N", else their unambiguous text). */
  private idsOfTokens(m: Loaded, tokens: readonly string[]): number[] | undefined {
    const ids: number[] = [];
    for (const t of tokens) {
      const id = tokenIdKey(t) ?? m.vocab.idOfText(t);
      if (id === undefined) return undefined;
      ids.push(id);
    }
    return ids;
  }

  /** Next-token log-probs keyed by id, from one top_logprobs entry (ambiguous texts left out). */
  private topById(m: Loaded, top: Record<string, number> | null | undefined): Map<number, number> {
    const out = new Map<number, number>();
    for (const [k, lp] of Object.entries(top ?? {})) {
      const id = tokenIdKey(k) ?? m.vocab.idOfText(k);
      if (id !== undefined) out.set(id, lp);
    }
    return out;
  }

  // ------------------------------------------------------------------------------------------
  // the Engine calls

  async tokenize(text: string, opts?: { bos?: boolean }): Promise<number[]> {
    const m = this.need('tokenize');
    const ids = m.vocab.encode(text);
    return opts?.bos ? [m.info.bosId, ...ids] : ids;
  }

  async detokenize(ids: number[]): Promise<string> {
    return this.need('detokenize').vocab.decode(ids);
  }

  async generate(req: GenerateRequest): Promise<GenerateResult> {
    const m = this.need('generate');
    if (!Number.isInteger(req.maxTokens) || req.maxTokens < 0) throw new EngineRequestError(`maxTokens must be a non-negative integer, got ${req.maxTokens}`);
    const w = this.wire(m, req.prompt, Number.isInteger(req.maxTokens) ? req.maxTokens : 0);
    const stats = emptyStats();
    if (req.maxTokens === 0) {
      this.account(stats);
      return { text: '', tokenIds: [], finishReason: 'length', promptTokens: w.ids.length, stats };
    }
    const stops = (req.stop ?? []).filter((s) => s.length > 0);
    const stopAtEos = req.stopAtEos ?? true;
    const features = [...w.features];
    const wantTop = req.logprobs ? Math.max(0, Math.min(MAX_TOP_LOGPROBS, Math.floor(req.logprobs.top))) : 0;
    const body: CompletionRequest = { model: m.spec.id, prompt: w.text, max_tokens: req.maxTokens, temperature: 0, logprobs: Math.max(1, wantTop), ...w.extra };
    if (m.caps.tokenIdsInLogprobs) body.return_tokens_as_token_ids = true;
    if (stops.length > 0) {
      body.stop = stops;
      features.push('server-stop');
    }
    if (!stopAtEos && m.caps.ignoreEos) {
      body.ignore_eos = true;
      features.push('ignore-eos');
    }
    const signal = this.controller.signal;
    // With onToken the answer is streamed (server-sent events): each token reaches onToken as the
    // server sends it. The result is built from the whole answer either way, so it is the same.
    const live = req.onToken ? new LiveTokens(req.onToken, (ids) => cutAtStop(m.vocab.decode(ids), stops).text) : undefined;
    if (live) {
      body.stream = true;
      if (m.caps.kind === 'vllm') body.stream_options = { include_usage: true };
    }
    let res;
    try {
      res = live
        ? await this.completeStream(body, signal, (c) => {
            const lp = c.logprobs;
            if (!lp) return live.stopLive();
            const ids = this.idsOfTokens(m, lp.tokens);
            if (!ids) return live.stopLive(); // an ambiguous token text: the rest when the answer is whole
            ids.forEach((id, j) => live.token(id, req.logprobs ? this.stepOf(m, id, lp.tokenLogprobs[j], lp.topLogprobs[j], wantTop) : undefined));
          })
        : await this.complete(body, signal);
    } catch (e) {
      if (signal.aborted) return this.interrupted(m, w, stats);
      throw e;
    }
    const { answer, baseUrl, ms } = res;
    this.checkCount(answer, w.ids.length, 'generate');
    const c = answer.choice;
    let tokenIds = c.logprobs ? this.idsOfTokens(m, c.logprobs.tokens) : undefined;
    if (tokenIds) features.push(m.caps.tokenIdsInLogprobs ? 'token-ids-in-logprobs' : 'top-logprobs');
    else {
      // Some token's text is ambiguous: read the ids off the prompt + output, as the model saw them.
      const promptIds = w.bos ? w.ids.slice(1) : w.ids;
      const joined = m.vocab.encode(w.promptText + c.text);
      tokenIds = sameIds(joined.slice(0, promptIds.length), promptIds) ? joined.slice(promptIds.length) : m.vocab.encode(c.text);
      features.push('retokenized-output');
    }
    // The OpenAI API says "stop" for both EOS and a stop string; vLLM's stop_reason tells them apart.
    const finishReason = c.finishReason === 'length' ? 'length' : c.stopReason === null ? 'eos' : typeof c.stopReason === 'string' || stops.length > 0 ? 'stop' : 'eos';
    stats.prefillTokens = answer.promptTokens ?? w.ids.length;
    stats.decodeTokens = Math.max(0, (answer.completionTokens ?? tokenIds.length) - 1);
    stats.prefillMs = ms;
    this.account(stats);
    // The text as the local loops make it (a continuation's leading space stripped, as decode does).
    const text = cutAtStop(m.vocab.decode(tokenIds), stops).text;
    const result: GenerateResult = { text, tokenIds, finishReason, promptTokens: w.ids.length, stats, servedBy: this.served(m, [baseUrl], features) };
    const ids = tokenIds;
    if (req.logprobs && c.logprobs && c.logprobs.tokens.length === ids.length) {
      const lp = c.logprobs;
      result.steps = ids.map((id, i) => this.stepOf(m, id, lp.tokenLogprobs[i], lp.topLogprobs[i], wantTop));
    }
    // Tokens the stream could not hand over as they came (none, usually) go now, in order.
    live?.finish(ids, result.steps);
    return result;
  }

  private stepOf(m: Loaded, id: number, logprob: number | null | undefined, top: Record<string, number> | null | undefined, wantTop: number): GenerateStep {
    const best = [...this.topById(m, top ?? null).entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, wantTop);
    return { id, token: m.vocab.piece(id), logprob: logprob ?? Number.NaN, top: best.map(([tid, lp]) => ({ id: tid, token: m.vocab.piece(tid), logprob: lp })) };
  }

  private interrupted(m: Loaded, w: Wire, stats: CallStats): GenerateResult {
    this.account(stats);
    return { text: '', tokenIds: [], finishReason: 'interrupted', promptTokens: w.ids.length, stats, servedBy: this.served(m, [], w.features) };
  }

  async scoreNext(prompt: PromptInput, candidateIds: number[], opts: { topK?: number } = {}): Promise<ScoreNextResult> {
    const m = this.need('score');
    const w = this.wire(m, prompt, 0);
    this.checkIds(m, candidateIds, 'candidate');
    const topK = Math.max(0, Math.floor(opts.topK ?? 0));
    const stats = emptyStats();
    const urls: string[] = [];
    const features: OpenAiFeature[] = [...w.features];
    const found = new Map<number, number>();
    const base: CompletionRequest = { model: m.spec.id, prompt: w.text, max_tokens: 1, temperature: 0, ...w.extra };
    if (m.caps.tokenIdsInLogprobs) base.return_tokens_as_token_ids = true;
    const note = (r: { answer: CompletionAnswer; baseUrl: string; ms: number }) => {
      urls.push(r.baseUrl);
      stats.prefillTokens += r.answer.promptTokens ?? 0;
      stats.prefillMs += r.ms;
    };

    if (m.caps.logprobTokenIds && candidateIds.length > 0) {
      const r = await this.complete({ ...base, logprobs: 1, logprob_token_ids: [...new Set(candidateIds)] });
      note(r);
      this.checkCount(r.answer, w.ids.length, 'scoreNext');
      for (const [id, lp] of this.topById(m, r.answer.choice.logprobs?.topLogprobs[0])) found.set(id, lp);
      features.push('logprob-token-ids');
    }
    let top: TokenLogprob[] | undefined;
    if (topK > 0 || candidateIds.some((id) => !found.has(id))) {
      const r = await this.complete({ ...base, logprobs: MAX_TOP_LOGPROBS });
      note(r);
      this.checkCount(r.answer, w.ids.length, 'scoreNext');
      const byId = this.topById(m, r.answer.choice.logprobs?.topLogprobs[0]);
      for (const id of candidateIds) if (!found.has(id) && byId.has(id)) found.set(id, byId.get(id)!);
      if (candidateIds.some((id) => byId.has(id))) features.push(m.caps.tokenIdsInLogprobs ? 'token-ids-in-logprobs' : 'top-logprobs');
      if (topK > 0) {
        const sorted = [...byId.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, topK);
        top = sorted.map(([id, logprob]) => ({ id, token: m.vocab.piece(id), logprob: found.get(id) ?? logprob }));
      }
    }
    const missing = [...new Set(candidateIds.filter((id) => !found.has(id)))];
    if (missing.length > (this.opts.maxTeacherForced ?? 64)) {
      throw new EngineRequestError(`${missing.length} candidate ids are outside the server's top ${MAX_TOP_LOGPROBS}: scoring them takes one teacher-forced request each`, 'score fewer candidates (the labels), or raise maxTeacherForced');
    }
    const forced = await Promise.all(missing.map((id) => this.teacherForced(m, w, [id])));
    missing.forEach((id, i) => {
      found.set(id, forced[i].logprobs[0]);
      urls.push(forced[i].baseUrl);
      stats.prefillTokens += forced[i].promptTokens;
      stats.prefillMs += forced[i].ms;
    });
    if (missing.length > 0) features.push('echo-teacher-forcing');
    this.account(stats);
    const result: ScoreNextResult = { logprobs: candidateIds.map((id) => found.get(id)!), promptTokens: w.ids.length, stats, servedBy: this.served(m, urls, features) };
    if (top && top.length > 0) result.top = top;
    return result;
  }

  /**
   * log P(cont | prompt) per continuation token, by echoing prompt + the continuation's text with
   * logprobs, and reading the continuation's positions counted from the end (what follows the
   * prompt is the continuation, then `completion_tokens` generated ones).
   */
  private async teacherForced(m: Loaded, w: Wire, cont: readonly number[]): Promise<{ logprobs: number[]; greedy: boolean[]; baseUrl: string; promptTokens: number; ms: number }> {
    if (m.caps.echoNeedsBos && !w.bos) {
      throw new EngineRequestError(
        'teacher forcing a prompt without BOS is not reliable on this server (llama-cpp-python aligns echoed log-probs only after a BOS)',
        'use first-token scoring with labels in the top 20, a prompt with BOS, or a vLLM server',
      );
    }
    const contText = m.vocab.continuationText(cont);
    const promptIds = w.bos ? w.ids.slice(1) : w.ids;
    if (contText === undefined || !sameIds(m.vocab.encode(w.promptText + contText), [...promptIds, ...cont])) {
      throw new EngineRequestError(
        `the continuation [${cont.join(', ')}] does not survive as text after this prompt (tokenizing prompt + its text gives other ids), and the openai backend sends text`,
        'score labels as they tokenize in context (label scoring "in-context" or "full-label")',
      );
    }
    const body: CompletionRequest = { model: m.spec.id, prompt: w.text + contText, max_tokens: 1, temperature: 0, logprobs: 1, echo: true, ...w.extra };
    if (m.caps.tokenIdsInLogprobs) body.return_tokens_as_token_ids = true;
    const { answer, baseUrl, ms } = await this.complete(body);
    this.checkCount(answer, w.ids.length + cont.length, 'teacher forcing');
    const lp = answer.choice.logprobs;
    if (!lp) throw new ServerProtocolError(baseUrl, 'echo with logprobs returned no logprobs');
    const generated = answer.completionTokens ?? 1;
    const end = lp.tokenLogprobs.length - generated;
    const start = end - cont.length;
    if (start < 0) throw new ServerProtocolError(baseUrl, `the echo lists ${lp.tokenLogprobs.length} tokens, fewer than the ${cont.length} continuation tokens`);
    const logprobs: number[] = [];
    const greedy: boolean[] = [];
    for (let i = start; i < end; i++) {
      const x = lp.tokenLogprobs[i];
      if (x === null) throw new ServerProtocolError(baseUrl, `no log-prob at echoed position ${i}`);
      // The echoed token must be the one ftlab meant (by id on vLLM, by text elsewhere).
      const tok = lp.tokens[i];
      const want = cont[i - start];
      const id = tokenIdKey(tok);
      if (id !== undefined ? id !== want : tok !== m.vocab.pieceText(want) && m.vocab.pieceText(want) !== undefined) {
        throw new TokenizationMismatchError(`teacher forcing: the server echoed ${JSON.stringify(tok)} where ftlab put token ${want} (${JSON.stringify(m.vocab.piece(want))})`);
      }
      logprobs.push(x);
      const best = Math.max(...Object.values(lp.topLogprobs[i] ?? {}));
      greedy.push(!(best > x + 1e-6));
    }
    return { logprobs, greedy, baseUrl, promptTokens: answer.promptTokens ?? 0, ms };
  }

  async loglikelihood(prompt: PromptInput, continuation: string | number[]): Promise<LoglikelihoodResult> {
    const m = this.need('score');
    const cont = typeof continuation === 'string' ? m.vocab.encode(continuation) : [...continuation];
    if (cont.length === 0) throw new EngineRequestError('empty continuation: the continuation has no tokens', 'pass a non-empty continuation');
    this.checkIds(m, cont, 'continuation');
    const w = this.wire(m, prompt, cont.length);
    const r = await this.teacherForced(m, w, cont);
    const stats: CallStats = { prefillTokens: r.promptTokens, decodeTokens: 0, prefillMs: r.ms, decodeMs: 0 };
    this.account(stats);
    const tokens = cont.map((id, i) => ({ id, token: m.vocab.piece(id), logprob: r.logprobs[i] }));
    return {
      logprob: r.logprobs.reduce((a, b) => a + b, 0),
      tokens,
      isGreedy: r.greedy.every(Boolean),
      stats,
      servedBy: this.served(m, [r.baseUrl], [...w.features, 'echo-teacher-forcing']),
    };
  }

  /** Aborts every request in flight (a generate then resolves with finishReason 'interrupted'). */
  async interrupt(): Promise<void> {
    this.controller.abort();
    this.controller = new AbortController();
  }

  async stats(): Promise<EngineStats> {
    return { ...this.total };
  }

  get info(): LoadedModelInfo | undefined {
    return this.loaded?.info;
  }
}
