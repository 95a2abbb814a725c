import type { CliCommand } from '../types.ts';
import { promptCommand } from './prompt.ts';
import { exportTrainCommand } from './export-train.ts';
import { rougeCommand } from './rouge.ts';
import { scoreCommand } from './score.ts';

/** Every `ftlab` command, in the order `ftlab --help` lists them. */
export const commands: CliCommand[] = [
  promptCommand,
  exportTrainCommand,
  rougeCommand,
  scoreCommand,
];
