/**
 * The Engine contract on ftlab's webgpu backend driving web-llm 0.2.86's REAL MLCEngine, in the
 * app's engine worker, in Debian's Chromium on the SwiftShader WebGPU adapter (software Vulkan,
 * no GPU needed). The model libraries are ftlab's own (tools/model-lib, `npm run model-lib`),
 * built for the tiny random Llama in the two formats SwiftShader runs: q0f32 and q4f32_1. Every
 * number is cross-checked against the Node cpu engine on the same weights (same greedy ids,
 * log-probs within 1e-4).
 *
 * SwiftShader decodes a token in about a second (several under load), and a load takes 15-30 s:
 * the contract keeps to a few tokens per call, the tests get minutes, and the context window is
 * set to 256 through the model spec (the "exact window" test prefills a whole window; at the
 * config's 4096 that alone took minutes on the software adapter).
 *
 * Tolerance: 1e-3 on full-vocabulary log-probs instead of the suite's default 1e-4. Measured here:
 * max |Δ| 3.5e-4 (q0f32) and 4.2e-4 (q4f32_1) over all 32000 log-probs of the reference prompts,
 * with identical greedy ids; SwiftShader's float32 exp/sin/cos and the kernels' reduction order
 * differ from the cpu engine's float64 accumulation. A later run measured 6.7e-4 (q0f32).
 *
 * OPT-IN for now (FTLAB_WEBGPU_CONTRACT=1 npx vitest run test/browser/engine-webgpu-real.test.ts):
 * on a 2-core machine shared with other builds the two formats take well over 20 minutes, which
 * does not fit CI's budget yet; the app-level real-engine test (app-webgpu-real.test.ts) and the
 * error paths (engine-webgpu-errors.test.ts) run in every `npm test`.
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
const CONTEXT_WINDOW = 256;
vi.setConfig({ testTimeout: 300_000, hookTimeout: 1_200_000 });

const ENABLED = process.env.FTLAB_WEBGPU_CONTRACT === '1';

if (ENABLED) useBrowserHarness(async (harness) => {
  h = harness;
  ensureTinyModelLibs(MODELS_DIR);
  page = await h.browser.newPage();
  await page.goto(`${h.origin}/test/browser/pages/engine.html`);
  await page.waitForSelector('body[data-ready="true"]');
});

describe.runIf(ENABLED)('webgpu backend on web-llm’s real engine (SwiftShader)', () => {
  for (const { id, quant } of TINY_LIB_MODELS) {
    describeEngineContract(`Engine contract: webgpu backend, real web-llm MLCEngine in Chromium (${id}, ${quant})`, async () => {
      const dir = path.join(MODELS_DIR, id);
      const reference = await referenceEngine(id, dir);
      const engines: PageEngine[] = [];
      const lib = (folderId: string) => `${h.origin}/models/${folderId}/${libFileName(quant)}`;
      return {
        backend: 'webgpu',
        facts: { ...modelFacts(dir), contextWindow: CONTEXT_WINDOW },
        tolerance: 1e-3,
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
    });
  }
});
