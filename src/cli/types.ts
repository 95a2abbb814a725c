/** The streams a command reads and writes (its options come typed from defineCommand). */
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

/** Commands are declared with defineCommand (src/cli/define.ts), which also holds their type. */
export type { CliCommand } from './define.ts';
