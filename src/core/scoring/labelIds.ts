/**
 * Which token ids stand for the labels of a classification task.
 *
 * Two modes:
 * - 'paper': the fixed Llama-2 ids of evaluate_cross.py, kept in the task definitions
 *   (sentiment [1066, 22198], inference [296, 17821, 9996], detection [3582, 1217], in the
 *   task's label order; evaluate_cross.py compares raw logits there). They are the first
 *   tokens of each label glued straight after a prompt ending in ':' (map 0).
 * - 'in-context': derived from the tokenizer for THIS prompt: tokenize prompt and prompt+label;
 *   the label's first token is the first token after their common prefix. For map 0 this gives
 *   exactly the paper's ids; for map 1 inference ("The relation is ") the prompt's trailing
 *   space merges into the label ("▁ent"), so the ids differ and we say so.
 */
import type { TaskDefinition } from '../tasks/index.ts';
import { encode as llamaEncode } from '../tokenizer/index.ts';
import { LabelTokenError, NoPaperLabelIdsError } from './errors.ts';

/** Anything that turns text into token ids: llama-tokenizer-js, an engine's own tokenizer. */
export interface LabelTokenizer {
  encode(text: string, opts: { bos: boolean }): number[] | Promise<number[]>;
}

export type LabelIdMode = 'paper' | 'in-context';

/** The Llama-2 tokenizer (llama-tokenizer-js): the default, as the paper's models are Llama-2. */
export const llamaLabelTokenizer: LabelTokenizer = { encode: (text, opts) => llamaEncode(text, { bos: opts.bos }) };

/** What label resolution needs of a task (the paper's ids live in the task definitions). */
export type LabelTask = Pick<TaskDefinition, 'id' | 'labels' | 'paperLabelTokenIds'>;

/** The paper's fixed first-token ids of a task's labels, in label order. */
export function paperLabelTokenIds(task: LabelTask): number[] {
  const ids = task.paperLabelTokenIds;
  if (!ids || ids.length !== task.labels.length) throw new NoPaperLabelIdsError(task.id);
  return [...ids];
}

/** A label's tokens as they fall after the prompt. */
export interface InContextLabelTokens {
  label: string;
  /** The label's tokens after the common prefix of tokenize(prompt) and tokenize(prompt+label). */
  ids: number[];
  /** Length of that common prefix (in tokens of prompt+label). */
  prefixLength: number;
  /**
   * How many of the prompt's own last tokens the label absorbed (0 when tokenize(prompt) is a
   * prefix of tokenize(prompt+label), as for map 0). Non-zero for a prompt ending in a space.
   */
  absorbedPromptTokens: number;
}

function commonPrefixLength(a: readonly number[], b: readonly number[]): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a[i] === b[i]) i++;
  return i;
}

/** Tokenize prompt and prompt+label and return the label's tokens after their common prefix. */
export async function inContextLabelTokens(
  tokenizer: LabelTokenizer,
  prompt: string,
  bos: boolean,
  label: string,
  promptIds?: readonly number[],
): Promise<InContextLabelTokens> {
  if (label.length === 0) throw new LabelTokenError('a label is the empty string');
  const ids = promptIds ?? (await tokenizer.encode(prompt, { bos }));
  const joined = await tokenizer.encode(prompt + label, { bos });
  const prefixLength = commonPrefixLength(ids, joined);
  if (prefixLength >= joined.length) {
    throw new LabelTokenError(`label "${label}" adds no token after the prompt`);
  }
  return { label, ids: joined.slice(prefixLength), prefixLength, absorbedPromptTokens: ids.length - prefixLength };
}

export type LabelIdWarningCode = 'shared-first-token' | 'prompt-ends-in-whitespace' | 'label-absorbs-prompt-tokens' | 'differs-from-paper';

export interface LabelIdWarning {
  code: LabelIdWarningCode;
  message: string;
}

