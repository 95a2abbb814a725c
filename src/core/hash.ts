/**
 * Content hashes that identify "what the model saw". A stored sample record carries the hash
 * of its prompt, so a resumed run can tell a finished sample from one whose prompt has since
 * changed (another template, other demonstrations, a fixed prompt builder).
 *
 * SHA-256 through WebCrypto (`crypto.subtle`), which Node 20+, pages and workers all have.
 */
import type { PromptInput } from './engine.ts';

const encoder = new TextEncoder();

/** Lower-case hex SHA-256 of a string (UTF-8) or of bytes. */
export async function sha256Hex(data: string | Uint8Array): Promise<string> {
  const bytes = typeof data === 'string' ? encoder.encode(data) : data;
  // Copy into a fresh ArrayBuffer: subtle.digest rejects views over SharedArrayBuffer.
  const digest = await globalThis.crypto.subtle.digest('SHA-256', bytes.slice().buffer as ArrayBuffer);
  let hex = '';
  for (const b of new Uint8Array(digest)) hex += b.toString(16).padStart(2, '0');
  return hex;
}

/**
 * The canonical byte string a prompt is hashed as. Versioned and unambiguous:
 * `ftlab-prompt-v1\ntext\n<0|1>\n<text>` for text prompts (the BOS flag is one fixed-width
 * character, so no text can imitate another flag), `ftlab-prompt-v1\nids\n<id,id,...>` for
 * token-id prompts.
 */
export function canonicalPromptString(prompt: PromptInput): string {
  if ('ids' in prompt) return `ftlab-prompt-v1\nids\n${prompt.ids.join(',')}`;
  return `ftlab-prompt-v1\ntext\n${prompt.bos ? '1' : '0'}\n${prompt.text}`;
}

/** SHA-256 hex of the prompt's canonical encoding (see canonicalPromptString). */
export function promptHash(prompt: PromptInput): Promise<string> {
  return sha256Hex(canonicalPromptString(prompt));
}
