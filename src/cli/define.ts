/**
 * The command line's one way to declare a command: an option table whose entries say how to
 * parse each value, and `defineCommand`, which infers the values' types from that table, so a
 * command's `run` gets `values.limit: number`, `values.mode: 'zero-shot' | 'icl' | 'fticl'`, ...
 * and never casts.
 *
 * ── How to add a command ───────────────────────────────────────────────────────────────────
 *   // src/cli/commands/hello.ts
 *   import { defineCommand, opt } from '../define.ts';
 *   export const helloCommand = defineCommand({
 *     name: 'hello',
 *     summary: 'one line for `ftlab --help`',
 *     options: {
 *       data: opt.string('dataset file', { value: 'FILE', required: true }), // string
 *       out: opt.string('records file'),                                      // string | undefined
 *       bos: opt.flag('start with BOS'),                                      // boolean
 *       model: opt.strings('model folder (repeatable)', { value: 'DIR' }),    // string[]
 *       limit: opt.int('how many items', { min: 1, default: 10 }),           // number
 *       top: opt.int('top k', { min: 1, max: 1000 }),                         // number | undefined
 *       mode: opt.choice('prompt mode', PROMPT_MODES, { default: 'icl' }),   // 'zero-shot' | 'icl' | 'fticl'
 *       shots: opt.intList('shot counts, e.g. 2,4', { min: 0, max: 64 }),   // number[] (commas and repeats)
 *       ...PROMPT_OPTIONS / ENGINE_OPTIONS,  // shared tables: src/cli/support/prompt-options.ts, commands/engine-options.ts
 *     },
 *     // positionals: { value: 'FILE', description: '...' },  // omit: extra arguments are refused
 *     async run(values, positionals, io) { ...; return 0; },   // throw an FtlabError for bad input
 *   });
 *   // then list it in src/cli/commands/index.ts.
 *
 * What every command gets for free (so do not re-check it in `run`): unknown options, a value
 * missing or given twice, `--x -1` read as the value -1 (not as an option), empty strings refused
 * (unless `allowEmpty`), whole numbers with their range ("--limit must be ≥ 1, not -1"), choices,
 * required options, extra positional arguments refused, `--help`. Checks that involve several
 * options (e.g. --shots needs --demos) belong to the command or to a shared resolver such as
 * resolvePromptSettings. Every error is a one-line CliOptionError (exit 2).
 */
import { checkWholeNumber, type IntRange } from '../core/input/values.ts';
import type { CliIO } from './types.ts';
import { CliOptionError } from './support/errors.ts';

/** What the tokenizer collected for one option: nothing, a flag, or its raw strings in order. */
export type RawValue = { kind: 'absent' } | { kind: 'flag' } | { kind: 'values'; values: string[] };

/** A parse failure without the command's name; defineCommand turns it into a CliOptionError. */
export class OptionValueError extends Error {
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
  }
}

/** One entry of an option table: how to read it, and the type it yields. */
export interface OptionDef<T> {
  /** A flag takes no value; others take one (or several when `repeatable`). */
  readonly takesValue: boolean;
  readonly repeatable: boolean;
  readonly description: string;
  /** The value's name in --help ("FILE", "N", "zero-shot|icl|fticl"). */
  readonly value: string;
  /** `flag` is "--limit"; throws OptionValueError for a bad value. */
  parse(raw: RawValue, flag: string): T;
}

/** The values a table of options yields, by name. */
export type OptionValues<O extends OptionTable> = { readonly [K in keyof O]: O[K] extends OptionDef<infer T> ? T : never };
/** Any command's option table (each entry's value type is recovered by OptionValues). */
export type OptionTable = Record<string, OptionDef<unknown>>;

// ── Value parsers (shared by every command) ─────────────────────────────────────────────────

export type { IntRange };

/** A whole number within [min, max]: "3" yes; "3.5", "1e3", "0x1f", "" no (the app's forms check the same way). */
export function parseWholeNumber(text: string, flag: string, range: IntRange = {}): number {
  const r = checkWholeNumber(text, flag, range);
  if (!r.ok) throw new OptionValueError(r.message);
  return r.value;
}

