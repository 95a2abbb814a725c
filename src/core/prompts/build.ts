/**
 * Prompts exactly as the paper builds them (evaluate_cross.py, train.py):
 *
 *   context   = ''.join(template.format_map(d) + d["output"] + "\n\n" for d in demos[:k])
 *   zero-shot = "<s> " + template.format_map(x)      → here: text = template(x), bos = true
 *   k-shot    = context + template.format_map(x)     → bos = false (add_special_tokens=False)
 *   FTICL/FT training source = context + template(x) / template(x), map 0, tokenized with the
 *   tokenizer's defaults → bos = true.
 *
 * Demos come from a pool: the first k in file order (the paper), or k sampled with a seed.
 * Every prompt reports its Llama-2 token count, whether it fits the context window with the
 * new-token budget (a flagged warning, not an error: callers that must refuse use
 * assertPromptFits), and any demo that is the item being asked.
 */
import { ContextWindowExceededError } from '../engine-errors.ts';
import { PAPER_PROTOCOL } from '../datasets/protocol.ts';
import { DemoPoolError } from '../datasets/errors.ts';
import { sharedFields } from '../datasets/overlap.ts';
import { sampleDemos, seedFrom } from '../datasets/sample.ts';
import type { TaskItem } from '../datasets/types.ts';
import { compileTemplate, formatMap, type CompiledTemplate } from '../tasks/format-map.ts';
import { templateOf } from '../tasks/paper-tasks.ts';
import type { TaskDefinition } from '../tasks/types.ts';
import { countTokensWithin } from '../tokenizer/llama.ts';
import { PromptOptionsError } from './errors.ts';
import type { BuiltPrompt, DemoSelection, PromptFit, PromptMode, PromptOverlap, PromptWarning } from './types.ts';

export const PAPER_BOS_TEXT = '<s> ';

export interface BuildPromptOptions {
  mode: PromptMode;
  /** k demos; 0 (or omitted) for zero-shot, at least 1 for icl and fticl. */
  shots?: number;
  /** The demo pool (a few-shot file's items, or any dataset with `selection: sampled`). */
  demos?: readonly TaskItem[];
  /** The task the demos belong to, if not the item's (e.g. another task's FTICL pool). */
  demoTask?: TaskDefinition;
  /** Template index (0, 1 for the paper's tasks) or a template string. Default 0. */
  template?: number | string;
  /** Default: the first k (the paper). */
  selection?: DemoSelection;
  /** Count Llama-2 tokens (and check the window). Default true. */
  countTokens?: boolean;
  /** Default 60 (the paper's generation budget). */
  maxNewTokens?: number;
  /** Default 4096 (Llama-2). */
  contextWindow?: number;
  /** Default 1024 (train.py's model_max_length). */
  trainMaxLength?: number;
}

export interface BuildPromptsOptions extends BuildPromptOptions {
  /** First item (0-based position in `items`). Default 0. */
  offset?: number;
  /** How many items from offset. Default: all. */
  limit?: number;
}

/** One prompt for one item. */
export function buildPrompt(task: TaskDefinition, item: TaskItem, opts: BuildPromptOptions): BuiltPrompt {
  return createPromptBuilder(task, opts)(item);
}

/** Prompts for items[offset .. offset+limit), sharing the demo context and its token count. */
export function buildPrompts(task: TaskDefinition, items: readonly TaskItem[], opts: BuildPromptsOptions): BuiltPrompt[] {
  const offset = opts.offset ?? 0;
  const limit = opts.limit ?? items.length;
  if (!Number.isInteger(offset) || offset < 0) throw new PromptOptionsError(`offset ${offset} is not a whole number >= 0`, 'use --offset 0 or more');
  if (!Number.isInteger(limit) || limit < 0) throw new PromptOptionsError(`limit ${limit} is not a whole number >= 0`, 'use --limit 0 or more');
  const build = createPromptBuilder(task, opts);
  return items.slice(offset, offset + limit).map(build);
}

