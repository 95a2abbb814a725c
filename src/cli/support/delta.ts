/**
 * `ftlab delta`'s work: mean |Δw| between two model folders (streamed tensor by tensor) or of a
 * LoRA adapter (ΔW = scale·B·A, one module at a time, one row at a time).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { DeltaAccumulator, type DeltaReport } from '../../core/delta/stats.ts';
import { ADAPTER_CONFIG_FILE, ADAPTER_WEIGHTS_FILE, loraDeltaAbs, loraScale, pairLoraTensors, parseLoraConfig } from '../../core/delta/lora.ts';
import { ArtifactCorruptError, ArtifactMissingError } from '../../core/engine-errors.ts';
import { readSafetensorsHeader, readSafetensorsTensor } from '../../core/safetensors/reader.ts';
import { DeltaMismatchError, weightsDelta, type DeltaProgress } from '../../core/delta/mlc-folders.ts';
import { openFileByteSource } from './file-bytes.ts';
import { readJson } from './hf-checkpoint.ts';
import { openPair } from './weight-sources.ts';

export type { DeltaProgress };

export { DeltaMismatchError };

export async function modelsDelta(baseDir: string, modelDir: string, onTensor?: DeltaProgress): Promise<DeltaReport> {
  const [base, model] = await openPair(baseDir, modelDir);
  try {
    return await weightsDelta(base, model, { base: { dir: baseDir, format: base.format }, model: { dir: modelDir, format: model.format }, names: base.format === 'hf' && model.format === 'hf' ? 'hf' : 'mlc' }, onTensor);
  } finally {
    await Promise.all([base.close(), model.close()]);
  }
}

export async function adapterDelta(adapterDir: string, onModule?: DeltaProgress): Promise<DeltaReport> {
  const cfgFile = path.join(adapterDir, ADAPTER_CONFIG_FILE);
  const weightsFile = path.join(adapterDir, ADAPTER_WEIGHTS_FILE);
  if (!existsSync(weightsFile)) throw new ArtifactMissingError(weightsFile, 'no such file (a PEFT adapter folder holds adapter_config.json and adapter_model.safetensors)');
  const cfg = parseLoraConfig(readJson(cfgFile), cfgFile);
  const src = await openFileByteSource(weightsFile);
  try {
    const header = await readSafetensorsHeader(src);
    const modules = pairLoraTensors([...header.tensors.keys()], weightsFile);
    const acc = new DeltaAccumulator();
    let done = 0;
    for (const m of modules) {
      const sa = header.tensors.get(m.a)!.shape;
      const sb = header.tensors.get(m.b)!.shape;
      const { r, scale } = loraScale(cfg, m.module);
      if (sa.length !== 2 || sb.length !== 2 || sa[0] !== r || sb[1] !== r) {
        throw new ArtifactCorruptError(weightsFile, `lora_A [${sa.join(', ')}] and lora_B [${sb.join(', ')}] do not fit rank ${r} (adapter_config.json)`, m.module);
      }
      const a = await readSafetensorsTensor(src, header, m.a);
      const b = await readSafetensorsTensor(src, header, m.b);
      const { sum, max } = loraDeltaAbs(a, b, r, sa[1], sb[0], scale);
      acc.add(`${m.module}.weight`, [sb[0], sa[1]], sum, max, sb[0] * sa[1]);
      onModule?.(++done, modules.length, m.module);
    }
    return acc.report('adapter', { adapter: adapterDir, r: cfg.r, alpha: cfg.alpha, rslora: cfg.rslora, scale: cfg.rslora ? cfg.alpha / Math.sqrt(cfg.r) : cfg.alpha / cfg.r, baseModel: cfg.baseModel });
  } finally {
    await src.close();
  }
}
