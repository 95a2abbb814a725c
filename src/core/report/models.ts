/**
 * What a figure needs to know about a model: base, FT or FTICL, trained on which set and how
 * many examples. From its ftlab-manifest.json when there is one; from its id otherwise (records
 * written by `ftlab eval` carry only the id).
 */
import type { FtlabManifest, TrainingMethod } from '../manifest.ts';

export interface ModelInfo {
  id: string;
  method: TrainingMethod;
  /** Short training-set name ("paws"), for FT and FTICL models. */
  trainingSet?: string;
  /** Training examples (2000, 4000, 6000). */
  trainSize?: number;
  /** Where this came from: the manifest, or a guess from the id. */
  source: 'manifest' | 'id';
}

/** "paws_train_4000" → { set: "paws", size: 4000 }; a bare name is a set without a size. */
function parseTrainingDataset(dataset: string): { set: string; size?: number } {
  const m = /^([a-z0-9]+?)(?:_train)?_(\d+)$/i.exec(dataset);
  return m ? { set: m[1].toLowerCase(), size: Number(m[2]) } : { set: dataset.toLowerCase() };
}

export function modelInfoFromManifest(m: Pick<FtlabManifest, 'id' | 'method' | 'training'>): ModelInfo {
  if (m.method === 'base' || !m.training) return { id: m.id, method: m.method, source: 'manifest' };
  const { set, size } = parseTrainingDataset(m.training.dataset);
  return { id: m.id, method: m.method, trainingSet: set, trainSize: m.training.size || size, source: 'manifest' };
}

/**
 * A guess from an id such as "llama2-7b-fticl-paws4000-q4f16_1" or "ft-amazon-2k": the method
 * from an "fticl" or "ft" word, the training set and size from the word after it. Anything else
 * is a base model.
 */
export function modelInfoFromId(id: string): ModelInfo {
  const words = id.toLowerCase().split(/[-_./]+/);
  const at = words.findIndex((w) => w === 'fticl' || w === 'ft');
  if (at < 0) return { id, method: 'base', source: 'id' };
  const method: TrainingMethod = words[at] === 'fticl' ? 'fticl' : 'ft';
  const next = words[at + 1] ?? '';
  const m = /^([a-z]+)(\d+)(k?)$/.exec(next);
  if (m) return { id, method, trainingSet: m[1], trainSize: Number(m[2]) * (m[3] ? 1000 : 1), source: 'id' };
  const size = /^(\d+)(k?)$/.exec(words[at + 2] ?? '');
  return { id, method, ...(next ? { trainingSet: next } : {}), ...(size ? { trainSize: Number(size[1]) * (size[2] ? 1000 : 1) } : {}), source: 'id' };
}

/** "base", "FT on paws (4k)", "FTICL on xsum". */
export function modelGroupLabel(info: Pick<ModelInfo, 'method' | 'trainingSet'>): string {
  if (info.method === 'base') return 'base';
  const name = info.method === 'ft' ? 'FT' : 'FTICL';
  return info.trainingSet ? `${name} on ${info.trainingSet}` : name;
}
