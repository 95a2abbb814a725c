/**
 * Helpers for the vocabularies the app, the CLI and the URL share (prompt modes, label scorings,
 * tokenizations...). Each vocabulary is declared once, `as const`, next to the code it names;
 * types, CLI checks, selects and URL codecs are derived from that one list.
 */

/** Whether x is one of the vocabulary's values (a type guard, so a parsed string narrows). */
export function isOneOf<T extends string>(values: readonly T[], x: unknown): x is T {
  return typeof x === 'string' && (values as readonly string[]).includes(x);
}
