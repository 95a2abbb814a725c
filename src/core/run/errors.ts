import { FtlabError } from '../errors.ts';

/** An evaluation plan that cannot run as written (no models, too few demos, bad shots...). */
export class PlanError extends FtlabError {
  constructor(message: string, hint = 'fix the evaluation plan') {
    super('plan-invalid', message, hint);
  }
}

/** The run stopped because samples kept failing in a row: something is wrong beyond one prompt. */
export class RunFailedError extends FtlabError {
  constructor(count: number, last: string, options?: { cause?: unknown }) {
    super(
      'run-failed',
      `${count} samples failed in a row; the last error: ${last}`,
      'the records so far are stored; fix the cause (model, engine, prompts) and run the plan again to resume',
      options,
    );
  }
}
