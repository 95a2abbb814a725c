/** `ftlab logprobs`: the top-k next-token log-probs after a prompt, as JSON. */
import type { CliCommand } from '../types.ts';
import { CliOptionError } from '../support/errors.ts';
import { intOption } from '../support/input.ts';
import { ENGINE_OPTIONS, openEngine } from './engine-options.ts';

export const logprobsCommand: CliCommand = {
  name: 'logprobs',
  summary: 'top-k next-token log-probs after a prompt, as JSON (--engine cpu)',
  options: {
    ...ENGINE_OPTIONS,
    prompt: { type: 'string', description: 'prompt text' },
    bos: { type: 'boolean', description: 'start the prompt with BOS' },
    top: { type: 'string', description: 'how many tokens (default 10)' },
  },
  async run(values, _positionals, io) {
    const fail = (msg: string) => new CliOptionError('logprobs', msg);
    const prompt = values.prompt as string | undefined;
    if (prompt === undefined) throw fail('--prompt TEXT is required');
    const top = intOption(values.top as string | undefined, 'top', fail, 1, 1000) ?? 10;
    const { engine } = await openEngine('logprobs', values);
    const input = { text: prompt, bos: values.bos === true };
    const ids = await engine.tokenize(prompt, { bos: values.bos === true });
    const r = await engine.scoreNext(input, [], { topK: top });
    io.out(JSON.stringify({ promptTokens: r.promptTokens, promptIds: ids, top: r.top ?? [] }) + '\n');
    return 0;
  },
};
