import type { CliCommand } from '../types.ts';

/** Every `ftlab` command, in the order `ftlab --help` lists them. */
export const commands: CliCommand[] = [];
