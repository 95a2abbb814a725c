/**
 * The prompt options every prompt-building command shares (data, task, mode, shots, demos,
 * template, offset, limit): one table, one resolver with one set of checks, one way to pick the
 * items. `prompt` and `classify --data` use all of it; `export-train` and `eval` use the table's
 * value parsers and the same rules where they take the same values.
 */
import path from 'node:path';
import type { TaskItem } from '../../core/datasets/types.ts';
import { PROMPT_MODES, type PromptMode } from '../../core/prompts/index.ts';
import { getTask, type TaskDefinition } from '../../core/tasks/index.ts';
import { opt, OptionValueError, type OptionDef } from '../define.ts';
import { CliOptionError } from './errors.ts';

/** The paper's tasks take at most this many demonstrations (its largest is 7; 64 leaves room). */
export const MAX_SHOTS = 64;

/** --task: a task id, read into its definition (an unknown id names the known ones). */
export function taskOption(description: string, o: { required: true }): OptionDef<TaskDefinition>;
export function taskOption(description: string, o?: { required?: false }): OptionDef<TaskDefinition | undefined>;
export function taskOption(description: string, o: { required?: boolean } = {}): OptionDef<TaskDefinition | undefined> {
  return opt.custom(description, 'TASK', (text, flag) => {
    if (text === undefined) {
      if (o.required) throw new OptionValueError(`${flag} TASK is required`);
      return undefined;
    }
    return getTask(text);
  });
}

export const DATA_DESCRIPTION = 'dataset file (JSON array, JSONL or CSV)';

/**
 * The table of mode, shots, demos, template, offset and limit (each command declares --data and
 * --task itself: whether they are required differs); `prefix` starts each description
 * (classify: "with --data: ").
 */
export function promptOptions(prefix = '') {
  return {
    mode: opt.choice(`${prefix}zero-shot (default without --shots) | icl (default with --shots) | fticl`, PROMPT_MODES),
    shots: opt.int(`${prefix}k demonstrations (icl/fticl; needs --demos)`, { min: 0, max: MAX_SHOTS, value: 'K' }),
    demos: opt.string(`${prefix}few-shot file the first k demonstrations come from`, { value: 'FILE' }),
    template: opt.int(`${prefix}prompt map 0 (default) or 1`, { min: 0, max: 99 }),
    offset: opt.int(`${prefix}first item (0-based position in --data); default 0`, { min: 0, value: 'I' }),
    limit: opt.int(`${prefix}how many items; default all`, { min: 1 }),
  };
}

export interface PromptOptionValues {
  readonly mode: PromptMode | undefined;
  readonly shots: number | undefined;
  readonly demos: string | undefined;
  readonly template: number | undefined;
  readonly offset: number | undefined;
  readonly limit: number | undefined;
}

export interface PromptSettings {
  mode: PromptMode;
  shots: number;
  /** The few-shot file, when the mode takes demonstrations. */
  demosFile: string | undefined;
  template: number;
  offset: number;
  limit: number | undefined;
}

/**
 * One set of rules for mode/shots/demos/template: icl and fticl need k ≥ 1 demonstrations from
 * a file; zero-shot takes none; nothing given is silently ignored.
 */
export function resolvePromptSettings(command: string, v: PromptOptionValues, task: TaskDefinition): PromptSettings {
  const fail = (m: string): CliOptionError => new CliOptionError(command, m);
  const mode = v.mode ?? (v.shots ? 'icl' : 'zero-shot');
  if (mode === 'zero-shot' && v.shots) throw fail(`--mode zero-shot takes no --shots (got ${v.shots})`);
  if (mode !== 'zero-shot' && !v.shots) throw fail(`--mode ${mode} needs --shots K (K ≥ 1)${v.shots === 0 ? ', not 0 (0 shots is --mode zero-shot)' : ''}`);
  if (v.shots && !v.demos) throw fail(`--shots ${v.shots} needs --demos FILE (the few-shot file the demonstrations come from)`);
  if (v.demos !== undefined && !v.shots) throw fail('--demos needs --shots K (how many demonstrations to take from it)');
  const lastTemplate = task.templates.length - 1;
  if (v.template !== undefined && v.template > lastTemplate) throw fail(`--template must be between 0 and ${lastTemplate}, not ${v.template} (task ${task.id} has ${task.templates.length} prompt maps)`);
  return { mode, shots: v.shots ?? 0, demosFile: v.demos, template: v.template ?? 0, offset: v.offset ?? 0, limit: v.limit };
}

/** items[offset .. offset+limit); an offset past the end is an error, not an empty result. */
export function selectItems(command: string, items: readonly TaskItem[], file: string, s: Pick<PromptSettings, 'offset' | 'limit'>): readonly TaskItem[] {
  if (s.offset > 0 && s.offset >= items.length) {
    throw new CliOptionError(command, `--offset ${s.offset} is past the end of ${path.basename(file)} (${items.length} item${items.length === 1 ? '' : 's'}: 0..${items.length - 1})`);
  }
  return items.slice(s.offset, s.limit === undefined ? undefined : s.offset + s.limit);
}

/** Options that mean nothing in the chosen form of a command are refused, not ignored. */
export function refuseUnused(command: string, given: Record<string, unknown>, names: readonly string[], why: string): void {
  for (const name of names) {
    const v = given[name];
    if (v !== undefined && v !== false && !(Array.isArray(v) && v.length === 0)) throw new CliOptionError(command, `--${name} ${why}`);
  }
}
