/**
 * `npm run ftlab -- <command> [options]`: the evaluation core from a terminal.
 * Each command lives in src/cli/commands/ (declared with defineCommand, src/cli/define.ts, which
 * parses its options); this file dispatches and turns errors into one clear line and an exit code.
 */
import { fstatSync } from 'node:fs';
import { Readable } from 'node:stream';
import { commands } from './commands/index.ts';
import type { CliIO } from './types.ts';
import { wantsHelp, type CliCommand } from './define.ts';
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
  const lines = [`usage: npm run ftlab -- ${cmd.name} [options]${cmd.positionals ? ` [${cmd.positionals.value}...]` : ''}`, '', cmd.summary, ''];
  for (const [name, spec] of Object.entries(cmd.options)) {
    const flag = spec.takesValue ? `--${name} ${spec.value}` : `--${name}`;
    lines.push(`  ${flag.padEnd(22)}  ${spec.description}${spec.repeatable && !/repeat/.test(spec.description) ? ' (repeatable)' : ''}`);
  }
  if (cmd.positionals) lines.push(`  ${cmd.positionals.value.padEnd(22)}  ${cmd.positionals.description}`);
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
    if (wantsHelp(cmd, rest)) {
      io.out(helpText(cmd) + '\n');
      return 0;
    }
    return await cmd.invoke(rest, io);
  } catch (e) {
    if (e instanceof FtlabError) {
      io.err(`ftlab: ${e.toLine()}\n`);
      return e.code === 'usage' ? 2 : 1;
    }
    // Not one of ours: still one line (the stack only when asked for, FTLAB_DEBUG=1).
    const detail = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    io.err(`ftlab: unexpected error: ${detail.split('\n')[0]} (a bug in ftlab: please report it with the command line; FTLAB_DEBUG=1 prints the stack)\n`);
    if (process.env.FTLAB_DEBUG && e instanceof Error && e.stack) io.err(e.stack + '\n');
    return 1;
  }
}

/** process.stdin, except that a directory on stdin (`ftlab rouge < .`) reads as the EISDIR error it is. */
function stdinStream(): NodeJS.ReadableStream {
  let isDirectory = false;
  try {
    isDirectory = fstatSync(0).isDirectory();
  } catch {
    // no stdin at all: reading it gives nothing
  }
  if (!isDirectory) return process.stdin;
  return new Readable({
    read() {
      this.destroy(Object.assign(new Error('stdin is a directory'), { code: 'EISDIR' }));
    },
  });
}

const isEntry = process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (isEntry) {
  // `ftlab ... | head` closes the pipe early: that is the reader's choice, not an error.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });
  const code = await main(process.argv.slice(2), {
    stdin: stdinStream(),
    out: (s) => void process.stdout.write(s),
    err: (s) => void process.stderr.write(s),
    errIsTTY: process.stderr.isTTY === true,
  });
  process.exitCode = code;
}
