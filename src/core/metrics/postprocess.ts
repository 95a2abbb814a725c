/**
 * The paper's clean-up of a generated text before ROUGE (authors' code: evaluate_cross.py
 * stores `generation.strip()`, indicator_cross.py then scores `generation.split("\n\n")[0]`):
 * strip surrounding whitespace, THEN keep what precedes the first blank line. Nothing is
 * stripped after the cut, so "a \n\nb" gives "a " — as in Python.
 */

/**
 * The characters Python 3's `str.strip()` removes: those for which `str.isspace()` is true
 * (Unicode White_Space plus the ASCII separators U+001C–U+001F). Note it differs from
 * JavaScript's `trim()`, which also removes U+FEFF and keeps U+001C–U+001F and U+0085.
 */
export const PYTHON_WHITESPACE: ReadonlySet<number> = new Set([
  0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x85, 0xa0, 0x1680, 0x2000, 0x2001, 0x2002, 0x2003,
  0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200a, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000,
]);

/** Python's `text.strip()` with no argument. */
export function pythonStrip(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && PYTHON_WHITESPACE.has(text.charCodeAt(start))) start += 1;
  while (end > start && PYTHON_WHITESPACE.has(text.charCodeAt(end - 1))) end -= 1;
  return text.slice(start, end);
}

/** `generation.strip().split("\n\n")[0]`: what the paper scores for a generated text. */
export function postprocessGeneration(generation: string): string {
  const stripped = pythonStrip(generation);
  const blankLine = stripped.indexOf('\n\n');
  return blankLine === -1 ? stripped : stripped.slice(0, blankLine);
}
