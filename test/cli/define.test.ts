import { describe, expect, expectTypeOf, it } from 'vitest';
import { defineCommand, opt, parseCommandLine, parseWholeNumber, type OptionValues } from '../../src/cli/define.ts';
import { FtlabError } from '../../src/core/errors.ts';

const MODES = ['zero-shot', 'icl', 'fticl'] as const;
const spec = {
  name: 'demo',
  options: {
    data: opt.string('file', { value: 'FILE', required: true }),
    prompt: opt.string('text', { allowEmpty: true }),
    bos: opt.flag('bos'),
    model: opt.strings('models'),
    limit: opt.int('n', { min: 1 }),
    seed: opt.int('seed', { min: 0, max: 10, default: 3 }),
    mode: opt.choice('mode', MODES, { default: 'icl' }),
    modes: opt.choiceList('modes', MODES, { default: ['zero-shot'] }),
    shots: opt.intList('shots', { min: 0, max: 64 }),
  },
};
const parse = (...argv: string[]) => parseCommandLine(spec, argv);
const error = (...argv: string[]): string => {
  try {
    parse(...argv);
  } catch (e) {
    expect(e).toBeInstanceOf(FtlabError);
    return (e as FtlabError).toLine();
  }
  throw new Error(`no error for ${argv.join(' ')}`);
};

describe('defineCommand / the option parser', () => {
  it('infers each value\'s type from the table', () => {
    type V = OptionValues<typeof spec.options>;
    expectTypeOf<V['data']>().toEqualTypeOf<string>();
    expectTypeOf<V['prompt']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<V['bos']>().toEqualTypeOf<boolean>();
    expectTypeOf<V['model']>().toEqualTypeOf<string[]>();
    expectTypeOf<V['limit']>().toEqualTypeOf<number | undefined>();
    expectTypeOf<V['seed']>().toEqualTypeOf<number>();
    expectTypeOf<V['mode']>().toEqualTypeOf<'zero-shot' | 'icl' | 'fticl'>();
    expectTypeOf<V['modes']>().toEqualTypeOf<('zero-shot' | 'icl' | 'fticl')[]>();
    expectTypeOf<V['shots']>().toEqualTypeOf<number[]>();
  });

  it('parses values, defaults, lists (commas and repeats) and positionals after --', () => {
    const r = parse('--data', 'f.json', '--bos', '--model', 'a', '--model', 'b,c', '--limit', '5', '--modes', 'icl,fticl', '--shots', '2,4', '--shots', '6');
    expect(r.values).toEqual({ data: 'f.json', prompt: undefined, bos: true, model: ['a', 'b,c'], limit: 5, seed: 3, mode: 'icl', modes: ['icl', 'fticl'], shots: [2, 4, 6] });
    expect(r.positionals).toEqual([]);
    const withFiles = parseCommandLine({ ...spec, positionals: { value: 'FILE', description: 'f' } }, ['--data', 'f', 'a', '--', '--x']);
    expect(withFiles.positionals).toEqual(['a', '--x']);
    expect(parse('--data=f', '--prompt=', '--limit=7').values).toMatchObject({ data: 'f', prompt: '', limit: 7 });
  });

  it('a value may start with one dash: --limit -1 is the number -1 (a range error), --prompt "- x" a prompt', () => {
    expect(error('--data', 'f', '--limit', '-1')).toMatch(/^demo: --limit must be ≥ 1, not -1 \(run/);
    expect(error('--data', 'f', '--limit=-1')).toMatch(/^demo: --limit must be ≥ 1, not -1 /);
    expect(error('--data', 'f', '--seed', '-3')).toMatch(/--seed must be between 0 and 10, not -3/);
    expect(error('--data', 'f', '--shots', '2,-1')).toMatch(/--shots must be between 0 and 64, not -1/);
    expect(parse('--data', 'f', '--prompt', '- x').values.prompt).toBe('- x');
    expect(parse('--data', 'f', '--prompt', '-h').values.prompt).toBe('-h');
  });

  it('every bad command line is one line naming the option', () => {
    const cases: [string[], RegExp][] = [
      [[], /--data FILE is required/],
      [['--data', 'f', '--limt', '3'], /unknown option --limt \(did you mean --limit\?\)/],
      [['--data', 'f', '-x'], /unknown option "-x"/],
      [['--data', 'f', '--limit'], /--limit needs a value \(N\)/],
      [['--data', '--bos'], /--data needs a value \(FILE\).*write --data=--bos/],
      [['--data', 'f', '--limit', '3', '--limit', '4'], /--limit is given twice \("3", then "4"\); give it once/],
      [['--data', 'f', '--bos', '--bos'], /--bos is given twice/],
      [['--data', 'f', '--bos=yes'], /--bos is a switch and takes no value/],
      [['--data', 'f', '--limit', '2.5'], /--limit must be a whole number, not "2\.5"/],
      [['--data', 'f', '--limit', '1e3'], /--limit must be a whole number/],
      [['--data', 'f', '--limit', '99999999999999999999'], /--limit must be ≥ 1, not 99999999999999999999/],
      [['--data', ''], /--data must not be empty/],
      [['--data', 'f', '--mode', 'few'], /--mode must be one of zero-shot, icl, fticl, not "few"/],
      [['--data', 'f', '--modes', 'icl,,fticl'], /--modes has an empty item/],
      [['--data', 'f', 'junk.jsonl'], /unexpected argument "junk\.jsonl": demo takes only --options/],
    ];
    for (const [argv, pattern] of cases) {
      const line = error(...argv);
      expect(line, argv.join(' ')).toMatch(pattern);
      expect(line).not.toMatch(/\n/);
    }
  });

  it('whole numbers: sign, spaces, range', () => {
    expect(parseWholeNumber(' +3 ', '--n')).toBe(3);
    expect(() => parseWholeNumber('0x10', '--n')).toThrow(/whole number/);
    expect(() => parseWholeNumber('', '--n')).toThrow(/whole number, not ""/);
  });

  it('a command declared with positionals gets them; run sees typed values', async () => {
    let seen: unknown;
    const cmd = defineCommand({
      name: 'files',
      summary: 's',
      options: { n: opt.int('n', { default: 1 }) },
      positionals: { value: 'FILE', description: 'files' },
      async run(values, positionals) {
        expectTypeOf(values.n).toEqualTypeOf<number>();
        seen = { n: values.n, positionals };
        return 0;
      },
    });
    expect(await cmd.invoke(['a', '--n', '2', 'b'], { stdin: process.stdin, out: () => {}, err: () => {} })).toBe(0);
    expect(seen).toEqual({ n: 2, positionals: ['a', 'b'] });
  });
});
