/**
 * Base of every error ftlab raises on purpose. `code` is stable (tests and the UI match on it),
 * `message` says what went wrong, and `hint` says what to do next.
 */
export class FtlabError extends Error {
  readonly code: string;
  readonly hint: string | undefined;

  constructor(code: string, message: string, hint?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.hint = hint;
  }

  /** One line for a terminal or a toast: message, then the next step. */
  toLine(): string {
    return this.hint ? `${this.message} (${this.hint})` : this.message;
  }

  /** A plain object that survives structured cloning (postMessage, comlink). */
  toJSON(): { name: string; code: string; message: string; hint?: string } {
    return { name: this.name, code: this.code, message: this.message, ...(this.hint ? { hint: this.hint } : {}) };
  }
}
