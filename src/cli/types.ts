/** What a command sees: its parsed options, positionals, and its streams. */
export interface CliIO {
  stdin: NodeJS.ReadableStream;
  /** Write one chunk (callers add "\n"). */
  out: (s: string) => void;
  err: (s: string) => void;
  /** Whether stderr is a terminal (progress may redraw one line with \r). Default false. */
  errIsTTY?: boolean;
  /**
   * Cancels a long command between samples (`eval`). When absent, such a command cancels on
   * the process's first SIGINT (Ctrl+C) itself; tests pass their own signal.
   */
  signal?: AbortSignal;
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
