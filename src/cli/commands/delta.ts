/**
 * `ftlab delta`: the paper's mean |Δw|. Between two model folders (--base, --model: Hugging
 * Face checkpoints or MLC folders, quantized ones dequantized on the fly) or of a LoRA adapter
 * (--adapter: ΔW = (alpha/r)·B·A). Per tensor, per layer, per module kind and overall.
 * stdout: a table, or with --json the whole report; stderr: progress.
 */
import { defineCommand, opt } from '../define.ts';
import { CliOptionError } from '../support/errors.ts';
import { adapterDelta, modelsDelta } from '../support/delta.ts';
import { PAPER_MEAN_ABS_DELTA } from '../../core/delta/paper.ts';
import type { DeltaReport } from '../../core/delta/stats.ts';

const e = (x: number) => x.toExponential(3);

function table(r: DeltaReport): string {
  const lines = [`mean |Δw| overall: ${e(r.overall.meanAbs)} over ${r.overall.count.toLocaleString('en-US')} weights (${r.mode === 'adapter' ? `LoRA ΔW = ${r.details.scale}·B·A` : 'model − base'})`, '', 'by module kind:'];
  for (const k of r.kinds) lines.push(`  ${k.kind.padEnd(26)} ${e(k.meanAbs)}`);
  lines.push('', 'by layer:');
  for (const l of r.layers) lines.push(`  ${String(l.layer).padStart(3)}  ${e(l.meanAbs)}`);
  if (r.other.count > 0) lines.push(`  outside the layers (embeddings, norm, lm_head): ${e(r.other.meanAbs)}`);
  lines.push('', `the paper (Llama-2-7b, full FT): ${PAPER_MEAN_ABS_DELTA.map((p) => `${p.trainingSet} FT ${e(p.ft)}, FTICL ${e(p.fticl)}`).join('; ')}`);
  return lines.join('\n') + '\n';
}

export const deltaCommand = defineCommand({
  name: 'delta',
  summary: 'mean |Δw| between a model and its base (--base, --model) or of a LoRA adapter (--adapter)',
  options: {
    base: opt.string('base model folder (Hugging Face or MLC)', { value: 'DIR' }),
    model: opt.string('fine-tuned model folder (same architecture)', { value: 'DIR' }),
    adapter: opt.string('PEFT LoRA adapter folder (adapter_config.json, adapter_model.safetensors)', { value: 'DIR' }),
    json: opt.flag('print the whole report (per tensor too) as JSON'),
  },
  async run(values, _positionals, io) {
    const fail = (msg: string) => new CliOptionError('delta', msg);
    const { base, model, adapter } = values;
    if (adapter && (base || model)) throw fail('give either --adapter DIR or --base DIR --model DIR, not both');
    if (!adapter && !(base && model)) throw fail('give --base DIR --model DIR (two models) or --adapter DIR (a LoRA adapter)');
    let last = -Infinity;
    const progress = (done: number, total: number, name: string) => {
      const t = performance.now();
      if (done < total && t - last < (io.errIsTTY ? 100 : 10_000)) return;
      last = t;
      const line = `delta: ${done}/${total} ${name}`;
      io.err(io.errIsTTY ? `\r\x1b[K${line}${done === total ? '\n' : ''}` : `${line}\n`);
    };
    const report = adapter ? await adapterDelta(adapter, progress) : await modelsDelta(base as string, model as string, progress);
    io.out(values.json ? JSON.stringify(report) + '\n' : table(report));
    return 0;
  },
});
