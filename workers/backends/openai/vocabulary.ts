/**
 * The served model's tokenizer, held locally (its tokenizer.json): what ftlab knows about the
 * ids behind the server's text. The server speaks text (its log-probs are keyed by token text,
 * or "token_id:N" on vLLM), so this module turns ids into the text that makes the server see
 * exactly those ids, and token texts back into ids where that is unambiguous.
 */
import type { ModelTokenizer } from '../cpu/tokenizer.ts';

const BYTE_PIECE = /^<0x([0-9A-F]{2})>$/;
const utf8 = new TextDecoder('utf-8', { fatal: false });

export class Vocabulary {
  /** Token text → ids with that text (llama.cpp's top_logprobs keys; a text with 2+ ids is ambiguous). */
  private readonly byText = new Map<string, number[]>();

  constructor(
    readonly tokenizer: ModelTokenizer,
    readonly specialIds: ReadonlySet<number>,
  ) {
    for (let id = 0; id < tokenizer.vocabSize; id++) {
      if (specialIds.has(id)) continue;
      const text = this.pieceText(id);
      if (text === undefined) continue;
      const ids = this.byText.get(text);
      if (ids) ids.push(id);
      else this.byText.set(text, [id]);
    }
  }

  encode(text: string): number[] {
    return this.tokenizer.encode(text);
  }

  decode(ids: readonly number[]): string {
    return this.tokenizer.decode(ids);
  }

  piece(id: number): string {
    return this.tokenizer.piece(id);
  }

  /**
   * The text one token stands for inside a text ("▁pos" → " pos", "<0x0A>" → "\n"); undefined
   * for a byte that is not a whole UTF-8 character on its own, and for special tokens.
   */
  pieceText(id: number): string | undefined {
    if (this.specialIds.has(id)) return undefined;
    const piece = this.tokenizer.piece(id);
    const byte = BYTE_PIECE.exec(piece);
    if (byte) {
      const b = Number.parseInt(byte[1], 16);
      return b < 0x80 ? String.fromCharCode(b) : undefined;
    }
    return piece.replaceAll('▁', ' ');
  }

  /** The one id whose text this is, or undefined (unknown, or shared by several ids). */
  idOfText(text: string): number | undefined {
    const ids = this.byText.get(text);
    return ids && ids.length === 1 ? ids[0] : undefined;
  }

  /**
   * Text that continues a prompt with exactly these ids: the ids' texts glued together (every
   * "▁" a space, byte tokens as their bytes). undefined when a byte token is part of a multi-byte
   * character split over several tokens in a way text cannot carry. Callers check the result by
   * tokenizing prompt + text again.
   */
  continuationText(ids: readonly number[]): string | undefined {
    const bytes: number[] = [];
    const enc = new TextEncoder();
    for (const id of ids) {
      const piece = this.tokenizer.piece(id);
      if (this.specialIds.has(id)) {
        // A special token as its literal text ("</s>"): servers (and tokenizer.json) read it back as the token.
        bytes.push(...enc.encode(piece));
        continue;
      }
      const byte = BYTE_PIECE.exec(piece);
      if (byte) bytes.push(Number.parseInt(byte[1], 16));
      else bytes.push(...enc.encode(piece.replaceAll('▁', ' ')));
    }
    const text = utf8.decode(new Uint8Array(bytes));
    return text.includes('\uFFFD') ? undefined : text;
  }
}
