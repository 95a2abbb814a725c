import { FtlabError } from '../errors.ts';

/** A label whose tokens cannot be placed after the prompt (empty label, tokenizer mismatch). */
export class LabelTokenError extends FtlabError {
  constructor(message: string, hint = 'check the task\'s label list and that the tokenizer matches the model') {
    super('label-token', message, hint);
  }
}

/** No fixed paper token ids exist for this task (the paper only fixed them for its three classification tasks). */
export class NoPaperLabelIdsError extends FtlabError {
  constructor(task: string) {
    super(
      'no-paper-label-ids',
      `the paper fixed no label token ids for task "${task}"`,
      'use the "in-context" label mode, which derives ids from the tokenizer',
    );
  }
}
