/**
 * `ftlab generate`: greedy generation from a prompt with a local engine. Prints the text, or
 * with --json the whole result (token ids, finish reason, timing).
 */
import type { CliCommand } from '../types.ts';
import { CliOptionError } from '../support/errors.ts';
import { intOption } from '../support/input.ts';
import { ENGINE_OPTIONS, openEngine } from './engine-options.ts';

export const generateCommand: CliCommand = {
  name: 'generate',
  summary: 'greedy generation from a prompt (--engine cpu)',
  options: {
    ...ENGINE_OPTIONS,
    prompt: { type: 'string', description: 'prompt text' },
    bos: { type: 'boolean', description: 'start the prompt with BOS (the paper\'s zero-shot prompts do)' },
    'max-tokens': { type: 'string', description: 'maximum new tokens (default 60, the paper\'s)' },
    stop: { type: 'string', multiple: true, description: 'stop string (repeatable); the text is cut before it' },
    'ignore-eos': { type: 'boolean', description: 'keep generating past the EOS token' },
    json: { type: 'boolean', description: 'print the whole result as JSON' },
  },
  async run(values, _positionals, io) {
    const fail = (msg: string) => new CliOptionError('generate', msg);
    const prompt = values.prompt as string | undefined;
    if (prompt === undefined) throw fail('--prompt TEXT is required');
    const maxTokens = intOption(values['max-tokens'] as string | undefined, 'max-tokens', fail, 0) ?? 60;
    const { engine } = await openEngine('generate', values);
    const result = await engine.generate({
      prompt: { text: prompt, bos: values.bos === true },
      maxTokens,
      stop: (values.stop as string[] | undefined) ?? [],
      stopAtEos: values['ignore-eos'] !== true,
    });
    io.out(values.json ? JSON.stringify(result) + '\n' : result.text + '\n');
    return 0;
  },
};
