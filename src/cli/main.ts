/**
 * `npm run ftlab -- <command> [options]`: the evaluation core from a terminal.
 * Each command lives in src/cli/commands/; this file parses arguments and turns errors into
 * one clear line and a non-zero exit code.
 */
import { parseArgs } from 'node:util';
import { commands } from './commands/index.ts';
import type { CliCommand, CliIO } from './types.ts';
import { FtlabError } from '../core/errors.ts';

export class UsageError extends FtlabError {
  constructor(message: string, hint = 'run `npm run ftlab -- --help`') {
    super('usage', message, hint);
  }
}

function helpText(cmd?: CliCommand): string {
  if (!cmd) {
    const width = Math.max(...commands.map((c) => c.name.length), 4);
    return [
      'usage: npm run ftlab -- <command> [options]',
      '',
      ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
      '',
      'npm run ftlab -- <command> --help  shows a command\'s options',
    ].join('\n');
  }
  const lines = [`usage: npm run ftlab -- ${cmd.name} [options]`, '', cmd.summary, ''];
  for (const [name, spec] of Object.entries(cmd.options)) {
    const flag = spec.type === 'string' ? `--${name} VALUE` : `--${name}`;
    lines.push(`  ${flag.padEnd(22)}  ${spec.description}`);
  }
  return lines.join('\n');
}

/** Runs one command line; returns the exit code (never calls process.exit itself). */
export async function main(argv: string[], io: CliIO): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.out(helpText() + '\n');
    return name ? 0 : 2;
  }
  const cmd = commands.find((c) => c.name === name);
  try {
    if (!cmd) throw new UsageError(`unknown command "${name}"; commands: ${commands.map((c) => c.name).join(', ')}`);
    if (rest.includes('--help') || rest.includes('-h')) {
      io.out(helpText(cmd) + '\n');
      return 0;
    }
    const options = Object.fromEntries(
      // node:util parseArgs rejects `short: undefined` / `multiple: undefined`: pass only what is set.
      Object.entries(cmd.options).map(([k, s]) => [k, { type: s.type, ...(s.short ? { short: s.short } : {}), ...(s.multiple ? { multiple: true } : {}) }]),
    );
    let parsed;
    try {
      parsed = parseArgs({ args: rest, options, allowPositionals: true, strict: true });
    } catch (e) {
      throw new UsageError(`${name}: ${(e as Error).message}`, `run \`npm run ftlab -- ${name} --help\``);
    }
    return await cmd.run(parsed.values as Record<string, string | boolean | string[] | undefined>, parsed.positionals, io);
  } catch (e) {
    if (e instanceof FtlabError) {
      io.err(`ftlab: ${e.toLine()}\n`);
      return e.code === 'usage' ? 2 : 1;
    }
    io.err(`ftlab: unexpected error: ${(e as Error)?.stack ?? String(e)}\n`);
    return 1;
  }
}

const isEntry = process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (isEntry) {
  // `ftlab ... | head` closes the pipe early: that is the reader's choice, not an error.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });
  const code = await main(process.argv.slice(2), {
    stdin: process.stdin,
    out: (s) => void process.stdout.write(s),
    err: (s) => void process.stderr.write(s),
    errIsTTY: process.stderr.isTTY === true,
  });
  process.exitCode = code;
}
