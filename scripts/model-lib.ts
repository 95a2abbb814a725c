/**
 * `npm run model-lib -- --model DIR [--quant q0f32|q4f32_1|q4f16_1] [--schedule fallback|gpu] [--out FILE.wasm]`
 * `npm run model-lib -- --tiny`   the libraries of the tiny test models (q0f32, q4f32_1) into
 *                                 public/models/ (what the webgpu browser tests and the app's
 *                                 embedded default load)
 *
 * Builds a web-llm model library (.wasm) for an MLC Llama folder with ftlab's own builder
 * (tools/model-lib/, Python). On first use it makes the builder's venv
 * (~/.cache/ftlab/tvm-venv-<version>, the exact pinned apache-tvm from PyPI) and checks for
 * emscripten; then it runs the build (progress per phase on stderr), which is cached by tool
 * versions + a hash of the builder's code and the model config (a rebuild is seconds).
 *
 * Without --out the library is written into the model folder as `model-lib-<quant>-webgpu.wasm`,
 * and its size, build time, schedule and required WebGPU features are recorded in the folder's
 * ftlab-manifest.json (field "modelLibBuild"; the manifest validator ignores extra fields).
 *
 * --schedule (tools/model-lib/ftlab_model_lib/schedule.py): "fallback" (default) schedules the
 * model's kernels without workgroup barriers, which software adapters (Chromium's SwiftShader,
 * the tests and CI) need and small models do not mind; "gpu" keeps TVM's GPU rules (shared-memory
 * reductions), the faster choice on a real GPU, above all for larger models.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const TVM_VERSION = '0.27.0.post1';
/** apache-tvm's FFI package, pinned too: the runtime is compiled from its sources as well. */
export const TVM_FFI_VERSION = '0.1.15.post2';
export const QUANTIZATIONS = ['q0f32', 'q4f32_1', 'q4f16_1'] as const;
export type LibQuantization = (typeof QUANTIZATIONS)[number];
/** How the builder schedules the model's kernels (schedule.py); the first is the default. */
export const LIB_SCHEDULES = ['fallback', 'gpu'] as const;
export type LibSchedule = (typeof LIB_SCHEDULES)[number];

const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BUILDER_DIR = path.join(PROJECT_ROOT, 'tools', 'model-lib');

export function cacheRoot(): string {
  return process.env.FTLAB_CACHE ?? path.join(homedir(), '.cache', 'ftlab');
}

export function venvDir(): string {
  return path.join(cacheRoot(), `tvm-venv-${TVM_VERSION}`);
}

export class ModelLibToolError extends Error {
  constructor(
    message: string,
    readonly hint: string,
  ) {
    super(message);
    this.name = 'ModelLibToolError';
  }
}

/** The venv's python, creating the venv (pinned apache-tvm) when it is missing. */
export function ensureVenv(log: (s: string) => void = (s) => process.stderr.write(`[model-lib] ${s}\n`)): string {
  const py = path.join(venvDir(), 'bin', 'python');
  const stamp = path.join(venvDir(), '.ftlab-complete');
  if (existsSync(stamp)) return py;
  log(`venv: installing apache-tvm==${TVM_VERSION} into ${venvDir()} (once; ~100 MB from PyPI)`);
  const mk = spawnSync('python3', ['-m', 'venv', venvDir()], { stdio: 'inherit' });
  if (mk.status !== 0) throw new ModelLibToolError('could not create the builder venv', 'install python3 with venv support (apt-get install python3-venv)');
  const pip = spawnSync(py, ['-m', 'pip', 'install', '-q', `apache-tvm==${TVM_VERSION}`], { stdio: 'inherit' });
  if (pip.status !== 0) throw new ModelLibToolError(`pip could not install apache-tvm==${TVM_VERSION}`, 'check access to PyPI, then run the command again');
  writeFileSync(stamp, `${TVM_VERSION}\n`);
  return py;
}

