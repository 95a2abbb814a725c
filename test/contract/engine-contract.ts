/**
 * The Engine contract (src/core/engine.ts) as one reusable suite: every backend, and every way
 * of reaching one (directly, through the comlink worker protocol), must pass the same
 * assertions, plus a cross-check against the reference cpu engine on the same weights.
 *
 * A subject gives a way to make an unloaded engine, the ModelSpec to load (and a variant of it
 * whose EOS id is changed, because a random tiny model never emits the real EOS), the model's
 * facts read from its folder independently of any engine, and a loaded reference engine.
 * The suite loads the engine itself, so "load returns the model info" is checked too.
 *
 * Kept cheap on purpose (short prompts, a few tokens): every subject runs it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine, GenerateResult, LoadedModelInfo, LoadProgress, ModelSpec, PromptInput, StreamedToken } from '../../src/core/engine.ts';
import { ContextWindowExceededError } from '../../src/core/engine-errors.ts';
import { FtlabError } from '../../src/core/errors.ts';
import { argmaxFirst, logSumExp } from '../../src/core/decoding/index.ts';

/** What the model is, read from its mlc-chat-config.json (not from an engine). */
export interface ModelFacts {
  vocabSize: number;
  contextWindow: number;
  bosId: number;
  eosId: number;
}

/**
 * What a backend can do beyond the common core. The local backends can do everything; a remote
 * server (the openai backend) computes in its own process and answers over HTTP, so some checks
 * take another form there (each flag says which). Absent flags are true.
 */
export interface ContractCapabilities {
  /** scoreNext over the whole vocabulary in one call (false: top-k + teacher forcing; the suite scores the top ids and a few others). */
  fullVocabulary: boolean;
  /** Loading another spec changes the EOS id (false: the served model's EOS is the server's). */
  eosOverride: boolean;
  /** A stopped generation's ids include the token that completed the stop string (false: only the text is checked). */
  stopTokenIds: boolean;
  /** An interrupted generate keeps the tokens made so far (false: the request in flight is dropped whole). */
  interruptKeepsTokens: boolean;
  /** Teacher forcing works on prompts without BOS (false: those checks use the BOS prompt). */
  teacherForcingWithoutBos: boolean;
  /** stats count the local loops' prefill/decode steps exactly (false: only their accumulation is checked). */
  stepStats: boolean;
  /**
   * Any ids continue a prompt (false: continuations go as text, so ids no text produces, such as
   * a lone "▁" before a word, are refused; the suite's continuations are then written the way they
   * tokenize in context: "positive" rather than " positive").
   */
  idContinuations: boolean;
}

export interface ContractSubject {
  /** Absent: every capability. */
  capabilities?: Partial<ContractCapabilities>;
  /** LoadedModelInfo.backend this subject reports ('cpu', 'webgpu'). */
  backend: string;
  facts: ModelFacts;
  /** A new engine with nothing loaded. */
  createEngine(): Engine | Promise<Engine>;
  spec: ModelSpec;
  /** The same weights with `eos_token_id` set to `eosId` (a different model id). */
  specWithEos(eosId: number): Promise<ModelSpec>;
  /** A loaded reference engine on the same weights (the Node cpu engine). */
  reference: Engine;
  /** Largest |Δ log-prob| accepted against the reference (default 1e-4). */
  tolerance?: number;
  dispose?(): Promise<void>;
}

/** Zero-shot-like (BOS) and k-shot-like (no BOS) prompts, short so the suite stays fast. */
export const CONTRACT_PROMPTS: Extract<PromptInput, { text: string }>[] = [
  { text: 'Review: the food was great and the service friendly.\nSentiment:', bos: true },
  { text: 'Premise: A man plays a guitar.\nHypothesis: A person makes music.\nAnswer: yes\n\nPremise: A dog sleeps.\nHypothesis: The cat runs.\nAnswer:', bos: false },
];
const PROMPT = CONTRACT_PROMPTS[0];