/** The demo context: template(d) + d.output + "\n\n" for each demo, in order. */
export function buildContext(template: string | CompiledTemplate, demos: readonly TaskItem[]): string {
  let context = '';
  for (const d of demos) context += formatMap(template, d.fields) + d.output + '\n\n';
  return context;
}

/** Throws ContextWindowExceededError when a counted prompt + its new tokens do not fit. */
export function assertPromptFits(p: BuiltPrompt): void {
  if (p.fit && !p.fit.fits && p.tokens !== undefined) throw new ContextWindowExceededError(p.tokens, p.fit.maxNewTokens, p.fit.contextWindow);
}

/**
 * A function building the prompt of any item of `task` under fixed options: options are checked
 * once, and with first-k demos the context and its token count are computed once.
 */
export function createPromptBuilder(task: TaskDefinition, opts: BuildPromptOptions): (item: TaskItem) => BuiltPrompt {
  const mode = opts.mode;
  if (mode !== 'zero-shot' && mode !== 'icl' && mode !== 'fticl') {
    throw new PromptOptionsError(`unknown prompt mode ${JSON.stringify(mode)}`, 'use zero-shot, icl or fticl');
  }
  const shots = opts.shots ?? 0;
  if (!Number.isInteger(shots) || shots < 0) throw new PromptOptionsError(`shots ${shots} is not a whole number >= 0`, 'use 0 or more shots');
  if (mode === 'zero-shot' && shots !== 0) throw new PromptOptionsError(`zero-shot prompts take no demos (shots ${shots} asked)`, 'use mode icl for k-shot prompts');
  if (mode !== 'zero-shot' && shots === 0) {
    throw new PromptOptionsError(`mode ${mode} needs at least 1 shot`, mode === 'icl' ? 'use mode zero-shot for 0-shot prompts (they start with BOS)' : 'for FT training sources without demos use trainingExample(..., {mode: "ft"})');
  }
  const pool = opts.demos ?? [];
  if (shots > 0 && opts.demos === undefined) throw new PromptOptionsError(`${shots}-shot prompts need a demo pool`, 'pass the few-shot file as demos');
  const selection: DemoSelection = opts.selection ?? { kind: 'first' };
  if (selection.kind === 'first' && pool.length < shots) {
    throw new DemoPoolError(`the demo pool has ${pool.length} items, ${shots} asked`, 'use fewer shots or a larger pool');
  }

  const templateKey = opts.template ?? 0;
  const itemTemplate = compileTemplate(templateOf(task, templateKey));
  const demoTask = opts.demoTask ?? task;
  if (demoTask !== task && typeof templateKey === 'string') {
    throw new PromptOptionsError('a custom template cannot be used with demos of another task', 'pick a template index, which applies to both tasks');
  }
  const demoTemplate = demoTask === task ? itemTemplate : compileTemplate(templateOf(demoTask, templateKey));
  const sameTask = demoTask === task;

  const count = opts.countTokens ?? true;
  const contextWindow = opts.contextWindow ?? PAPER_PROTOCOL.contextWindow;
  const maxNewTokens = opts.maxNewTokens ?? PAPER_PROTOCOL.maxNewTokens;
  const trainMaxLength = opts.trainMaxLength ?? PAPER_PROTOCOL.trainMaxLength;
  const bos = mode !== 'icl';

  // First-k demos are the same for every item: build the context (and count it) once.
  const fixedDemos = selection.kind === 'first' ? pool.slice(0, shots) : undefined;
  const fixedContext = fixedDemos ? buildContext(demoTemplate, fixedDemos) : undefined;
  let fixedContextTokens: { count: number; complete: boolean } | undefined;

  return (item: TaskItem): BuiltPrompt => {
    let demos: readonly TaskItem[];
    let context: string;
    if (fixedDemos && fixedContext !== undefined) {
      demos = fixedDemos;
      context = fixedContext;
    } else {
      const seed = selection.kind === 'sampled' ? selection.seed : 0;
      demos = sampleDemos(pool, shots, seedFrom(seed, item.source, item.index), sameTask ? { exclude: item, task } : {});
      context = buildContext(demoTemplate, demos);
    }
    const question = formatMap(itemTemplate, item.fields);
    const text = context + question;

    const overlap: PromptOverlap[] = [];
    const warnings: PromptWarning[] = [];
    if (sameTask) {
      demos.forEach((d) => {
        const same = sharedFields(task, d, item);
        if (same.length === 0) return;
        const identical = same.length === task.inputFields.length;
        const outputMatches = d.output === item.output;
        overlap.push({ demoIndex: d.index, demoSource: d.source, identical, sameFields: same, outputMatches });
        warnings.push(
          identical
            ? { code: 'demo-is-item', message: `demo ${d.index} of ${d.source} is the item being asked (same ${same.join(', ')})${outputMatches ? ', answer included' : ''}` }
            : { code: 'demo-shares-input', message: `demo ${d.index} of ${d.source} shares ${same.join(', ')} with the item being asked` },
        );
      });
    }

    let tokens: number | undefined;
    let tokensAtLeast = false;
    let fit: PromptFit | undefined;
    if (count) {
      // Counting stops once the prompt is known not to fit (and to pass train.py's length):
      // a huge item costs a bounded amount of tokenizing, and its count is then a lower bound.
      const budget = Math.max(contextWindow - maxNewTokens, trainMaxLength);
      let counted: { count: number; complete: boolean };
      if (context.length > 0 && context.endsWith('\n')) {
        // No Llama-2 piece contains "\n" (it is a byte-fallback token), so text after it
        // tokenizes on its own, without the dummy prefix space: count the context once.
        const contextCount = fixedDemos ? (fixedContextTokens ??= countTokensWithin(context, budget)) : countTokensWithin(context, budget);
        const head = (bos ? 1 : 0) + contextCount.count;
        if (!contextCount.complete) counted = { count: head, complete: false };
        else {
          const rest = countTokensWithin(question, budget - head, { addPrefixSpace: false });
          counted = { count: head + rest.count, complete: rest.complete };
        }
      } else {
        counted = countTokensWithin(text, budget, { bos });
      }
      tokens = counted.count;
      tokensAtLeast = !counted.complete;
      fit = {
        contextWindow,
        maxNewTokens,
        fits: tokens + maxNewTokens <= contextWindow,
        trainMaxLength,
        exceedsTrainMaxLength: tokens > trainMaxLength,
      };
      if (!fit.fits) {
        warnings.push({
          code: 'exceeds-context-window',
          message: `prompt (${tokensAtLeast ? 'at least ' : ''}${tokens} tokens) + ${maxNewTokens} new tokens exceed the ${contextWindow}-token context window`,
        });
      }
      if (mode === 'fticl' && fit.exceedsTrainMaxLength) {
        warnings.push({
          code: 'exceeds-train-max-length',
          message: `training source (${tokensAtLeast ? 'at least ' : ''}${tokens} tokens) is longer than train.py's max length ${trainMaxLength}: the paper's trainer truncated it`,
        });
      }
    }

    return {
      index: item.index,
      ...(item.idx !== undefined ? { idx: item.idx } : {}),
      mode,
      shots,
      template: typeof templateKey === 'string' ? 'custom' : templateKey,
      text,
      bos,
      paperText: mode === 'zero-shot' ? PAPER_BOS_TEXT + text : text,
      ...(tokens !== undefined ? { tokens } : {}),
      ...(tokensAtLeast ? { tokensAtLeast: true as const } : {}),
      reference: item.output,
      demos: demos.map((d) => ({ source: d.source, index: d.index })),
      overlap,
      ...(fit ? { fit } : {}),
      warnings,
    };
  };
}
