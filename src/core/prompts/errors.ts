import { FtlabError } from '../errors.ts';

/** Prompt options that contradict each other or the pool (shots without demos, ...). */
export class PromptOptionsError extends FtlabError {
  constructor(message: string, hint: string) {
    super('prompt-options', message, hint);
  }
}
