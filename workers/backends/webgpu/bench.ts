/**
 * Measurements for `npm run bench -- webgpu` (bench/webgpu.bench.ts), run inside a worker next
 * to web-llm (test/browser/pages/webgpu-bench.worker.ts). Nothing here is part of the app.
 *
 * 1. ftlab's generate (WebGpuBackend: explicit ids, the logit capture at every step, the loops
 *    in src/core/decoding) against web-llm's own `completions.create` on a plain MLCEngine with
 *    no logit processor (it samples on the GPU), on the same model folder, library, prompt and
 *    token count, in alternating rounds.
 * 2. The prompts of an ICL cell scored one after another on ftlab's backend, each prefilled
 *    whole (the paper's way: a prompt sharing no first token runs before each, so the KV cache
 *    is emptied) against consecutively (the demo context kept in the KV cache).
 */
import { MLCEngine } from '@mlc-ai/web-llm';
import type { PromptInput } from '../../../src/core/engine.ts';
import { WebGpuBackend, WebGpuContext } from './backend.ts';

export interface WebGpuBenchArgs {
  modelId: string;
  url: string;
  modelLib: string;
  contextWindow: number;
  /** The generation prompt (text, no BOS: web-llm's completions add none). */
  prompt: string;
  newTokens: number;
  rounds: number;
  /** The ICL cell's prompts, in item order. */
  cell: PromptInput[];
  /** Candidate ids scored at the end of each cell prompt (the label ids). */
  labelIds: number[];
}

export interface GenerateRound {
  ftlab: { ms: number; prefillMs: number; decodeMs: number; tokens: number; decodeTokens: number; promptTokens: number; ids: number[] };
  webllm: { ms: number; e2eS: number; decodeTokensPerS: number; prefillTokensPerS: number; tokens: number; promptTokens: number; text: string };
  ftlabText: string;
}

export interface CellPass {
  prefillTokens: number;
  prefillMs: number;
  ms: number;
  logprobs: number[][];
}

export interface WebGpuBenchResult {
  rounds: GenerateRound[];
  whole: CellPass;
  reused: CellPass;
  promptTokens: number[];
}

const GREEDY = { temperature: 0, top_p: 1, repetition_penalty: 1, frequency_penalty: 0, presence_penalty: 0 };

export async function runWebGpuBench(a: WebGpuBenchArgs): Promise<WebGpuBenchResult> {
  const ctx = new WebGpuContext({ cacheBackend: 'cache' });
  const ftlab = new WebGpuBackend(ctx);
  await ftlab.load({ id: a.modelId, url: a.url, modelLib: a.modelLib, contextWindow: a.contextWindow });
  const entry = ftlab.loadedEntry();
  if (!entry) throw new Error('webgpu bench: the model did not load');
  // The plain engine: the same app config (record, library), no logit processor registered.
  const plain = new MLCEngine({ logLevel: 'WARN', appConfig: ctx.registry.appConfig(ctx.cacheBackend) });
  await plain.reload(entry.id, { ...GREEDY, context_window_size: a.contextWindow });

  const promptIds = await ftlab.tokenize(a.prompt);
  const rounds: GenerateRound[] = [];
  for (let r = 0; r < a.rounds; r++) {
    // Alternate which goes first, so a warming machine favours neither.
    const runFtlab = async () => {
      const t0 = performance.now();
      const g = await ftlab.generate({ prompt: { ids: promptIds }, maxTokens: a.newTokens, stopAtEos: false });
      return { g, ms: performance.now() - t0 };
    };
    const runWebLlm = async () => {
      const t0 = performance.now();
      const c = await plain.completions.create({ prompt: a.prompt, max_tokens: a.newTokens, ignore_eos: true, ...GREEDY });
      return { c, ms: performance.now() - t0 };
    };
    let f: Awaited<ReturnType<typeof runFtlab>>;
    let w: Awaited<ReturnType<typeof runWebLlm>>;
    if (r % 2 === 0) {
      f = await runFtlab();
      w = await runWebLlm();
    } else {
      w = await runWebLlm();
      f = await runFtlab();
    }
    const u = w.c.usage;
    if (!u) throw new Error('webgpu bench: web-llm returned no usage');
    rounds.push({
      ftlab: { ms: f.ms, prefillMs: f.g.stats.prefillMs, decodeMs: f.g.stats.decodeMs, tokens: f.g.tokenIds.length, decodeTokens: f.g.stats.decodeTokens, promptTokens: f.g.promptTokens, ids: f.g.tokenIds },
      webllm: {
        ms: w.ms,
        e2eS: u.extra.e2e_latency_s,
        decodeTokensPerS: u.extra.decode_tokens_per_s,
        prefillTokensPerS: u.extra.prefill_tokens_per_s,
        tokens: u.completion_tokens,
        promptTokens: u.prompt_tokens,
        text: w.c.choices[0]?.text ?? '',
      },
      ftlabText: f.g.text,
    });
  }
  await plain.unload();

  // The ICL cell: whole (a no-BOS one-token prompt before each empties the cache) vs consecutive.
  const breaker: PromptInput = { ids: [a.labelIds[0] ?? 3] };
  const pass = async (whole: boolean): Promise<CellPass> => {
    const out: CellPass = { prefillTokens: 0, prefillMs: 0, ms: 0, logprobs: [] };
    for (const p of a.cell) {
      if (whole) await ftlab.scoreNext(breaker, [3]);
      const t0 = performance.now();
      const s = await ftlab.scoreNext(p, a.labelIds);
      out.ms += performance.now() - t0;
      out.prefillTokens += s.stats.prefillTokens;
      out.prefillMs += s.stats.prefillMs;
      out.logprobs.push(s.logprobs);
    }
    return out;
  };
  const whole = await pass(true);
  await ftlab.scoreNext(breaker, [3]);
  const reused = await pass(false);
  const promptTokens = await Promise.all(a.cell.map(async (p) => ('ids' in p ? p.ids.length : (await ftlab.tokenize(p.text, { bos: p.bos })).length)));
  await ftlab.unload();
  return { rounds, whole, reused, promptTokens };
}