/** Paper-like text: newlines, digits, punctuation, quotes, non-ASCII (byte-fallback pieces). */
export const PAPER_LIKE_TEXTS = [
  'Summarize the following article.\nArticle: The U.S. Senate voted 52-48 on Tuesday to confirm the nominee, officials said.\nSummary:',
  'Premise: "A man is playing a guitar on stage."\nHypothesis: A person performs music.\nDoes the premise entail the hypothesis? Answer:',
  "Review: I'd give it 5/10 \u2014 the caf\u00e9's cr\u00eapes were great! \ud83d\ude00\nSentiment:",
];

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** The rejection of a call, or a failure if it resolved. */
async function rejectionOf(p: Promise<unknown>): Promise<FtlabError> {
  const outcome = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(outcome, 'the call should have been refused').toBeInstanceOf(FtlabError);
  return outcome as FtlabError;
}

function maxAbsDiff(a: readonly number[], b: readonly number[]): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** Where a stop string taken from the middle of a free generation first occurs. */
function stopStringIn(text: string): { stop: string; at: number } | undefined {
  for (let i = Math.floor(text.length / 3); i + 2 <= text.length; i++) {
    const stop = text.slice(i, i + 2);
    if (/^[A-Za-z0-9]{2}$/.test(stop)) return { stop, at: text.indexOf(stop) };
  }
  return undefined;
}

