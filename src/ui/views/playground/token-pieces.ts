/**
 * The text each generated token shows in the log-prob shaded output, so that the pieces put
 * together read exactly as the decoded output does. SentencePiece pieces are not text: "▁" is a
 * space, the decoder drops the output's leading space, and a character outside the vocabulary is
 * spelled as byte tokens ("<0xE2>", "<0x80>", "<0x94>" for "—") that only decode together.
 */

const BYTE_TOKEN = /^<0x([0-9A-Fa-f]{2})>$/;

/**
 * One display string per token. A run of byte tokens is decoded as UTF-8 as a whole and shown on
 * its first token (the others show nothing but keep their shading and hover); bytes that are not
 * valid UTF-8 show as U+FFFD, as the decoder writes them.
 */
export function tokenPieces(tokens: readonly string[]): string[] {
  const out: string[] = [];
  const decoder = new TextDecoder('utf-8', { fatal: false });
  let i = 0;
  while (i < tokens.length) {
    const byte = BYTE_TOKEN.exec(tokens[i]);
    if (!byte) {
      out.push(tokens[i].replace(/▁/g, ' '));
      i++;
      continue;
    }
    const bytes: number[] = [];
    const start = i;
    for (let m: RegExpExecArray | null = byte; m; m = i < tokens.length ? BYTE_TOKEN.exec(tokens[i]) : null) {
      bytes.push(parseInt(m[1], 16));
      i++;
    }
    out.push(decoder.decode(new Uint8Array(bytes)));
    for (let j = start + 1; j < i; j++) out.push('');
  }
  if (out.length > 0) out[0] = out[0].replace(/^ /, '');
  return out;
}
