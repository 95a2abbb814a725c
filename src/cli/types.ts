/** What a command sees: its parsed options, positionals, and its streams. */
export interface CliIO {
  stdin: NodeJS.ReadableStream;
  /** Write one chunk (callers add "\n"). */
  out: (s: string) => void;
  err: (s: string) => void;
}

export type OptionSpec = { type: 'string' | 'boolean'; short?: string; multiple?: boolean; description: string };

export interface CliCommand {
  name: string;
  summary: string;
  /** Options in node:util parseArgs form, with a description each (printed by --help). */
  options: Record<string, OptionSpec>;
  /** Returns the process exit code. Throw an FtlabError for bad input: main prints one line. */
  run(values: Record<string, string | boolean | string[] | undefined>, positionals: string[], io: CliIO): Promise<number>;
}
