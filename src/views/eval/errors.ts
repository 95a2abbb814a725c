/** The Evaluate panel's own errors (the planner's, the parser's and the store's come from core and store). */
import { FtlabError } from '../../core/errors.ts';

/** A plan form value the plan cannot take (shots, first N items, max new tokens, seed). */
export class PlanFormError extends FtlabError {
  constructor(message: string, hint: string) {
    super('plan-form-invalid', message, hint);
  }
}

/** The plan names a model other than the one loaded in the worker (the panel runs on the loaded model only). */
export class EvalModelNotLoadedError extends FtlabError {
  constructor(wanted: string, loaded: string | null) {
    super(
      'eval-model-not-loaded',
      loaded ? `the plan runs on "${wanted}" but "${loaded}" is loaded` : `the plan runs on "${wanted}" but no model is loaded`,
      'load the model in panel 1, then press Run again (stored samples are kept and skipped)',
    );
  }
}