/** One of a vocabulary declared `as const`. */
export function parseChoice<T extends string>(text: string, flag: string, choices: readonly T[]): T {
  const found = choices.find((c) => c === text);
  if (found === undefined) throw new OptionValueError(`${flag} must be one of ${choices.join(', ')}, not ${JSON.stringify(text)}`);
  return found;
}

/** Repeats and commas both make a list: `--shots 2,4 --shots 6` → ["2", "4", "6"]. */
function listItems(raw: RawValue, flag: string): string[] {
  if (raw.kind !== 'values') return [];
  const items = raw.values.flatMap((v) => v.split(',')).map((s) => s.trim());
  if (items.some((s) => s.length === 0)) throw new OptionValueError(`${flag} has an empty item in ${JSON.stringify(raw.values.join(','))}`);
  return items;
}

function single(raw: RawValue): string | undefined {
  return raw.kind === 'values' ? raw.values[0] : undefined;
}

function requiredMessage(flag: string, value: string, required: true | string): string {
  return `${flag} ${value} is required${required === true ? '' : ` (${required})`}`;
}

function checkEmpty(text: string, flag: string, allowEmpty: boolean | undefined): string {
  if (!allowEmpty && text.length === 0) throw new OptionValueError(`${flag} must not be empty`);
  // Node decodes argv leniently: invalid UTF-8 arrives as U+FFFD. Refuse it rather than run on a changed value.
  const bad = text.indexOf('\uFFFD');
  if (bad !== -1) throw new OptionValueError(`${flag} holds U+FFFD at character ${bad}: invalid UTF-8 on the command line, replaced by the system`, 'pass the value as UTF-8');
  return text;
}

// ── The option constructors ─────────────────────────────────────────────────────────────────

interface Common {
  /** The value's name in --help. */
  value?: string;
}
interface StringOpts extends Common {
  /** true: "--data FILE is required"; a string adds why, in parentheses. */
  required?: true | string;
  /** Accept "" (a prompt may be empty; a file name may not). */
  allowEmpty?: boolean;
}

function def<T>(o: Omit<OptionDef<T>, 'repeatable' | 'takesValue'> & Partial<Pick<OptionDef<T>, 'repeatable' | 'takesValue'>>): OptionDef<T> {
  return { takesValue: true, repeatable: false, ...o };
}

function string(description: string, o: StringOpts & { required: true | string }): OptionDef<string>;
function string(description: string, o?: StringOpts): OptionDef<string | undefined>;
function string(description: string, o: StringOpts = {}): OptionDef<string | undefined> {
  const value = o.value ?? 'VALUE';
  return def({
    description,
    value,
    parse(raw, flag) {
      const v = single(raw);
      if (v === undefined) {
        if (o.required) throw new OptionValueError(requiredMessage(flag, value, o.required));
        return undefined;
      }
      return checkEmpty(v, flag, o.allowEmpty);
    },
  });
}

/** A repeatable string (file paths may hold commas, so no splitting). */
function strings(description: string, o: StringOpts = {}): OptionDef<string[]> {
  const value = o.value ?? 'VALUE';
  return def({
    description,
    value,
    repeatable: true,
    parse(raw, flag) {
      const vs = raw.kind === 'values' ? raw.values : [];
      if (vs.length === 0 && o.required) throw new OptionValueError(requiredMessage(flag, value, o.required));
      return vs.map((v) => checkEmpty(v, flag, o.allowEmpty));
    },
  });
}

/** A comma list of strings, repeatable: `--test-set sst2,xsum --test-set cnn`. */
function list(description: string, o: StringOpts = {}): OptionDef<string[]> {
  const value = o.value ?? 'A[,B]';
  return def({
    description,
    value,
    repeatable: true,
    parse(raw, flag) {
      const items = listItems(raw, flag);
      if (items.length === 0 && o.required) throw new OptionValueError(requiredMessage(flag, value, o.required));
      return items;
    },
  });
}

function flag(description: string): OptionDef<boolean> {
  return def({ description, value: '', takesValue: false, parse: (raw) => raw.kind === 'flag' });
}

