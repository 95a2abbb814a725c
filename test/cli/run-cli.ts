/** Runs the CLI in-process through main(argv, io), capturing stdout/stderr (tests only). */
import { Readable } from 'node:stream';
import { main } from '../../src/cli/main.ts';

export interface CliRun {
  code: number;
  out: string;
  err: string;
  lines: Record<string, unknown>[];
}

export async function runCli(argv: string[], stdin = ''): Promise<CliRun> {
  let out = '';
  let err = '';
  const code = await main(argv, { stdin: Readable.from([stdin]), out: (s) => void (out += s), err: (s) => void (err += s) });
  const lines = code === 0 ? out.split('\n').filter((l) => l.length > 0).map((l) => JSON.parse(l) as Record<string, unknown>) : [];
  return { code, out, err, lines };
}

/** The paper's templates read straight from prompt_map.json, filled by plain {field} replacement (an independent check of the prompt builder: the paper's templates have no escaped braces). */
export function fillPaperTemplate(template: string, fields: Record<string, unknown>): string {
  return template.replace(/\{(\w+)\}/g, (_, k: string) => String(fields[k]));
}
