import { FtlabError } from '../core/errors.ts';

/** The engine worker is gone (failed to start, crashed, or was terminated): its calls cannot finish. */
export class EngineWorkerError extends FtlabError {
  static crashed(detail: string): EngineWorkerError {
    return new EngineWorkerError(
      'engine-worker-crashed',
      `the engine worker stopped: ${detail}`,
      'reload the page; if it happens again, open the browser console for the worker\'s error',
    );
  }

  static terminated(): EngineWorkerError {
    return new EngineWorkerError('engine-worker-terminated', 'the engine worker was terminated', 'create a new engine client');
  }
}

/** Anything caught from an engine call, as message + hint for display (FtlabErrors keep theirs). */
export function describeError(err: unknown): { code?: string; name: string; message: string; hint?: string } {
  if (err instanceof FtlabError) {
    return { code: err.code, name: err.name, message: err.message, ...(err.hint ? { hint: err.hint } : {}) };
  }
  if (err instanceof Error) return { name: err.name, message: err.message };
  return { name: 'Error', message: String(err) };
}
