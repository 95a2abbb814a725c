/**
 * Stop strings: generation ends as soon as the decoded text contains one, and the text is cut
 * where the earliest one starts (the stop string itself is not part of the output, like the
 * paper's vLLM `stop`). Empty strings are ignored: they would stop every generation at once.
 */

/** Earliest occurrence of any (non-empty) stop string in text, or -1. */
export function findStop(text: string, stops: readonly string[]): number {
  let at = -1;
  for (const s of stops) {
    if (s === '') continue;
    const i = text.indexOf(s);
    if (i >= 0 && (at < 0 || i < at)) at = i;
  }
  return at;
}

/** The text cut before the earliest stop string, and whether there was one. */
export function cutAtStop(text: string, stops: readonly string[]): { text: string; stopped: boolean } {
  const at = findStop(text, stops);
  return at < 0 ? { text, stopped: false } : { text: text.slice(0, at), stopped: true };
}
