/**
 * `ftlab convert`: a Hugging Face Llama checkpoint (config.json, sharded *.safetensors, the
 * tokenizer) → an MLC folder the cpu engine and web-llm load, with its ftlab-manifest.json.
 * Streams tensor by tensor; progress on stderr; a one-line summary on stdout (--json: all of it).
 */
import { defineCommand, opt } from '../define.ts';
import { convertHfFolder, CONVERT_QUANTIZATIONS } from '../support/convert-folder.ts';

export const convertCommand = defineCommand({
  name: 'convert',
  summary: 'convert a Hugging Face Llama checkpoint (safetensors) into an MLC folder with its manifest',
  options: {
    hf: opt.string('Hugging Face model folder (config.json, *.safetensors, tokenizer.json)', { value: 'DIR', required: true }),
    out: opt.string('MLC folder to write', { value: 'DIR', required: true }),
    quantization: opt.choice('weight format (default q4f16_1, what web-llm runs; q4f32_1 without shader-f16)', CONVERT_QUANTIZATIONS, { default: 'q4f16_1' }),
    'run-card': opt.string('ftlab-run-card.json from train/ftlab_train.py (method, training set, shots)', { value: 'FILE' }),
    id: opt.string('model id in the manifest (default: the run card\'s, else the --out folder name)'),
    'base-model': opt.string('base model name when there is no run card'),
    force: opt.flag('replace --out if it exists'),
    json: opt.flag('print the result (manifest, library, unused tensors) as JSON'),
  },
  async run(values, _positionals, io) {
    const { hf: hfDir, out: outDir, quantization: q } = values;
    let lastDraw = -Infinity;
    const result = await convertHfFolder({
      hfDir,
      outDir,
      quantization: q,
      runCardFile: values['run-card'],
      id: values.id,
      baseModel: values['base-model'],
      force: values.force,
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
});