export function checkEmcc(): string {
  try {
    const out = execFileSync('emcc', ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    return /(\d+\.\d+\.\d+)/.exec(out)?.[1] ?? 'unknown';
  } catch {
    throw new ModelLibToolError('emcc (emscripten) is not installed', 'install it with `sudo apt-get install -y emscripten` (Debian 3.1.6), then run the command again');
  }
}

export interface ModelLibBuild {
  wasm: string;
  bytes: number;
  build_seconds: number;
  cached: boolean;
  quantization: string;
  required_features: string[];
  cache_key: string;
  schedule: LibSchedule;
}

export function libFileName(quant: string): string {
  return `model-lib-${quant}-webgpu.wasm`;
}

/** Builds (or takes from the cache) the library of `modelDir`; progress goes to stderr. */
export function buildModelLib(opts: { model: string; quant?: string; schedule?: LibSchedule; out?: string }): ModelLibBuild {
  checkEmcc();
  const py = ensureVenv();
  const args = ['-m', 'ftlab_model_lib', 'build', '--model', opts.model, '--json'];
  if (opts.quant) args.push('--quant', opts.quant);
  if (opts.schedule) args.push('--schedule', opts.schedule);
  if (opts.out) args.push('--out', opts.out);
  const res = spawnSync(py, args, { cwd: BUILDER_DIR, env: { ...process.env, PYTHONPATH: BUILDER_DIR }, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
  if (res.status !== 0) throw new ModelLibToolError(`the model-library build failed (exit ${res.status})`, 'read the builder output above');
  const line = res.stdout.trim().split('\n').at(-1) ?? '';
  return JSON.parse(line) as ModelLibBuild;
}

/** Records a build in the folder's ftlab-manifest.json (extra field; validators ignore it). */
export function recordInManifest(modelDir: string, build: ModelLibBuild, file: string): void {
  const mf = path.join(modelDir, 'ftlab-manifest.json');
  if (!existsSync(mf)) return;
  const m = JSON.parse(readFileSync(mf, 'utf8')) as Record<string, unknown>;
  const prev = (m.modelLibBuild ?? {}) as Record<string, unknown>;
  prev[build.quantization] = {
    file,
    bytes: build.bytes,
    buildSeconds: build.build_seconds,
    requiredFeatures: build.required_features,
    schedule: build.schedule,
    builder: { tvm: TVM_VERSION, cacheKey: build.cache_key },
  };
  m.modelLibBuild = prev;
  writeFileSync(mf, JSON.stringify(m, null, 2) + '\n');
}

const USAGE = 'usage: npm run model-lib -- --model DIR [--quant Q] [--schedule fallback|gpu] [--out FILE.wasm]';

function parseArgs(argv: string[]): { model: string; quant?: LibQuantization; schedule?: LibSchedule; out?: string } {
  let model: string | undefined;
  let quant: LibQuantization | undefined;
  let schedule: LibSchedule | undefined;
  let out: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new ModelLibToolError(`${a} needs a value`, USAGE);
      return v;
    };
    if (a === '--model') model = value();
    else if (a === '--quant') {
      const q = value();
      if (!(QUANTIZATIONS as readonly string[]).includes(q)) throw new ModelLibToolError(`unknown quantization "${q}"`, `use one of: ${QUANTIZATIONS.join(', ')}`);
      quant = QUANTIZATIONS.find((x) => x === q);
    } else if (a === '--schedule') {
      const v = value();
      const known = LIB_SCHEDULES.find((x) => x === v);
      if (!known) throw new ModelLibToolError(`unknown schedule "${v}"`, `use one of: ${LIB_SCHEDULES.join(', ')} (fallback: software adapters and small models, the default; gpu: real GPUs, larger models)`);
      schedule = known;
    } else if (a === '--out') out = value();
    else throw new ModelLibToolError(`unknown option "${a}"`, USAGE);
  }
  if (!model) throw new ModelLibToolError('--model DIR is required', USAGE);
  return { model: path.resolve(model), ...(quant ? { quant } : {}), ...(schedule ? { schedule } : {}), ...(out ? { out: path.resolve(out) } : {}) };
}

/** The tiny models that get a library (the two formats SwiftShader runs), by folder id. */
export const TINY_LIB_MODELS = [
  { id: 'tiny-random-llama-f32', quant: 'q0f32' },
  { id: 'tiny-random-llama-q4f32_1', quant: 'q4f32_1' },
] as const;

/**
 * Puts each tiny model's current library into its folder (built once per builder version, then
 * copied from the cache in seconds) and returns the file paths by model id. Needs emscripten and the builder venv
 * (`.ci/setup.d/20-model-lib.sh` installs both).
 */
export function ensureTinyModelLibs(modelsDir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of TINY_LIB_MODELS) {
    const dir = path.join(modelsDir, m.id);
    const file = path.join(dir, libFileName(m.quant));
    // Always through the builder: a library left from older builder code must not be reused
    // (a cache hit is a copy, a few seconds).
    const build = buildModelLib({ model: dir, quant: m.quant, out: file });
    recordInManifest(dir, build, path.basename(file));
    out[m.id] = file;
  }
  return out;
}

const isEntry = process.argv[1] && import.meta.url === new URL(`file://${path.resolve(process.argv[1])}`).href;
if (isEntry) {
  try {
    if (process.argv[2] === '--tiny') {
      const { ensureTinyModels, MODELS_DIR } = await import('./make-tiny-model.ts');
      ensureTinyModels();
      for (const [id, file] of Object.entries(ensureTinyModelLibs(MODELS_DIR))) console.log(`ready: ${id}: ${path.relative(process.cwd(), file)}`);
      process.exit(0);
    }
    const opts = parseArgs(process.argv.slice(2));
    if (!existsSync(path.join(opts.model, 'mlc-chat-config.json'))) {
      throw new ModelLibToolError(`${opts.model} has no mlc-chat-config.json`, 'give the folder of an MLC-format model');
    }
    const quant = opts.quant ?? (JSON.parse(readFileSync(path.join(opts.model, 'mlc-chat-config.json'), 'utf8')) as { quantization: string }).quantization;
    const out = opts.out ?? path.join(opts.model, libFileName(quant));
    const build = buildModelLib({ model: opts.model, quant, out, ...(opts.schedule ? { schedule: opts.schedule } : {}) });
    if (!opts.out) recordInManifest(opts.model, build, path.basename(out));
    console.log(`${build.cached ? 'cached' : 'built'}: ${path.relative(process.cwd(), out)} (${(build.bytes / 1e6).toFixed(1)} MB, ${build.build_seconds} s, ${build.schedule} schedule, features: ${build.required_features.join(', ') || 'none'})`);
  } catch (e) {
    if (e instanceof ModelLibToolError) {
      console.error(`model-lib: ${e.message}\n  next step: ${e.hint}`);
      process.exit(1);
    }
    throw e;
  }
}
