/**
 * The webgpu backend, in ratios measured in one run:
 *
 * 1. ICL prefix reuse, counted (Node, no GPU): on the paper's 4-shot cells (every test set
 *    evaluated with 4 shots, both maps, the first 250 items, the test set's own first 4 demos),
 *    prompt tokens prefilled the paper's way (every prompt whole) against an engine that keeps
 *    what each prompt shares with the previous one (ftlab's cpu and webgpu backends), counted
 *    with the real Llama-2 tokenizer (llama-tokenizer-js, the paper's ids).
 * 2. In Debian's Chromium on the SwiftShader WebGPU adapter (software, no GPU), the tiny model
 *    with its built library (q0f32), web-llm 0.2.86's real engine:
 *    a. ftlab's generate against web-llm's own `completions.create` (a plain MLCEngine with no
 *       logit processor) on the same folder, library, prompt and token count: tokens/s ratio;
 *    b. an ICL cell's prompts (sst2, 4-shot, map 0) scored one after another: prefilled tokens
 *       and prefill time, each prompt whole against the demo context kept, with the log-probs
 *       of both compared.
 *    Skipped (said so) when the tiny model libraries cannot be built (no emscripten).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { catalogueEntries, catalogueEntry, parseDataset, type TaskItem } from '../src/core/datasets/index.ts';
import { prefillTokensWithReuse } from '../src/core/decoding/index.ts';
import { buildPrompts } from '../src/core/prompts/index.ts';
import { getTask, type TaskDefinition } from '../src/core/tasks/index.ts';
import { encode } from '../src/core/tokenizer/llama.ts';
import { PAPER_DATA } from '../test/helpers/paths.ts';
import { ensureTinyModelLibs, libFileName } from '../scripts/model-lib.ts';
import { PUBLIC_DIR, startBrowserHarness } from '../test/browser/harness/index.ts';
import type { WebGpuBenchApi } from '../test/browser/pages/webgpu-bench.ts';
import type { WebGpuBenchResult } from '../workers/backends/webgpu/bench.ts';

declare const window: { ftlabBench: WebGpuBenchApi };

const ITEMS = 250;
const SHOTS = 4;
/** The tasks the paper evaluates with 4 shots (summary/question: 4,2,1; sentiment/detection: 2,4,6). */
const FOUR_SHOT_TASKS = ['summary', 'question', 'sentiment', 'detection'] as const;

function load(id: string): { task: TaskDefinition; items: readonly TaskItem[] } {
  const e = catalogueEntry(id);
  const task = getTask(e.task);
  return { task, items: parseDataset(readFileSync(path.join(PAPER_DATA, e.path), 'utf8'), { task, source: id }).items };
}