export interface LabelIdResolution {
  mode: LabelIdMode;
  labels: string[];
  /** The ids to compare, in label order (those of `mode`). */
  ids: number[];
  /** The paper's fixed ids, when the task has them. */
  paperIds?: number[];
  /** The in-context first-token ids (computed whenever a tokenizer is given). */
  inContextIds?: number[];
  /** Every label's in-context tokens (for full-label likelihood and for display). */
  inContext?: InContextLabelTokens[];
  /** Token ids of the prompt alone, as the tokenizer gave them. */
  promptIds?: number[];
  warnings: LabelIdWarning[];
}

export interface ResolveLabelIdsInput {
  task: LabelTask;
  prompt: string;
  bos: boolean;
  mode: LabelIdMode;
  /**
   * The model's tokenizer; default the Llama-2 one (llamaLabelTokenizer). With 'paper' mode it
   * adds the in-context ids and the warnings; null skips that ('in-context' mode needs one).
   */
  tokenizer?: LabelTokenizer | null;
}

/**
 * The label ids of one prompt in the chosen mode, with both variants for display and a warning
 * wherever the choice matters (labels sharing a first token, a prompt ending in whitespace,
 * a label absorbing the prompt's last tokens, in-context ids that differ from the paper's).
 */
export async function resolveLabelIds(input: ResolveLabelIdsInput): Promise<LabelIdResolution> {
  const { task, prompt, bos, mode } = input;
  const tokenizer = input.tokenizer === undefined ? llamaLabelTokenizer : input.tokenizer;
  const labels = [...task.labels];
  if (labels.length === 0) throw new LabelTokenError(`task "${task.id}" has no labels: it is a generation task`, 'generate text instead of scoring labels');
  const warnings: LabelIdWarning[] = [];
  const paperIds = task.paperLabelTokenIds?.length === labels.length ? [...task.paperLabelTokenIds] : undefined;

  let inContext: InContextLabelTokens[] | undefined;
  let promptIds: number[] | undefined;
  if (tokenizer) {
    promptIds = await tokenizer.encode(prompt, { bos });
    inContext = [];
    for (const label of labels) inContext.push(await inContextLabelTokens(tokenizer, prompt, bos, label, promptIds));
  } else if (mode === 'in-context') {
    throw new LabelTokenError('in-context label ids need a tokenizer', 'pass the model\'s tokenizer, or use the "paper" label mode');
  }
  const inContextIds = inContext?.map((t) => t.ids[0]);

  if (/\s$/u.test(prompt)) {
    warnings.push({
      code: 'prompt-ends-in-whitespace',
      message: `the prompt ends in whitespace (${JSON.stringify(prompt.slice(-16))}): the paper's fixed ids and the label's in-context first token differ here`,
    });
  }
  const absorbing = inContext?.filter((t) => t.absorbedPromptTokens > 0) ?? [];
  if (absorbing.length > 0) {
    warnings.push({
      code: 'label-absorbs-prompt-tokens',
      message: `label(s) ${absorbing.map((t) => JSON.stringify(t.label)).join(', ')} merge with the prompt's last ${absorbing[0].absorbedPromptTokens} token(s): glued to the prompt, the label starts one position earlier than the prompt's next token`,
    });
  }
  const chosen = mode === 'paper' ? paperIds : inContextIds;
  if (!chosen) {
    if (mode === 'paper') throw new NoPaperLabelIdsError(task.id);
    throw new LabelTokenError('no label ids'); // unreachable: in-context without tokenizer threw above
  }
  const seen = new Map<number, string>();
  for (let i = 0; i < labels.length; i++) {
    const other = seen.get(chosen[i]);
    if (other !== undefined) {
      warnings.push({
        code: 'shared-first-token',
        message: `labels "${other}" and "${labels[i]}" share their first token (${chosen[i]}): first-token scoring cannot tell them apart (the first listed wins); use full-label likelihood`,
      });
    } else seen.set(chosen[i], labels[i]);
  }
  if (paperIds && inContextIds && paperIds.some((id, i) => id !== inContextIds[i])) {
    warnings.push({
      code: 'differs-from-paper',
      message: `in-context first-token ids [${inContextIds.join(', ')}] differ from the paper's fixed ids [${paperIds.join(', ')}] for labels [${labels.join(', ')}]`,
    });
  }
  return { mode, labels, ids: chosen, paperIds, inContextIds, inContext, promptIds, warnings };
}