interface IntOpts extends IntRange, Common {
  default?: number;
}
function int(description: string, o: IntOpts & { default: number }): OptionDef<number>;
function int(description: string, o?: IntOpts): OptionDef<number | undefined>;
function int(description: string, o: IntOpts = {}): OptionDef<number | undefined> {
  return def({
    description,
    value: o.value ?? 'N',
    parse(raw, flag) {
      const v = single(raw);
      return v === undefined ? o.default : parseWholeNumber(v, flag, o);
    },
  });
}

/** Whole numbers, comma list and/or repeated; `default` when absent. */
function intList(description: string, o: IntRange & Common & { default?: readonly number[] } = {}): OptionDef<number[]> {
  return def({
    description,
    value: o.value ?? 'N[,N]',
    repeatable: true,
    parse(raw, flag) {
      if (raw.kind === 'absent') return [...(o.default ?? [])];
      return listItems(raw, flag).map((s) => parseWholeNumber(s, flag, o));
    },
  });
}

function choice<const T extends string>(description: string, choices: readonly T[], o: Common & { default: T }): OptionDef<T>;
function choice<const T extends string>(description: string, choices: readonly T[], o?: Common): OptionDef<T | undefined>;
function choice<const T extends string>(description: string, choices: readonly T[], o: Common & { default?: T } = {}): OptionDef<T | undefined> {
  return def({
    description,
    value: o.value ?? choices.join('|'),
    parse(raw, flag) {
      const v = single(raw);
      return v === undefined ? o.default : parseChoice(v, flag, choices);
    },
  });
}

/** Several of a vocabulary, comma list and/or repeated; `default` when absent. */
function choiceList<const T extends string>(description: string, choices: readonly T[], o: Common & { default?: readonly T[] } = {}): OptionDef<T[]> {
  return def({
    description,
    value: o.value ?? `${choices.join('|')}[,...]`,
    repeatable: true,
    parse(raw, flag) {
      if (raw.kind === 'absent') return [...(o.default ?? [])];
      return listItems(raw, flag).map((s) => parseChoice(s, flag, choices));
    },
  });
}

/** Any value type: a custom parser over the option's single string value. */
function custom<T>(description: string, value: string, parse: (text: string | undefined, flag: string) => T): OptionDef<T> {
  return def({ description, value, parse: (raw, flag) => parse(single(raw), flag) });
}

/** Same option, another --help line (shared tables, command-specific wording). */
export function described<T>(option: OptionDef<T>, description: string): OptionDef<T> {
  return { ...option, description };
}

export const opt = { string, strings, list, flag, int, intList, choice, choiceList, custom };

// ── The command ─────────────────────────────────────────────────────────────────────────────

export interface PositionalSpec {
  value: string;
  description: string;
}

export interface CommandSpec<O extends OptionTable> {
  name: string;
  summary: string;
  options: O;
  /** Positional arguments the command takes (as strings); without this, any is an error. */
  positionals?: PositionalSpec;
  /** Returns the exit code. Throw an FtlabError for bad input: main prints it as one line. */
  run(values: OptionValues<O>, positionals: string[], io: CliIO): Promise<number>;
}

/** A command as the registry and main() see it: its table (for --help) and one entry point. */
export interface CliCommand {
  name: string;
  summary: string;
  options: OptionTable;
  positionals?: PositionalSpec;
  /** `argv` is everything after the command name. */
  invoke(argv: readonly string[], io: CliIO): Promise<number>;
}

export function defineCommand<O extends OptionTable>(spec: CommandSpec<O>): CliCommand {
  return {
    name: spec.name,
    summary: spec.summary,
    options: spec.options,
    ...(spec.positionals ? { positionals: spec.positionals } : {}),
    async invoke(argv, io) {
      const { values, positionals } = parseCommandLine(spec, argv);
      return spec.run(values, positionals, io);
    },
  };
}

/** Whether argv asks for --help (as an option, not as some option's value). */
export function wantsHelp(cmd: Pick<CliCommand, 'options'>, argv: readonly string[]): boolean {
  try {
    return tokenize(cmd.options, argv).help;
  } catch {
    return argv.includes('--help') || argv.includes('-h');
  }
}

