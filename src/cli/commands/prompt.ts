/**
 * `ftlab prompt`: the exact prompts the paper's evaluation builds for a dataset file, one JSON
 * object per line: {index, prompt, bos, tokens, reference, labels?, labelTokenIds?,
 * paperLabelTokenIds?, overlap?, warnings?}.
 *
 * `prompt` is the text WITHOUT the paper's literal "<s> " (bos says whether BOS comes first);
 * `tokens` counts Llama-2 tokens, BOS included. For classification tasks, `labelTokenIds` are
 * the labels' first tokens in context (tokenize prompt and prompt+label with llama-tokenizer-js)
 * and `paperLabelTokenIds` the paper's fixed ids; they differ where the prompt ends in a space.
 * icl and fticl need --demos (the few-shot file); there is no implicit default.
 */
import { createPromptBuilder, PROMPT_MODES, type PromptMode } from '../../core/prompts/index.ts';
import { getTask, isClassification } from '../../core/tasks/index.ts';
import { resolveLabelIds } from '../../core/scoring/index.ts';
import type { CliCommand } from '../types.ts';
import { CliOptionError } from '../support/errors.ts';
import { intOption, readDataset } from '../support/input.ts';

const MODES: readonly PromptMode[] = PROMPT_MODES;

export const promptCommand: CliCommand = {
  name: 'prompt',
  summary: 'print the paper\'s prompts for a dataset file, one JSON object per line',
  options: {
    data: { type: 'string', description: 'dataset file (JSON array, JSONL or CSV)' },
    task: { type: 'string', description: 'summary | question | sentiment | detection | inference' },
    mode: { type: 'string', description: 'zero-shot (default without --shots) | icl (default with --shots) | fticl' },
    shots: { type: 'string', description: 'k demonstrations (icl/fticl; needs --demos)' },
    demos: { type: 'string', description: 'few-shot file the first k demos come from' },
    template: { type: 'string', description: 'prompt map 0 (default) or 1' },
    offset: { type: 'string', description: 'first item (0-based position in --data); default 0' },
    limit: { type: 'string', description: 'how many items; default all' },
  },
  async run(values, _positionals, io) {
    const fail = (msg: string): CliOptionError => new CliOptionError('prompt', msg);
    const data = values.data as string | undefined;
    const taskId = values.task as string | undefined;
    if (!data) throw fail('--data FILE is required');
    if (!taskId) throw fail('--task TASK is required');
    const task = getTask(taskId);
    const shots = intOption(values.shots as string | undefined, 'shots', fail, 0, 64);
    const modeArg = values.mode as string | undefined;
    if (modeArg !== undefined && !(MODES as readonly string[]).includes(modeArg)) throw fail(`--mode must be one of ${MODES.join(', ')}, not "${modeArg}"`);
    const mode: PromptMode = (modeArg as PromptMode | undefined) ?? (shots ? 'icl' : 'zero-shot');
    const demosFile = values.demos as string | undefined;
    if (mode !== 'zero-shot' && !shots) throw fail(`--mode ${mode} needs --shots K (K >= 1)`);
    if (shots && !demosFile) throw fail(`--shots ${shots} needs --demos FILE (the few-shot file the demonstrations come from)`);
    if (mode === 'zero-shot' && shots) throw fail('--mode zero-shot takes no --shots');
    const template = intOption(values.template as string | undefined, 'template', fail, 0, task.templates.length - 1) ?? 0;
    const offset = intOption(values.offset as string | undefined, 'offset', fail) ?? 0;
    const limit = intOption(values.limit as string | undefined, 'limit', fail);

    const items = await readDataset(data, task);
    const demos = demosFile ? await readDataset(demosFile, task) : undefined;
    const build = createPromptBuilder(task, { mode, shots: shots ?? 0, demos, template });
    for (const item of items.slice(offset, limit === undefined ? undefined : offset + limit)) {
      const p = build(item);
      const line: Record<string, unknown> = { index: p.index, prompt: p.text, bos: p.bos, tokens: p.tokens, reference: p.reference };
      const warnings = p.warnings.map((w) => w.message);
      if (isClassification(task)) {
        const ids = await resolveLabelIds({ task, prompt: p.text, bos: p.bos, mode: 'in-context' }); // Llama-2 tokenizer by default
        line.labels = [...task.labels];
        line.labelTokenIds = ids.inContextIds;
        if (ids.paperIds) line.paperLabelTokenIds = ids.paperIds;
        warnings.push(...ids.warnings.map((w) => w.message));
      }
      if (p.overlap.length > 0) line.overlap = p.overlap;
      if (warnings.length > 0) line.warnings = warnings;
      io.out(JSON.stringify(line) + '\n');
    }
    return 0;
  },
};
