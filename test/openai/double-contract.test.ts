/**
 * The Engine contract on the openai backend against the zero-latency server double (both API
 * dialects), whose numbers come from the cpu engine on the same tiny weights: this checks the
 * client's logic (prompt wire format, BOS handling, top-k + teacher forcing, counting positions
 * from the end) exactly, tolerance 1e-5. The real server is test/openai/llama-server.test.ts.
 */
import { createNodeCpuEngine } from '../../workers/backends/cpu/node.ts';
import { nodeFileSource } from '../../workers/backends/cpu/node-file-source.ts';
import { OpenAiEngine } from '../../workers/backends/openai/index.ts';
import { describeEngineContract } from '../contract/engine-contract.ts';
import { modelFacts, referenceEngine, TINY_F32, tinyModelDirs } from '../contract/tiny-models.ts';
import { startServerDouble, type Dialect } from './server-double.ts';

for (const dialect of ['vllm', 'llama-cpp'] as Dialect[]) {
  describeEngineContract(`Engine contract: openai backend against a ${dialect} server double (${TINY_F32})`, async () => {
    const dir = tinyModelDirs()[TINY_F32];
    const served = createNodeCpuEngine();
    await served.load({ id: TINY_F32, url: dir });
    const server = await startServerDouble({ engine: served, models: [TINY_F32], dialect });
    const reference = await referenceEngine(TINY_F32, dir);
    return {
      backend: 'openai',
      facts: modelFacts(dir),
      capabilities: { fullVocabulary: false, eosOverride: false, interruptKeepsTokens: false, stepStats: false, teacherForcingWithoutBos: dialect === 'vllm' },
      createEngine: () => new OpenAiEngine({ baseUrls: [server.url], openFiles: nodeFileSource, retries: 0 }),
      spec: { id: TINY_F32, url: dir },
      specWithEos: async () => ({ id: TINY_F32, url: dir }),
      reference,
      tolerance: 1e-5,
      dispose: async () => {
        await server.close();
        await reference.unload();
        await served.unload();
      },
    };
  });
}