interface Tokens {
  raw: Map<string, RawValue>;
  positionals: string[];
  help: boolean;
}

const looksLikeOption = (s: string): boolean => s.startsWith('--') && s.length > 2;

/**
 * The argument tokenizer (our own rather than node:util parseArgs, whose "argument is
 * ambiguous" error made `--limit -1` three lines instead of a range check):
 * `--name value`, `--name=value`, flags, `--` ending the options, `-h`; a value may start with
 * one dash ("-1", "- item"); one that starts with "--" needs the `--name=--value` form.
 */
function tokenize(options: OptionTable, argv: readonly string[], command = ''): Tokens {
  const fail = (m: string, hint?: string): CliOptionError => new CliOptionError(command, m, hint);
  const raw = new Map<string, RawValue>();
  const positionals: string[] = [];
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (arg === '-h' || arg === '--help') {
      help = true;
      continue;
    }
    if (!looksLikeOption(arg)) {
      if (arg.startsWith('-') && arg.length > 1 && !/^-\d/.test(arg)) throw fail(`unknown option ${JSON.stringify(arg)} (options start with --)`);
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
    const inline = eq === -1 ? undefined : arg.slice(eq + 1);
    const spec = Object.hasOwn(options, name) ? options[name] : undefined;
    if (!spec) throw fail(`unknown option --${name}${suggest(name, Object.keys(options))}`);
    const flagName = `--${name}`;
    const before = raw.get(name);
    if (!spec.takesValue) {
      if (inline !== undefined) throw fail(`${flagName} is a switch and takes no value (not ${JSON.stringify(inline)})`);
      if (before) throw fail(`${flagName} is given twice`);
      raw.set(name, { kind: 'flag' });
      continue;
    }
    let value = inline;
    if (value === undefined) {
      const next = argv[i + 1];
      if (next === undefined || looksLikeOption(next) || next === '--') {
        throw fail(`${flagName} needs a value (${spec.value})`, next !== undefined && looksLikeOption(next) ? `for a value that starts with --, write ${flagName}=${next}` : undefined);
      }
      value = next;
      i++;
    }
    if (before?.kind === 'values') {
      if (!spec.repeatable) throw fail(`${flagName} is given twice (${JSON.stringify(before.values[0])}, then ${JSON.stringify(value)}); give it once`);
      before.values.push(value);
    } else raw.set(name, { kind: 'values', values: [value] });
  }
  return { raw, positionals, help };
}

/** " (did you mean --limit?)" for a near miss. */
function suggest(name: string, known: string[]): string {
  let best: string | undefined;
  let bestDistance = 3;
  for (const k of known) {
    const d = editDistance(name, k);
    if (d < bestDistance) [best, bestDistance] = [k, d];
  }
  return best ? ` (did you mean --${best}?)` : '';
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length];
}

/** argv → typed values (every option parsed, in table order) and positionals. */
export function parseCommandLine<O extends OptionTable>(spec: Pick<CommandSpec<O>, 'name' | 'options' | 'positionals'>, argv: readonly string[]): { values: OptionValues<O>; positionals: string[] } {
  const { raw, positionals } = tokenize(spec.options, argv, spec.name);
  if (!spec.positionals && positionals.length > 0) {
    throw new CliOptionError(spec.name, `unexpected argument ${JSON.stringify(positionals[0])}${positionals.length > 1 ? ` (and ${positionals.length - 1} more)` : ''}: ${spec.name} takes only --options`);
  }
  const values: Record<string, unknown> = {};
  for (const [name, option] of Object.entries(spec.options)) {
    try {
      values[name] = option.parse(raw.get(name) ?? { kind: 'absent' }, `--${name}`);
    } catch (e) {
      if (e instanceof OptionValueError) throw new CliOptionError(spec.name, e.message, e.hint);
      throw e;
    }
  }
  // The one cast of the command line: each entry was produced by its own option's parse(), which
  // is exactly what OptionValues<O> states per key.
  return { values: values as OptionValues<O>, positionals };
}
