/**
 * The real OpenAI-compatible server of the tests: llama-cpp-python's (llama.cpp compiled from
 * PyPI's source by .ci/setup.d/40-llama-server.sh into ~/.cache/ftlab/llama-server-<version>/),
 * started on 127.0.0.1 on a free port with a config file of model aliases, and stopped after.
 * The tiny models are exported to GGUF by the project's own exporter (scripts/export-gguf.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { PROJECT_ROOT } from '../helpers/paths.ts';

export const LLAMA_SERVER_VERSION = fs.readFileSync(path.join(PROJECT_ROOT, 'tools', 'llama-server', 'VERSION'), 'utf8').trim();
export const LLAMA_SERVER_SETUP = '.ci/setup.d/40-llama-server.sh';

/**
 * Largest |Δ log-prob| accepted between llama.cpp's server and the cpu engine on the same float32
 * weights (measured: see the contract's console line; the facts found ~5e-4 against
 * Hugging Face on a tiny model).
 */
export const OPENAI_TOLERANCE = 2e-3;

/** The venv's python, or a clear error saying how to install the server (once, ~20-40 min). */
export function llamaServerPython(): string {
  const cache = process.env.FTLAB_CACHE ?? path.join(os.homedir(), '.cache', 'ftlab');
  const python = path.join(cache, `llama-server-${LLAMA_SERVER_VERSION}`, 'venv', 'bin', 'python');
  if (!fs.existsSync(python)) {
    throw new Error(`llama-cpp-python[server] ${LLAMA_SERVER_VERSION} is not installed at ${python}: run \`bash ${LLAMA_SERVER_SETUP}\` once (it compiles llama.cpp, 20-40 minutes on 2 cores; .ci/run does it and caches the wheel)`);
  }
  return python;
}

export interface ServedModel {
  alias: string;
  gguf: string;
  /** A LoRA adapter GGUF applied on top (served under its own alias). */
  lora?: string;
}

export interface LlamaServer {
  url: string;
  port: number;
  log: () => string;
  stop(): Promise<void>;
}

/** A free TCP port on 127.0.0.1 (bound by the OS, then released). */
export async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** Starts the server with these models and waits until /v1/models answers. */
export async function startLlamaServer(models: ServedModel[], opts: { dir: string; nCtx?: number; readyTimeoutMs?: number }): Promise<LlamaServer> {
  const python = llamaServerPython();
  const port = await freePort();
  const config = {
    host: '127.0.0.1',
    port,
    // Non-streaming requests queue behind each other; never cut one off for the next.
    interrupt_requests: false,
    models: models.map((m) => ({
      model: m.gguf,
      model_alias: m.alias,
      n_ctx: opts.nCtx ?? 4096,
      n_threads: 1,
      n_threads_batch: 1,
      // Log-probs (and echo with them) need the logits of every position.
      logits_all: true,
      verbose: false,
      ...(m.lora ? { lora_path: m.lora } : {}),
    })),
  };
  const configFile = path.join(opts.dir, `llama-server-${port}.json`);
  fs.writeFileSync(configFile, JSON.stringify(config, null, 2));
  const child: ChildProcess = spawn(python, ['-m', 'llama_cpp.server', '--config_file', configFile], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PYTHONUNBUFFERED: '1' } });
  let log = '';
  const keep = (b: Buffer) => {
    log = (log + b.toString('utf8')).slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let exited: number | null = null;
  child.on('exit', (code) => (exited = code ?? -1));
  const url = `http://127.0.0.1:${port}/v1`;
  const deadline = Date.now() + (opts.readyTimeoutMs ?? 90_000);
  for (;;) {
    if (exited !== null) throw new Error(`llama-cpp-python server exited with ${exited} before it was ready:\n${log}`);
    try {
      const res = await fetch(`${url}/models`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`llama-cpp-python server not ready after ${opts.readyTimeoutMs ?? 90_000} ms:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    port,
    log: () => log,
    stop: async () => {
      if (exited !== null) return;
      const done = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await done;
      clearTimeout(timer);
    },
  };
}
