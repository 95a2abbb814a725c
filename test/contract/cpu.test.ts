/** The Engine contract on the cpu backend in Node, for both tiny checkpoints (f32 and q4f16_1). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createNodeCpuEngine } from '../../workers/backends/cpu/node.ts';
import { describeEngineContract } from './engine-contract.ts';
import { folderWithEos, modelFacts, referenceEngine, TINY_IDS, tinyModelDirs } from './tiny-models.ts';

for (const id of TINY_IDS) {
  describeEngineContract(`Engine contract: cpu backend in Node (${id})`, async () => {
    const dir = tinyModelDirs()[id];
    const tmp = mkdtempSync(path.join(tmpdir(), 'ftlab-contract-cpu-'));
    const reference = await referenceEngine(id, dir);
    return {
      backend: 'cpu',
      facts: modelFacts(dir),
      createEngine: () => createNodeCpuEngine(),
      spec: { id, url: dir },
      specWithEos: async (eosId) => ({ id: `${id}-eos${eosId}`, url: folderWithEos(dir, eosId, tmp) }),
      reference,
      dispose: async () => {
        await reference.unload();
        rmSync(tmp, { recursive: true, force: true });
      },
    };
  });
}
