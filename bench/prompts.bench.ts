/**
 * Prompt-building throughput: prompts/s and MB/s of prompt text, for 0-shot and the largest
 * ICL shot count, with and without Llama-2 token counting, as ratios to a plain template fill
 * (string replace, no checks) measured in the same run on the same items.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { catalogueEntry, parseDataset, type TaskItem } from '../src/core/datasets/index.ts';
import { buildPrompts, type BuildPromptsOptions } from '../src/core/prompts/index.ts';
import { getTask, type TaskDefinition } from '../src/core/tasks/index.ts';
import { PAPER_DATA } from '../test/helpers/paths.ts';

function load(id: string): { task: TaskDefinition; items: readonly TaskItem[] } {
  const e = catalogueEntry(id);
  const task = getTask(e.task);
  return { task, items: parseDataset(readFileSync(path.join(PAPER_DATA, e.path), 'utf8'), { task, source: id }).items };
}

/** Best of `rounds` timings of fn (ms), with the total characters it produced. */
function time(fn: () => number, rounds: number): { ms: number; chars: number } {
  let best = Infinity;
  let chars = 0;
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    chars = fn();
    best = Math.min(best, performance.now() - t0);
  }
  return { ms: best, chars };
}

function plainFill(template: string, demos: readonly TaskItem[], items: readonly TaskItem[], shots: number): number {
  const fill = (x: TaskItem) => template.replace(/\{(\w+)\}/g, (_, k: string) => x.fields[k]);
  let context = '';
  for (const d of demos.slice(0, shots)) context += fill(d) + d.output + '\n\n';
  let chars = 0;
  for (const x of items) chars += (context + fill(x)).length;
  return chars;
}

export default async function run(): Promise<void> {
  const N = 250;
  const cases = [
    { name: 'sst2 (short)', test: 'sst2_test_500', pool: 'sst2_few_shot', shots: 6 },
    { name: 'cnn (long)', test: 'cnn_test_500', pool: 'cnn_few_shot', shots: 4 },
  ];
  const rows: string[][] = [['case', 'mode', 'tokens', 'prompts/s', 'MB/s', 'x plain fill']];
  for (const c of cases) {
    const { task, items: all } = load(c.test);
    const demos = load(c.pool).items;
    const items = all.slice(0, N);
    for (const shots of [0, c.shots]) {
      const base = time(() => plainFill(task.templates[0], demos, items, shots), 20);
      const opts: BuildPromptsOptions = shots === 0 ? { mode: 'zero-shot' } : { mode: 'icl', shots, demos };
      for (const countTokens of [false, true]) {
        const r = time(() => buildPrompts(task, items, { ...opts, countTokens }).reduce((n, p) => n + p.text.length, 0), countTokens ? 2 : 20);
        rows.push([
          c.name,
          shots === 0 ? '0-shot' : `${shots}-shot`,
          countTokens ? 'counted' : 'off',
          ((items.length / r.ms) * 1000).toFixed(0),
          ((r.chars / 1e6 / r.ms) * 1000).toFixed(1),
          (base.ms / r.ms).toPrecision(3),
        ]);
      }
      rows.push([c.name, shots === 0 ? '0-shot' : `${shots}-shot`, 'plain fill', ((items.length / base.ms) * 1000).toFixed(0), ((base.chars / 1e6 / base.ms) * 1000).toFixed(1), '1.000']);
    }
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  for (const r of rows) console.log(r.map((c, i) => c.padEnd(widths[i])).join('  '));
  console.log('(MB = 1e6 UTF-16 code units of prompt text; best of 20 rounds, 2 with token counting; ratio = plain-fill time / build time.\n V8 concatenates strings as ropes, so the plain fill never copies the shared context: a flattering baseline.)');
}
