/**
 * `ftlab convert`: a Hugging Face Llama checkpoint (config.json, sharded *.safetensors, the
 * tokenizer) → an MLC folder the cpu engine and web-llm load, with its ftlab-manifest.json.
 * Streams tensor by tensor; progress on stderr; a one-line summary on stdout (--json: all of it).
 */
import type { CliCommand } from '../types.ts';
import { CliOptionError } from '../support/errors.ts';
import { convertHfFolder, CONVERT_QUANTIZATIONS, type ConvertQuantization } from '../support/convert-folder.ts';

export const convertCommand: CliCommand = {
  name: 'convert',
  summary: 'convert a Hugging Face Llama checkpoint (safetensors) into an MLC folder with its manifest',
  options: {
    hf: { type: 'string', description: 'Hugging Face model folder (config.json, *.safetensors, tokenizer.json)' },
    out: { type: 'string', description: 'MLC folder to write' },
    quantization: { type: 'string', description: `${CONVERT_QUANTIZATIONS.join(' | ')} (default q4f16_1, what web-llm runs)` },
    'run-card': { type: 'string', description: 'ftlab-run-card.json from train/ftlab_train.py (method, training set, shots)' },
    id: { type: 'string', description: 'model id in the manifest (default: the run card\'s, else the --out folder name)' },
    'base-model': { type: 'string', description: 'base model name when there is no run card' },
    force: { type: 'boolean', description: 'replace --out if it exists' },
    json: { type: 'boolean', description: 'print the result (manifest, library, unused tensors) as JSON' },
  },
  async run(values, _positionals, io) {
    const fail = (msg: string) => new CliOptionError('convert', msg);
    const hfDir = values.hf as string | undefined;
    const outDir = values.out as string | undefined;
    if (!hfDir) throw fail('--hf DIR is required');
    if (!outDir) throw fail('--out DIR is required');
    const q = (values.quantization as string | undefined) ?? 'q4f16_1';
    if (!(CONVERT_QUANTIZATIONS as readonly string[]).includes(q)) throw fail(`--quantization must be one of ${CONVERT_QUANTIZATIONS.join(', ')}, got "${q}"`);
    let lastDraw = 0;
    const result = await convertHfFolder({
      hfDir,
      outDir,
      quantization: q as ConvertQuantization,
      runCardFile: values['run-card'] as string | undefined,
      id: values.id as string | undefined,
      baseModel: values['base-model'] as string | undefined,
      force: values.force === true,
      onTensor(done, total, name) {
        const t = performance.now();
        if (done < total && t - lastDraw < (io.errIsTTY ? 100 : 10_000)) return;
        lastDraw = t;
        const line = `convert: ${done}/${total} tensors (${Math.round((100 * done) / total)}%) ${name}`;
        io.err(io.errIsTTY ? `\r\x1b[K${line}${done === total ? '\n' : ''}` : `${line}\n`);
      },
    });
    if (values.json) {
      io.out(JSON.stringify({ out: outDir, ...result }) + '\n');
      return 0;
    }
    const bytes = result.manifest.files.reduce((a, f) => a + f.size, 0);
    const lib = 'file' in result.library ? `web-llm library: ${result.library.file}` : result.library.none;
    io.out(`${outDir}: ${result.manifest.id} (${result.manifest.method}, ${q}), ${result.shards} shards, ${(bytes / 1e6).toFixed(1)} MB; ${lib}\n`);
    if (result.unused.length > 0) io.err(`convert: not converted (unused by a Llama): ${result.unused.join(', ')}\n`);
    return 0;
  },
};
