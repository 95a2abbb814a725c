/** `ftlab logprobs`: the top-k next-token log-probs after a prompt, as JSON. */
import { defineCommand, opt } from '../define.ts';
import { ENGINE_OPTIONS, openEngine } from './engine-options.ts';

export const logprobsCommand = defineCommand({
  name: 'logprobs',
  summary: 'top-k next-token log-probs after a prompt, as JSON (--engine cpu)',
  options: {
    ...ENGINE_OPTIONS,
    prompt: opt.string('prompt text', { value: 'TEXT', required: true, allowEmpty: true }),
    bos: opt.flag('start the prompt with BOS'),
    top: opt.int('how many tokens (default 10)', { min: 1, max: 1000, default: 10 }),
  },
  async run(values, _positionals, io) {
    const { engine } = await openEngine(values);
    const input = { text: values.prompt, bos: values.bos };
    const ids = await engine.tokenize(values.prompt, { bos: values.bos });
    const r = await engine.scoreNext(input, [], { topK: values.top });
    io.out(JSON.stringify({ promptTokens: r.promptTokens, promptIds: ids, top: r.top ?? [] }) + '\n');
    return 0;
  },
});
