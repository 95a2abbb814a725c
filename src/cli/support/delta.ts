/**
 * `ftlab delta`'s work: mean |Δw| between two model folders (streamed tensor by tensor) or of a
 * LoRA adapter (ΔW = scale·B·A, one module at a time, one row at a time: core's adapterDelta).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { DeltaReport } from '../../core/delta/stats.ts';
import { adapterDelta as coreAdapterDelta } from '../../core/delta/adapter.ts';
import { ADAPTER_CONFIG_FILE, ADAPTER_WEIGHTS_FILE } from '../../core/delta/lora.ts';
import { ArtifactMissingError } from '../../core/engine-errors.ts';
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
  const config = readJson(cfgFile);
  const src = await openFileByteSource(weightsFile);
  try {
    return await coreAdapterDelta(config, src, { adapter: adapterDir, configFile: cfgFile }, onModule);
  } finally {
    await src.close();
  }
}
