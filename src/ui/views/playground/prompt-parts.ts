/**
 * The exact prompt, cut into the parts the prompt view shows apart: BOS, each demonstration, and
 * the item's own part. Pure: the parts are recomputed from the same template and items the core
 * used, and checked to add up to the prompt's text (else the text is shown as one part).
 */
import type { TaskItem } from '../../../core/datasets/types.ts';
import { formatMap } from '../../../core/tasks/format-map.ts';
import { templateOf } from '../../../core/tasks/paper-tasks.ts';
import type { TaskDefinition } from '../../../core/tasks/types.ts';

export type PromptPart = { kind: 'bos' } | { kind: 'demo'; n: number; text: string } | { kind: 'item'; text: string };

export function promptParts(text: string, bos: boolean, task: TaskDefinition, template: number, demos: readonly TaskItem[]): PromptPart[] {
  const tpl = templateOf(task, template);
  const parts: PromptPart[] = bos ? [{ kind: 'bos' }] : [];
  const demoTexts = demos.map((d) => formatMap(tpl, d.fields) + d.output + '\n\n');
  const context = demoTexts.join('');
  if (!text.startsWith(context)) return [...parts, { kind: 'item', text }];
  demoTexts.forEach((t, i) => parts.push({ kind: 'demo', n: i + 1, text: t }));
  parts.push({ kind: 'item', text: text.slice(context.length) });
  return parts;
}

/**
 * Text with its whitespace made visible: a middle dot for each space, an arrow for each newline
 * (the newline itself is kept so lines still break), a tab arrow for tabs.
 */
export function visibleWhitespace(text: string): string {
  return text.replace(/ /g, '·').replace(/\t/g, '→').replace(/\n/g, '↵\n');
}
