/**
 * The Engine contract on ftlab's webgpu backend driving web-llm 0.2.86's REAL MLCEngine, in the
 * app's engine worker, in Debian's Chromium on the SwiftShader WebGPU adapter (software Vulkan,
 * no GPU needed). The model libraries are ftlab's own (tools/model-lib, `npm run model-lib`),
 * built for the tiny random Llama in the two formats SwiftShader runs: q0f32 and q4f32_1. Every
 * number is cross-checked against the Node cpu engine on the same weights (same greedy ids,
 * log-probs within 1e-4).
 *
 * Runs in every `npm test`. What made that affordable (measured in Chromium on SwiftShader, 2 shared
 * cores; see the model-lib builder's schedule.py): the libraries schedule the model's kernels
 * without shared-memory barrier reductions, which SwiftShader runs very slowly (a decode step of
 * the tiny model went from ~4 s to ~0.4 s). The contract still keeps to a few tokens per call.
 * The context window is set to 512 through the model spec (the interrupt test asks for 300 new
 * tokens; the "exact window" test loads its own engine with a window of 24).
 *
 * Tolerance: the suite's default, 1e-4 on full-vocabulary log-probs. Measured: max |Δ| 7.7e-6
 * (q0f32) and 8.2e-6 (q4f32_1) over all 32000 log-probs of the contract's prompts, once the
 * libraries compute RoPE's cos/sin without the shader's pow/sin/cos (model-lib rope.py); with
 * SwiftShader's own sin/cos it was 3.5e-4 to 6.7e-4.
 */
import path from 'node:path';
import { describe, vi } from 'vitest';
import type { Page } from 'playwright-core';
import { ensureTinyModelLibs, libFileName, TINY_LIB_MODELS } from '../../scripts/model-lib.ts';
import { describeEngineContract } from '../contract/engine-contract.ts';
import { folderWithEos, modelFacts, referenceEngine } from '../contract/tiny-models.ts';
import { PUBLIC_DIR, useBrowserHarness, type BrowserHarness } from './harness/index.ts';
import { PageEngine } from './harness/page-engine.ts';

let h: BrowserHarness;
let page: Page;
const MODELS_DIR = path.join(PUBLIC_DIR, 'models');
const CONTEXT_WINDOW = 512;
vi.setConfig({ testTimeout: 300_000, hookTimeout: 1_200_000 });

useBrowserHarness(async (harness) => {
  h = harness;
  ensureTinyModelLibs(MODELS_DIR);
  page = await h.browser.newPage();
  await page.goto(`${h.origin}/test/browser/pages/engine.html`);
  await page.waitForSelector('body[data-ready="true"]');
});

// The two formats run side by side: each in a concurrent suite of its own (siblings that vitest
// starts together), holding the contract's sequential suite (its tests in order, on engines of
// its own). SwiftShader leaves cores idle while one engine waits on a readback or a shader compile.
describe('webgpu backend on web-llm’s real engine (SwiftShader)', () => {
  for (const { id, quant } of TINY_LIB_MODELS) {
    describe.concurrent(quant, () => describeEngineContract(`Engine contract: webgpu backend, real web-llm MLCEngine in Chromium (${id}, ${quant})`, async () => {
      const dir = path.join(MODELS_DIR, id);
      const reference = await referenceEngine(id, dir);
      const engines: PageEngine[] = [];
      const lib = (folderId: string) => `${h.origin}/models/${folderId}/${libFileName(quant)}`;
      return {
        backend: 'webgpu',
        facts: { ...modelFacts(dir), contextWindow: CONTEXT_WINDOW },
        createEngine: () => {
          const e = new PageEngine(page, 'webgpu');
          engines.push(e);
          return e;
        },
        spec: { id, url: `${h.origin}/models/${id}/`, modelLib: lib(id), contextWindow: CONTEXT_WINDOW },
        specWithEos: async (eosId) => {
          const folder = path.basename(folderWithEos(dir, eosId, MODELS_DIR));
          return { id: folder, url: `${h.origin}/models/${folder}/`, modelLib: lib(folder), contextWindow: CONTEXT_WINDOW };
        },
        reference,
        dispose: async () => {
          await reference.unload();
          for (const e of engines) await e.terminate();
        },
      };
    }));
  }
});
