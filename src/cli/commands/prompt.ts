/**
 * `ftlab prompt`: the exact prompts the paper's evaluation builds for a dataset file, one JSON
 * object per line: {index, prompt, bos, tokens, reference, labels?, labelTokenIds?,
 * paperLabelTokenIds?, overlap?, warnings?}.
 *
 * `prompt` is the text WITHOUT the paper's literal "<s> " (bos says whether BOS comes first);
 * `tokens` counts Llama-2 tokens, BOS included (a lower bound, with `tokensAtLeast: true`, for a
 * prompt that cannot fit the context window: counting stops there). For classification tasks, `labelTokenIds` are
 * the labels' first tokens in context (tokenize prompt and prompt+label with llama-tokenizer-js)
 * and `paperLabelTokenIds` the paper's fixed ids; they differ where the prompt ends in a space.
 * icl and fticl need --demos (the few-shot file); there is no implicit default.
 */
import { createPromptBuilder } from '../../core/prompts/index.ts';
import { isClassification } from '../../core/tasks/index.ts';
import { resolveLabelIds } from '../../core/scoring/index.ts';
import { defineCommand, opt } from '../define.ts';
import { readDataset } from '../support/input.ts';
import { DATA_DESCRIPTION, promptOptions, resolvePromptSettings, selectItems, taskOption } from '../support/prompt-options.ts';

export const promptCommand = defineCommand({
  name: 'prompt',
  summary: 'print the paper\'s prompts for a dataset file, one JSON object per line',
  options: {
    data: opt.string(DATA_DESCRIPTION, { value: 'FILE', required: true }),
    task: taskOption('summary | question | sentiment | detection | inference', { required: true }),
    ...promptOptions(),
  },
  async run(values, _positionals, io) {
    const task = values.task;
    const s = resolvePromptSettings('prompt', values, task);
    const items = selectItems('prompt', await readDataset(values.data, task), values.data, s);
    const demos = s.demosFile ? await readDataset(s.demosFile, task) : undefined;
    const build = createPromptBuilder(task, { mode: s.mode, shots: s.shots, demos, template: s.template });
    for (const item of items) {
      const p = build(item);
      const line: Record<string, unknown> = { index: p.index, prompt: p.text, bos: p.bos, tokens: p.tokens, ...(p.tokensAtLeast ? { tokensAtLeast: true } : {}), reference: p.reference };
      const warnings = p.warnings.map((w) => w.message);
      if (isClassification(task) && p.tokensAtLeast) {
        line.labels = [...task.labels];
        warnings.push('label ids in context not derived: the prompt cannot fit the context window');
      } else if (isClassification(task)) {
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
});
