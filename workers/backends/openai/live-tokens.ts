/**
 * Hands a streamed generation's tokens to the caller's onToken as they arrive, each with the
 * text so far, and at the end whatever could not be handed over live (a stream without
 * log-probs, or a token whose text names no single id: those go once the whole answer has been
 * read and its ids are known). Every token reaches onToken exactly once, in order.
 */
import type { GenerateStep, StreamedToken } from '../../../src/core/engine.ts';

export class LiveTokens {
  private readonly ids: number[] = [];
  private live = true;

  constructor(
    private readonly onToken: (t: StreamedToken) => void,
    /** The text of the first tokens, as the result's text is made (stop strings cut). */
    private readonly textOf: (ids: number[]) => string,
  ) {}

  /** The next token of the stream (ignored once live delivery has stopped). */
  token(id: number, step?: GenerateStep): void {
    if (!this.live) return;
    this.ids.push(id);
    this.onToken({ index: this.ids.length - 1, id, text: this.textOf(this.ids), ...(step ? { step } : {}) });
  }

  /** The stream's tokens can no longer be told apart one by one: the rest go at the end. */
  stopLive(): void {
    this.live = false;
  }

  /** The whole answer's ids (and steps): hands over those not yet handed over. */
  finish(ids: readonly number[], steps?: readonly GenerateStep[]): void {
    for (let i = this.ids.length; i < ids.length; i++) {
      this.ids.push(ids[i]);
      this.onToken({ index: i, id: ids[i], text: this.textOf(this.ids), ...(steps?.[i] ? { step: steps[i] } : {}) });
    }
  }
}
