/**
 * The Engine contract through the worker protocol, in Node: the EngineHost (workers/engine-host.ts)
 * exposed with comlink on one end of a real MessageChannel, the page's client
 * (src/engine-client) on the other, the cpu backend behind it. Every call, result, progress
 * event and error crosses structured cloning and comlink, as between the page and the worker.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as Comlink from 'comlink';
import { EngineUnavailableError } from '../../src/core/engine-errors.ts';
import { createEngineClient, type EngineClient } from '../../src/engine-client/index.ts';
import { createNodeCpuEngine } from '../../workers/backends/cpu/node.ts';
import { EngineHost } from '../../workers/engine-host.ts';
import { installErrorTransfer } from '../../workers/protocol.ts';
import { PortWorker } from '../helpers/port-worker.ts';
import { describeEngineContract } from './engine-contract.ts';
import { folderWithEos, modelFacts, referenceEngine, TINY_Q4, tinyModelDirs } from './tiny-models.ts';

/** A page-side client and a worker-side host joined by a MessageChannel. */
function clientOverChannel(ports: MessagePort[]): EngineClient {
  installErrorTransfer();
  const host = new EngineHost({
    cpu: async () => createNodeCpuEngine(),
    webgpu: async () => {
      throw new EngineUnavailableError('webgpu', 'not in this test', 'use the cpu backend');
    },
    openai: async () => {
      throw new EngineUnavailableError('openai', 'not in this test', 'use the cpu backend');
    },
    webgpuExtras: async () => ({}),
  });
  const { port1, port2 } = new MessageChannel();
  ports.push(port1, port2);
  Comlink.expose(host, port1);
  return createEngineClient({ worker: new PortWorker(port2) as unknown as Worker });
}

describeEngineContract(`Engine contract: cpu backend through the comlink worker protocol (${TINY_Q4})`, async () => {
  const dir = tinyModelDirs()[TINY_Q4];
  const tmp = mkdtempSync(path.join(tmpdir(), 'ftlab-contract-comlink-'));
  const reference = await referenceEngine(TINY_Q4, dir);
  const ports: MessagePort[] = [];
  const clients: EngineClient[] = [];
  return {
    backend: 'cpu',
    facts: modelFacts(dir),
    createEngine: () => {
      const c = clientOverChannel(ports);
      clients.push(c);
      return c;
    },
    spec: { id: TINY_Q4, url: dir },
    specWithEos: async (eosId) => ({ id: `${TINY_Q4}-eos${eosId}`, url: folderWithEos(dir, eosId, tmp) }),
    reference,
    dispose: async () => {
      await reference.unload();
      for (const c of clients) c.terminate();
      for (const p of ports) p.close();
      rmSync(tmp, { recursive: true, force: true });
    },
  };
});