function table(rows: string[][]): void {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  for (const r of rows) console.log('  ' + r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  '));
}

function countPrefixReuse(): void {
  const rows: string[][] = [['cell (4-shot)', 'prompts', 'whole', 'reused', 'ratio']];
  let whole = 0;
  let reused = 0;
  const t0 = performance.now();
  for (const taskId of FOUR_SHOT_TASKS) {
    for (const e of catalogueEntries({ task: taskId, role: 'test', usedByPaper: true })) {
      const { task, items } = load(e.id);
      const demos = load(`${e.dataset}_few_shot`).items;
      for (const template of [0, 1]) {
        const prompts = buildPrompts(task, items.slice(0, ITEMS), { mode: 'icl', shots: SHOTS, demos, template, countTokens: false });
        const ids = prompts.map((p) => encode(p.text, { bos: p.bos }));
        const w = ids.reduce((n, x) => n + x.length, 0);
        const r = prefillTokensWithReuse(ids);
        whole += w;
        reused += r;
        rows.push([`${e.dataset} map ${template}`, String(ids.length), String(w), String(r), (w / r).toFixed(2)]);
      }
    }
  }
  rows.push(['all', '', String(whole), String(reused), (whole / reused).toFixed(2)]);
  console.log(`ICL prefix reuse on the paper's 4-shot cells (first ${ITEMS} items, both maps), prompt tokens prefilled, Llama-2 tokenizer:`);
  table(rows);
  console.log(`  ratio = whole / reused (goal ≥ 3); counted in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

function report(r: WebGpuBenchResult, newTokens: number): void {
  const rows: string[][] = [['round', 'ftlab tok/s', 'web-llm tok/s', 'ratio', 'ftlab decode tok/s', 'web-llm decode tok/s', 'same text']];
  const ratios: number[] = [];
  const decodeRatios: number[] = [];
  r.rounds.forEach((x, i) => {
    const f = (x.ftlab.tokens / x.ftlab.ms) * 1000;
    const w = (x.webllm.tokens / x.webllm.ms) * 1000;
    const fd = (x.ftlab.decodeTokens / x.ftlab.decodeMs) * 1000;
    ratios.push(f / w);
    decodeRatios.push(fd / x.webllm.decodeTokensPerS);
    rows.push([String(i + 1), f.toFixed(2), w.toFixed(2), (f / w).toFixed(3), fd.toFixed(2), x.webllm.decodeTokensPerS.toFixed(2), String(x.ftlabText === x.webllm.text)]);
  });
  const x0 = r.rounds[0];
  console.log(`\ngenerate, ${newTokens} new tokens (EOS ignored), prompt ${x0.ftlab.promptTokens} tokens (web-llm counted ${x0.webllm.promptTokens}); tok/s = new tokens / wall time of the call (prefill included):`);
  table(rows);
  console.log(`  median ratio ftlab / web-llm: ${median(ratios).toFixed(3)} end to end (goal ≥ 0.9), ${median(decodeRatios).toFixed(3)} decode steps only (web-llm's own decode_tokens_per_s)`);
  let d = 0;
  r.whole.logprobs.forEach((lp, i) => lp.forEach((v, j) => (d = Math.max(d, Math.abs(v - r.reused.logprobs[i][j])))));
  const total = r.promptTokens.reduce((a, b) => a + b, 0);
  console.log(`\nICL cell on the real engine: sst2, ${SHOTS}-shot, map 0, ${r.promptTokens.length} items (${total} prompt tokens), label log-probs by scoreNext:`);
  table([
    ['', 'prefilled tokens', 'prefill ms', 'call ms'],
    ['each prompt whole (paper)', String(r.whole.prefillTokens), r.whole.prefillMs.toFixed(0), r.whole.ms.toFixed(0)],
    ['demo context kept (ftlab)', String(r.reused.prefillTokens), r.reused.prefillMs.toFixed(0), r.reused.ms.toFixed(0)],
    ['ratio whole / kept', (r.whole.prefillTokens / r.reused.prefillTokens).toFixed(2), (r.whole.prefillMs / r.reused.prefillMs).toFixed(2), (r.whole.ms / r.reused.ms).toFixed(2)],
  ]);
  console.log(`  max |Δ label log-prob| kept vs whole: ${d.toExponential(2)}`);
}

export default async function webgpuBench(): Promise<void> {
  countPrefixReuse();

  const modelsDir = path.join(PUBLIC_DIR, 'models');
  try {
    ensureTinyModelLibs(modelsDir);
  } catch (e) {
    console.log(`\n(skipped the real-engine part: the tiny model libraries could not be built: ${e instanceof Error ? e.message : String(e)})`);
    return;
  }
  const sst2 = load('sst2_test_500');
  const cell = buildPrompts(sst2.task, sst2.items.slice(0, 6), { mode: 'icl', shots: SHOTS, demos: load('sst2_few_shot').items, template: 0, countTokens: false }).map((p) => ({ text: p.text, bos: p.bos }));
  const prompt = 'Summarize the following article.\nArticle: The U.S. Senate voted 52-48 on Tuesday to confirm the nominee, officials said.\nSummary:';
  const newTokens = 16;
  const h = await startBrowserHarness();
  try {
    const page = await h.browser.newPage();
    await page.goto(`${h.origin}/test/browser/pages/webgpu-bench.html`);
    await page.waitForSelector('body[data-ready="true"]');
    const id = 'tiny-random-llama-f32';
    const args = {
      modelId: id,
      url: `${h.origin}/models/${id}/`,
      modelLib: `${h.origin}/models/${id}/${libFileName('q0f32')}`,
      contextWindow: 1024,
      prompt,
      newTokens,
      rounds: 4,
      cell,
      labelIds: [1066, 22198],
    };
    const t0 = performance.now();
    const r = await page.evaluate((a) => window.ftlabBench.run(a), args);
    console.log(`\nreal engine: web-llm 0.2.86 on Chromium ${h.browser.context.browser()?.version() ?? ''} (SwiftShader), ${id} with its q0f32 library; ${((performance.now() - t0) / 1000).toFixed(0)} s`);
    report(r, newTokens);
  } finally {
    await h.close();
  }
}
