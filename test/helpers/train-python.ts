/**
 * The training recipe's Python (train/requirements.txt: torch, transformers, peft, numpy), as
 * .ci/setup.d/30-train.sh installs it in a venv outside the repository. Tests that need it call
 * trainPython(): in CI the venv must be there (a missing one fails the test); on a developer's
 * machine without it, those tests are skipped with the command that installs it.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { PROJECT_ROOT } from './paths.ts';

export const TRAIN_SETUP = '.ci/setup.d/30-train.sh';

let cached: string | null | undefined;

/** The venv's python, or null when it is not installed. FTLAB_TRAIN_PYTHON overrides. */
export function trainPython(): string | null {
  if (cached !== undefined) return cached;
  if (process.env.FTLAB_TRAIN_PYTHON) return (cached = process.env.FTLAB_TRAIN_PYTHON);
  const r = spawnSync('bash', [path.join(PROJECT_ROOT, TRAIN_SETUP), '--check'], { encoding: 'utf8' });
  cached = r.status === 0 ? r.stdout.trim().split('\n').pop()! : null;
  return cached;
}

/** True when the Python tests must be skipped (never in CI, where the venv is installed first). */
export function skipWithoutTrainPython(): boolean {
  if (trainPython()) return false;
  if (process.env.CI) throw new Error(`CI has no training venv: ${TRAIN_SETUP} should have installed it`);
  console.warn(`skipping: no training venv (run \`bash ${TRAIN_SETUP}\`, ~6 min and 5 GB the first time)`);
  return true;
}

/** Runs a Python script of the repository with the venv's python; throws with its stderr on failure. */
export function runPython(script: string, args: string[], opts: { timeoutMs?: number } = {}): string {
  const py = trainPython();
  if (!py) throw new Error('no training venv');
  const r = spawnSync('nice', ['-n', '5', py, path.join(PROJECT_ROOT, script), ...args], {
    encoding: 'utf8',
    cwd: PROJECT_ROOT,
    timeout: opts.timeoutMs ?? 600_000,
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, PYTHONHASHSEED: '0', OMP_NUM_THREADS: '2', TOKENIZERS_PARALLELISM: 'false', HF_HUB_OFFLINE: '1', TRANSFORMERS_OFFLINE: '1' },
  });
  if (r.status !== 0) throw new Error(`${script} exited ${r.status ?? r.signal}:\n${r.stderr.slice(-4000)}`);
  return r.stdout;
}
