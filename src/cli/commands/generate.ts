/**
 * `ftlab generate`: greedy generation from a prompt with a local engine. Prints the text, or
 * with --json the whole result (token ids, finish reason, timing).
 */
import { defineCommand, opt } from '../define.ts';
import { ENGINE_OPTIONS, openEngine } from './engine-options.ts';

export const generateCommand = defineCommand({
  name: 'generate',
  summary: 'greedy generation from a prompt (--engine cpu)',
  options: {
    ...ENGINE_OPTIONS,
    prompt: opt.string('prompt text', { value: 'TEXT', required: true, allowEmpty: true }),
    bos: opt.flag('start the prompt with BOS (the paper\'s zero-shot prompts do)'),
    'max-tokens': opt.int('maximum new tokens, at least 1 (default 60, the paper\'s)', { min: 1, default: 60 }),
    stop: opt.strings('stop string (repeatable); the text is cut before it', { value: 'TEXT' }),
    'ignore-eos': opt.flag('keep generating past the EOS token'),
    json: opt.flag('print the whole result as JSON'),
  },
  async run(values, _positionals, io) {
    const { engine } = await openEngine(values);
    const result = await engine.generate({
      prompt: { text: values.prompt, bos: values.bos },
      maxTokens: values['max-tokens'],
      stop: values.stop,
      stopAtEos: !values['ignore-eos'],
    });
    io.out(values.json ? JSON.stringify(result) + '\n' : result.text + '\n');
    return 0;
  },
});