export function describeEngineContract(name: string, setup: () => Promise<ContractSubject>): void {
  // Sequential even inside a concurrent suite: the tests share one loaded engine, in this order
  // (a subject may run its suites side by side: engine-webgpu-real runs its two formats so).
  describe.sequential(name, () => {
    let s: ContractSubject;
    let engine: Engine;
    let info: LoadedModelInfo;
    const progress: LoadProgress[] = [];
    let V: number;
    /** A free greedy generation of PROMPT, 8 tokens, EOS ignored: the yardstick of several tests. */
    let free: GenerateResult;
    const extraEngines: Engine[] = [];
    let maxDiffVsReference = 0;
    let maxDiffPrefixReuse = 0;

    const can = (c: keyof ContractCapabilities): boolean => s.capabilities?.[c] !== false;
    /** The k-shot-like prompt, or the BOS one where teacher forcing needs BOS. */
    const forcedPrompts = () => (can('teacherForcingWithoutBos') ? CONTRACT_PROMPTS : [CONTRACT_PROMPTS[0]]);
    /** A continuation as the suite writes it: " positive" (standalone ids "▁", "▁positive"), or as it falls in context. */
    const cont = (text: string) => (can('idContinuations') ? text : text.trimStart());

    beforeAll(async () => {
      s = await setup();
      V = s.facts.vocabSize;
      engine = await s.createEngine();
      info = await engine.load(s.spec, (p) => progress.push(p));
      // Across a worker boundary progress calls are separate messages: let them land.
      for (let i = 0; i < 50 && progress.at(-1)?.phase !== 'done'; i++) await sleep(10);
      free = await engine.generate({ prompt: PROMPT, maxTokens: 8, stopAtEos: false });
    });

    afterAll(async () => {
      for (const e of extraEngines) await e.unload().catch(() => undefined);
      await engine?.unload().catch(() => undefined);
      await s?.dispose?.();
      if (s) console.info(`[engine contract] ${name}: max |Δ log-prob| vs the reference cpu engine = ${maxDiffVsReference.toExponential(2)}; prefix reused vs computed whole = ${maxDiffPrefixReuse.toExponential(2)}`);
    });

    it('load returns the model info and streams progress up to done', () => {
      expect(info).toEqual({ id: s.spec.id, backend: s.backend, vocabSize: V, contextWindow: s.facts.contextWindow, bosId: s.facts.bosId, eosId: s.facts.eosId });
      expect(progress.length).toBeGreaterThan(0);
      expect(progress.at(-1)).toMatchObject({ phase: 'done', fraction: 1 });
      const fractions = progress.map((p) => p.fraction);
      expect(fractions).toEqual([...fractions].sort((a, b) => a - b));
      expect(fractions.every((f) => f >= 0 && f <= 1)).toBe(true);
    });

    it('calls before load are refused with model-not-loaded; interrupt() then is a no-op', async () => {
      const fresh = await s.createEngine();
      const calls: Promise<unknown>[] = [
        fresh.tokenize('x'),
        fresh.detokenize([1]),
        fresh.generate({ prompt: PROMPT, maxTokens: 1 }),
        fresh.scoreNext(PROMPT, [1]),
        fresh.loglikelihood(PROMPT, ' yes'),
      ];
      for (const call of calls) expect((await rejectionOf(call)).code).toBe('model-not-loaded');
      await expect(fresh.interrupt()).resolves.toBeUndefined();
    });

    it('tokenize/detokenize round-trip paper-like text, with no special tokens added', async () => {
      for (const text of PAPER_LIKE_TEXTS) {
        const ids = await engine.tokenize(text);
        expect(ids.length).toBeGreaterThan(5);
        expect(ids.every((id) => Number.isInteger(id) && id >= 0 && id < V)).toBe(true);
        expect(ids).not.toContain(s.facts.bosId);
        expect(ids).not.toContain(s.facts.eosId);
        expect(await engine.detokenize(ids)).toBe(text);
      }
    });

    it('bos: true adds exactly the BOS id in front', async () => {
      for (const text of PAPER_LIKE_TEXTS) {
        const ids = await engine.tokenize(text);
        expect(await engine.tokenize(text, { bos: true })).toEqual([s.facts.bosId, ...ids]);
        expect(await engine.tokenize(text, { bos: false })).toEqual(ids);
      }
      expect(s.facts.bosId).toBe(1);
    });

    it('generate is greedy and deterministic, honours maxTokens (length), text = detokenized ids', async () => {
      expect(free.tokenIds).toHaveLength(8);
      expect(free.finishReason).toBe('length');
      expect(free.promptTokens).toBe((await engine.tokenize(PROMPT.text, { bos: true })).length);
      expect(free.text).toBe(await engine.detokenize(free.tokenIds));
      const again = await engine.generate({ prompt: PROMPT, maxTokens: 8, stopAtEos: false });
      expect(again.tokenIds).toEqual(free.tokenIds);
      expect(again.text).toBe(free.text);
      const shorter = await engine.generate({ prompt: PROMPT, maxTokens: 3, stopAtEos: false });
      expect(shorter).toMatchObject({ finishReason: 'length', tokenIds: free.tokenIds.slice(0, 3) });
      // Greedy: every generated token is the argmax under teacher forcing, and a changed one is not.
      expect((await engine.loglikelihood(PROMPT, free.tokenIds)).isGreedy).toBe(true);
      const changed = [...free.tokenIds.slice(0, -1), (free.tokenIds[7] + 1) % V];
      expect((await engine.loglikelihood(PROMPT, changed)).isGreedy).toBe(false);
    });

    it('onToken streams every token as it is decoded: the last streamed text is the result text', async () => {
      const streamed: StreamedToken[] = [];
      const res = await engine.generate({ prompt: PROMPT, maxTokens: 8, stopAtEos: false, onToken: (t) => streamed.push(t) });
      // Across a worker boundary each token is its own message: let them land.
      for (let i = 0; i < 50 && streamed.length < res.tokenIds.length; i++) await sleep(10);
      expect(res.tokenIds).toEqual(free.tokenIds);
      expect(streamed.map((t) => t.index)).toEqual(res.tokenIds.map((_, i) => i));
      expect(streamed.map((t) => t.id)).toEqual(res.tokenIds);
      expect(streamed.at(-1)?.text).toBe(res.text);
      for (const t of streamed) expect(res.text.startsWith(t.text.slice(0, Math.max(0, t.text.length - 1)))).toBe(true);
      expect(streamed.every((t) => t.step === undefined)).toBe(true);
      expect(res.steps).toBeUndefined();
    });

    it('logprobs: one step per generated token, the greedy token first among its top alternatives, consistent with loglikelihood', async () => {
      const streamed: StreamedToken[] = [];
      const res = await engine.generate({ prompt: PROMPT, maxTokens: 5, stopAtEos: false, logprobs: { top: 3 }, onToken: (t) => streamed.push(t) });
      for (let i = 0; i < 50 && streamed.length < res.tokenIds.length; i++) await sleep(10);
      const steps = res.steps ?? [];
      expect(steps.map((st) => st.id)).toEqual(res.tokenIds);
      const teacher = await engine.loglikelihood(PROMPT, res.tokenIds);
      for (let i = 0; i < steps.length; i++) {
        const st = steps[i];
        expect(st.top).toHaveLength(3);
        expect(st.top[0].id).toBe(st.id);
        expect(st.top.map((a) => a.logprob)).toEqual([...st.top.map((a) => a.logprob)].sort((a, b) => b - a));
        expect(st.logprob).toBeLessThanOrEqual(0);
        expect(Math.abs(st.logprob - teacher.tokens[i].logprob)).toBeLessThan(1e-4);
        expect(st.token).toBe(teacher.tokens[i].token);
        expect(streamed[i]?.step).toEqual(st);
      }
      const bare = await engine.generate({ prompt: PROMPT, maxTokens: 2, stopAtEos: false, logprobs: { top: 0 } });
      expect(bare.steps?.map((st) => st.top.length)).toEqual([0, 0]);
    });

    it('a prompt as {ids} is the same prompt as {text, bos}', async () => {
      for (const prompt of CONTRACT_PROMPTS) {
        const ids = await engine.tokenize(prompt.text, { bos: prompt.bos });
        const a = await engine.generate({ prompt, maxTokens: 4, stopAtEos: false });
        const b = await engine.generate({ prompt: { ids }, maxTokens: 4, stopAtEos: false });
        expect(b.tokenIds).toEqual(a.tokenIds);
        expect(b.promptTokens).toBe(a.promptTokens);
        if (!prompt.bos && !can('teacherForcingWithoutBos')) continue;
        const sa = await engine.scoreNext(prompt, [3, 1066, 22198]);
        const sb = await engine.scoreNext({ ids }, [3, 1066, 22198]);
        expect(maxAbsDiff(sa.logprobs, sb.logprobs)).toBeLessThan(1e-5);
        expect(sb.promptTokens).toBe(ids.length);
      }
    });

    it('stop strings end generation with "stop", the text cut before the stop string', async () => {
      const found = stopStringIn(free.text);
      expect(found, `no stop string candidate in ${JSON.stringify(free.text)}`).toBeDefined();
      const { stop, at } = found!;
      const r = await engine.generate({ prompt: PROMPT, maxTokens: 8, stop: ['zzzz-never', stop], stopAtEos: false });
      expect(r.finishReason).toBe('stop');
      expect(r.text).toBe(free.text.slice(0, at));
      expect(r.text.includes(stop)).toBe(false);
      if (can('stopTokenIds')) {
        // It stopped at the token that completed the stop string: a prefix of the free run.
        expect(r.tokenIds).toEqual(free.tokenIds.slice(0, r.tokenIds.length));
        expect((await engine.detokenize(r.tokenIds)).includes(stop)).toBe(true);
        expect((await engine.detokenize(r.tokenIds.slice(0, -1))).includes(stop)).toBe(false);
      }
      // Empty stop strings are ignored.
      expect((await engine.generate({ prompt: PROMPT, maxTokens: 2, stop: [''], stopAtEos: false })).finishReason).toBe('length');
    });

    it('EOS ends generation with "eos" (not in the output); stopAtEos: false goes on', async (ctx) => {
      if (!can('eosOverride')) return ctx.skip();
      // The random model never emits the real EOS: make a later greedy token the EOS.
      const k = free.tokenIds.findIndex((id, i) => i >= 1 && !free.tokenIds.slice(0, i).includes(id));
      expect(k).toBeGreaterThan(0);
      const eosId = free.tokenIds[k];
      const e = await s.createEngine();
      extraEngines.push(e);
      const spec = await s.specWithEos(eosId);
      expect((await e.load(spec)).eosId).toBe(eosId);
      const r = await e.generate({ prompt: PROMPT, maxTokens: 8 });
      expect(r).toMatchObject({ finishReason: 'eos', tokenIds: free.tokenIds.slice(0, k) });
      expect(r.text).toBe(await e.detokenize(free.tokenIds.slice(0, k)));
      const on = await e.generate({ prompt: PROMPT, maxTokens: 8, stopAtEos: false });
      expect(on).toMatchObject({ finishReason: 'length', tokenIds: free.tokenIds });
      // EOS as the very first token: nothing generated.
      const first = await s.specWithEos(free.tokenIds[0]);
      await e.load(first);
      expect(await e.generate({ prompt: PROMPT, maxTokens: 8 })).toMatchObject({ finishReason: 'eos', tokenIds: [], text: '' });
    });

    it('maxTokens 0 returns nothing and computes nothing', async () => {
      const before = await engine.stats();
      const r = await engine.generate({ prompt: PROMPT, maxTokens: 0 });
      expect(r).toMatchObject({ text: '', tokenIds: [], finishReason: 'length', promptTokens: free.promptTokens });
      expect(r.stats).toMatchObject({ prefillTokens: 0, decodeTokens: 0 });
      const after = await engine.stats();
      expect(after.calls).toBe(before.calls + 1);
      expect([after.prefillTokens, after.decodeTokens]).toEqual([before.prefillTokens, before.decodeTokens]);
    });

    it('scoreNext returns full-vocabulary log-probs, and a sorted top-k consistent with them', async () => {
      let all = [...Array(V).keys()];
      if (!can('fullVocabulary')) {
        // A remote server: its top ids (one request) and a few others (teacher-forced).
        const ranked = await s.reference.scoreNext(PROMPT, [], { topK: 8 });
        all = [...ranked.top!.map((t) => t.id), 3, 1066, 22198, s.facts.eosId];
      }
      const r = await engine.scoreNext(PROMPT, all, { topK: 5 });
      expect(r.logprobs).toHaveLength(all.length);
      expect(r.logprobs.every((lp) => Number.isFinite(lp) && lp <= 0)).toBe(true);
      // Normalized over the whole vocabulary: log Σ p = 0 (a subset sums to at most 1).
      if (can('fullVocabulary')) expect(Math.abs(logSumExp(r.logprobs))).toBeLessThan(1e-6);
      else expect(logSumExp(r.logprobs)).toBeLessThan(1e-6);
      const at = (id: number) => r.logprobs[all.indexOf(id)];
      expect(r.promptTokens).toBe(free.promptTokens);
      expect(r.stats.decodeTokens).toBe(0);
      if (can('stepStats')) expect(r.stats.prefillTokens).toBeLessThanOrEqual(r.promptTokens);
      const top = r.top!;
      expect(top).toHaveLength(5);
      expect(new Set(top.map((t) => t.id)).size).toBe(5);
      const tops = top.map((t) => t.logprob);
      expect(tops).toEqual([...tops].sort((a, b) => b - a));
      expect(top[0].id).toBe(all[argmaxFirst(r.logprobs)]);
      expect(top[0].id).toBe(free.tokenIds[0]);
      for (const t of top) {
        expect(t.logprob).toBe(at(t.id));
        expect(typeof t.token).toBe('string');
        expect(t.token.length).toBeGreaterThan(0);
      }
      expect((await engine.scoreNext(PROMPT, [5])).top).toBeUndefined();
    });

    it('scoreNext at candidate ids equals the first step of loglikelihood', async () => {
      const ids = await engine.tokenize(cont(' positive'));
      const ll = await engine.loglikelihood(PROMPT, cont(' positive'));
      expect(ll.tokens.map((t) => t.id)).toEqual(ids);
      const r = await engine.scoreNext(PROMPT, [ids[0], s.facts.eosId]);
      expect(Math.abs(r.logprobs[0] - ll.tokens[0].logprob)).toBeLessThan(s.tolerance ?? 1e-5);
    });

    it('loglikelihood is the sum of its per-token log-probs; text and ids continuations agree', async () => {
      for (const continuation of [cont(' positive'), cont(' The answer is no.')]) {
        const ll = await engine.loglikelihood(PROMPT, continuation);
        expect(ll.tokens.length).toBeGreaterThan(0);
        expect(ll.tokens.every((t) => t.logprob <= 0 && typeof t.token === 'string')).toBe(true);
        expect(Math.abs(ll.logprob - ll.tokens.reduce((a, t) => a + t.logprob, 0))).toBeLessThan(1e-9);
        const byIds = await engine.loglikelihood(PROMPT, ll.tokens.map((t) => t.id));
        expect(maxAbsDiff(byIds.tokens.map((t) => t.logprob), ll.tokens.map((t) => t.logprob))).toBeLessThan(1e-5);
        expect(byIds.isGreedy).toBe(ll.isGreedy);
      }
    });

    it('a request beyond the context window is refused (context-window-exceeded) before any work', async () => {
      const cw = s.facts.contextWindow;
      const before = await engine.stats();
      const refusals = [
        engine.generate({ prompt: { ids: new Array(cw - 2).fill(5) }, maxTokens: 3 }),
        engine.scoreNext({ ids: new Array(cw + 1).fill(5) }, [1]),
        engine.loglikelihood({ ids: new Array(cw - 1).fill(5) }, [6, 7]),
      ];
      const expected = [
        [cw - 2, 3],
        [cw + 1, 0],
        [cw - 1, 2],
      ];
      for (const [i, call] of refusals.entries()) {
        const err = await rejectionOf(call);
        expect(err).toBeInstanceOf(ContextWindowExceededError);
        expect(err.code).toBe('context-window-exceeded');
        expect(err).toMatchObject({ promptTokens: expected[i][0], maxTokens: expected[i][1], contextWindow: cw });
        expect(err.hint).toMatch(/shorten the prompt/);
      }
      const after = await engine.stats();
      expect(after).toMatchObject({ calls: before.calls, prefillTokens: before.prefillTokens, decodeTokens: before.decodeTokens });
    });

    it('the context window is exact: prompt + new tokens may fill it, one more is refused', async () => {
      const cw = 24;
      const e = await s.createEngine();
      extraEngines.push(e);
      expect((await e.load({ ...s.spec, contextWindow: cw })).contextWindow).toBe(cw);
      const P = free.promptTokens;
      expect(P).toBeLessThan(cw - 2);
      await expect(e.generate({ prompt: PROMPT, maxTokens: cw - P, stopAtEos: false })).resolves.toMatchObject({ finishReason: 'length' });
      expect((await rejectionOf(e.generate({ prompt: PROMPT, maxTokens: cw - P + 1 }))).code).toBe('context-window-exceeded');
      // BOS then id 278 ("▁the"): ids that are also text (what a remote backend sends).
      const the = (n: number) => [s.facts.bosId, ...new Array<number>(n - 1).fill(278)];
      await expect(e.scoreNext({ ids: the(cw) }, [1])).resolves.toBeTruthy();
      expect((await rejectionOf(e.scoreNext({ ids: the(cw + 1) }, [1]))).code).toBe('context-window-exceeded');
      // A continuation counts like generated tokens.
      await expect(e.loglikelihood(PROMPT, new Array(cw - P).fill(6))).resolves.toBeTruthy();
      expect((await rejectionOf(e.loglikelihood(PROMPT, new Array(cw - P + 1).fill(6)))).code).toBe('context-window-exceeded');
      await e.unload();
    });

    it('bad requests are refused with engine-request', async () => {
      const bad: Promise<unknown>[] = [
        engine.generate({ prompt: PROMPT, maxTokens: -1 }),
        engine.generate({ prompt: PROMPT, maxTokens: 1.5 }),
        engine.generate({ prompt: { ids: [] }, maxTokens: 1 }),
        engine.generate({ prompt: { ids: [V] }, maxTokens: 1 }),
        engine.scoreNext(PROMPT, [V]),
        engine.scoreNext(PROMPT, [-1]),
        engine.loglikelihood(PROMPT, ''),
        engine.loglikelihood(PROMPT, [V + 5]),
      ];
      for (const call of bad) expect((await rejectionOf(call)).code).toBe('engine-request');
    });

    it('interrupt() during a long generate ends it with "interrupted"; the next call runs normally', async () => {
      const pending = engine.generate({ prompt: PROMPT, maxTokens: 300, stopAtEos: false });
      setTimeout(() => void engine.interrupt(), 5);
      const r = await pending;
      expect(r.finishReason).toBe('interrupted');
      if (can('interruptKeepsTokens')) expect(r.tokenIds.length).toBeGreaterThan(0);
      expect(r.tokenIds.length).toBeLessThan(300);
      expect(r.tokenIds.slice(0, 8)).toEqual(free.tokenIds.slice(0, Math.min(8, r.tokenIds.length)));
      expect(await engine.generate({ prompt: PROMPT, maxTokens: 2, stopAtEos: false })).toMatchObject({ finishReason: 'length', tokenIds: free.tokenIds.slice(0, 2) });
    });

    it('stats accumulate the work of every call', async () => {
      const before = await engine.stats();
      const p = forcedPrompts().at(-1)!;
      const g = await engine.generate({ prompt: p, maxTokens: 4, stopAtEos: false });
      const n = await engine.scoreNext(p, [3]);
      const l = await engine.loglikelihood(p, cont(' yes it does'));
      const after = await engine.stats();
      expect(g.stats.decodeTokens).toBe(3);
      if (can('stepStats')) expect(l.stats.decodeTokens).toBe(l.tokens.length - 1);
      for (const c of [g, n, l]) {
        expect(c.stats.prefillTokens).toBeGreaterThanOrEqual(0);
        expect(c.stats.prefillMs).toBeGreaterThanOrEqual(0);
        expect(c.stats.decodeMs).toBeGreaterThanOrEqual(0);
      }
      // A prompt no call has seen is computed in full.
      if (can('stepStats')) expect(g.stats.prefillTokens).toBe(g.promptTokens);
      expect(after.calls - before.calls).toBe(3);
      expect(after.prefillTokens - before.prefillTokens).toBe(g.stats.prefillTokens + n.stats.prefillTokens + l.stats.prefillTokens);
      expect(after.decodeTokens - before.decodeTokens).toBe(g.stats.decodeTokens + n.stats.decodeTokens + l.stats.decodeTokens);
      expect(after.prefillMs).toBeGreaterThanOrEqual(before.prefillMs);
    });

    it('a prompt sharing its demo context with the previous one computes only the rest, with the results of computing it whole', async () => {
      // Two k-shot-like prompts of one cell: the same demos, different items (as an ICL cell's samples).
      const demos = 'Premise: A man plays a guitar.\nHypothesis: A person makes music.\nAnswer: yes\n\nPremise: A dog sleeps.\nHypothesis: The cat runs.\nAnswer: no\n\n';
      const prompts = ['Premise: A girl reads.\nHypothesis: Someone reads.\nAnswer:', 'Premise: Two men cook.\nHypothesis: Nobody cooks.\nAnswer:'].map((item) => ({ text: demos + item, bos: true }));
      const ids = await Promise.all(prompts.map((p) => engine.tokenize(p.text, { bos: true })));
      let shared = 0;
      while (ids[0][shared] === ids[1][shared]) shared++;
      expect(shared).toBeGreaterThan(ids[1].length / 2);
      const probe = [...(await s.reference.scoreNext(prompts[1], [], { topK: 10 })).top!.map((t) => t.id), 3, 1066];
      // Each call of `run` comes right after `before`: a prompt that shares no first token with
      // it (no BOS: computed whole; the BOS prompt where a backend needs BOS), or the cell's other
      // item (the demos are shared).
      const run = async (p: PromptInput, before: PromptInput) => {
        await engine.scoreNext(before, [3]);
        const next = await engine.scoreNext(p, probe, { topK: 5 });
        await engine.scoreNext(before, [3]);
        const gen = await engine.generate({ prompt: p, maxTokens: 3, stopAtEos: false });
        await engine.scoreNext(before, [3]);
        const ll = await engine.loglikelihood(p, gen.tokenIds);
        return { next, gen, ll };
      };
      const breaker = can('teacherForcingWithoutBos') ? { text: 'Sentiment:', bos: false } : CONTRACT_PROMPTS[0];
      const whole = await run(prompts[1], breaker);
      const reused = await run(prompts[1], prompts[0]);
      if (can('stepStats')) {
        if (!breaker.bos) for (const c of [whole.next, whole.gen, whole.ll]) expect(c.stats.prefillTokens).toBe(ids[1].length);
        for (const c of [reused.next, reused.gen, reused.ll]) expect(c.stats.prefillTokens).toBe(ids[1].length - shared);
      }
      expect(reused.next.promptTokens).toBe(ids[1].length);
      expect(reused.gen.tokenIds).toEqual(whole.gen.tokenIds);
      expect(reused.gen.text).toBe(whole.gen.text);
      expect(reused.next.top!.map((t) => t.id)).toEqual(whole.next.top!.map((t) => t.id));
      const d = Math.max(
        maxAbsDiff(reused.next.logprobs, whole.next.logprobs),
        maxAbsDiff(reused.ll.tokens.map((t) => t.logprob), whole.ll.tokens.map((t) => t.logprob)),
      );
      expect(d).toBeLessThan(s.tolerance ?? 1e-4);
      maxDiffPrefixReuse = Math.max(maxDiffPrefixReuse, d);
    });

    it('matches the reference cpu engine: same tokens, same greedy ids, log-probs within tolerance', async () => {
      const ref = s.reference;
      const tol = s.tolerance ?? 1e-4;
      for (const text of PAPER_LIKE_TEXTS) {
        const ids = await engine.tokenize(text, { bos: true });
        expect(ids).toEqual(await ref.tokenize(text, { bos: true }));
        expect(await engine.detokenize(free.tokenIds)).toBe(await ref.detokenize(free.tokenIds));
      }
      for (const prompt of CONTRACT_PROMPTS) {
        const [a, b] = [await engine.generate({ prompt, maxTokens: 8, stopAtEos: false }), await ref.generate({ prompt, maxTokens: 8, stopAtEos: false })];
        expect(a.tokenIds).toEqual(b.tokenIds);
        expect(a.text).toBe(b.text);
        if (!prompt.bos && !can('teacherForcingWithoutBos')) continue;
        const all = can('fullVocabulary') ? [...Array(V).keys()] : [...(await ref.scoreNext(prompt, [], { topK: 10 })).top!.map((t) => t.id), 3, 1066, 22198];
        const [sa, sb] = [await engine.scoreNext(prompt, all, { topK: 5 }), await ref.scoreNext(prompt, all, { topK: 5 })];
        const dNext = maxAbsDiff(sa.logprobs, sb.logprobs);
        expect(dNext).toBeLessThan(tol);
        expect(sa.top!.map((t) => [t.id, t.token])).toEqual(sb.top!.map((t) => [t.id, t.token]));
        const [la, lb] = [await engine.loglikelihood(prompt, a.tokenIds), await ref.loglikelihood(prompt, a.tokenIds)];
        const dLl = maxAbsDiff(la.tokens.map((t) => t.logprob), lb.tokens.map((t) => t.logprob));
        expect(dLl).toBeLessThan(tol);
        expect(la.tokens.map((t) => t.token)).toEqual(lb.tokens.map((t) => t.token));
        expect([la.isGreedy, lb.isGreedy]).toEqual([true, true]);
        maxDiffVsReference = Math.max(maxDiffVsReference, dNext, dLl, Math.abs(la.logprob - lb.logprob));
      }
    });

    it('unload frees the model: later calls are refused with model-not-loaded', async () => {
      await engine.unload();
      expect((await rejectionOf(engine.generate({ prompt: PROMPT, maxTokens: 1 }))).code).toBe('model-not-loaded');
      expect((await rejectionOf(engine.tokenize('x'))).code).toBe('model-not-loaded');
    });
  });
}
