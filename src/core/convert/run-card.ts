/**
 * The run card train/ writes beside an adapter (`ftlab-run-card.json`): every setting, the
 * training data's hash and the library versions. `ftlab convert --run-card` reads the part the
 * manifest needs (base model, method, training set, shots, template) and copies the card into
 * the converted folder, so a result can be traced back to how its model was trained.
 */
import { FtlabError } from '../errors.ts';
import { TRAINING_METHODS, type ManifestTraining, type TrainingMethod } from '../manifest.ts';

export const RUN_CARD_FILE = 'ftlab-run-card.json';
export const RUN_CARD_SCHEMA = 'ftlab-run-card';

export interface RunCardIdentity {
  modelId: string | undefined;
  baseModel: string;
  method: TrainingMethod;
  training: ManifestTraining | null;
  template: number | null;
}

export class RunCardInvalidError extends FtlabError {
  constructor(file: string, detail: string) {
    super('run-card-invalid', `${file}: ${detail}`, 'pass the ftlab-run-card.json that train/ftlab_train.py wrote beside the adapter');
  }
}

export function parseRunCard(json: unknown, file = RUN_CARD_FILE): RunCardIdentity {
  if (!json || typeof json !== 'object' || Array.isArray(json)) throw new RunCardInvalidError(file, 'expected a JSON object');
  const c = json as Record<string, unknown>;
  if (c.schema !== RUN_CARD_SCHEMA) throw new RunCardInvalidError(file, `"schema" must be "${RUN_CARD_SCHEMA}", got ${JSON.stringify(c.schema)}`);
  if (typeof c.baseModel !== 'string' || c.baseModel === '') throw new RunCardInvalidError(file, '"baseModel" must be a non-empty string');
  const method = c.method;
  if (typeof method !== 'string' || !(TRAINING_METHODS as readonly string[]).includes(method)) {
    throw new RunCardInvalidError(file, `"method" must be one of ${TRAINING_METHODS.join(', ')}, got ${JSON.stringify(method)}`);
  }
  const data = c.data as Record<string, unknown> | undefined;
  let training: ManifestTraining | null = null;
  if (method !== 'base') {
    if (!data || typeof data.dataset !== 'string' || typeof data.examples !== 'number') {
      throw new RunCardInvalidError(file, '"data" must give {dataset, examples, shots} for a fine-tuned model');
    }
    training = { dataset: data.dataset, size: data.examples, shots: typeof data.shots === 'number' ? data.shots : 0 };
  }
  const template = data && (data.template === 0 || data.template === 1) ? data.template : method === 'base' ? null : 0;
  return {
    modelId: typeof c.modelId === 'string' && c.modelId !== '' ? c.modelId : undefined,
    baseModel: c.baseModel,
    method: method as TrainingMethod,
    training,
    template,
  };
}
