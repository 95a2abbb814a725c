import type { CliCommand } from '../types.ts';
import { promptCommand } from './prompt.ts';
import { exportTrainCommand } from './export-train.ts';
import { rougeCommand } from './rouge.ts';
import { scoreCommand } from './score.ts';
import { generateCommand } from './generate.ts';
import { classifyCommand } from './classify.ts';
import { logprobsCommand } from './logprobs.ts';
import { evalCommand } from './eval.ts';
import { reportCommand } from './report.ts';
import { convertCommand } from './convert.ts';
import { deltaCommand } from './delta.ts';

/** Every `ftlab` command, in the order `ftlab --help` lists them. */
export const commands: CliCommand[] = [
  promptCommand,
  exportTrainCommand,
  rougeCommand,
  scoreCommand,
  generateCommand,
  classifyCommand,
  logprobsCommand,
  evalCommand,
  reportCommand,
  convertCommand,
  deltaCommand,
];
