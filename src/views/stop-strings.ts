/**
 * Stop strings as typed in the Generate panel: one per line, with \n, \t and \\ escapes so that
 * a stop string can itself be (or contain) a newline. Blank lines are ignored.
 */
export function parseStopStrings(text: string): string[] {
  return text
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => line.replace(/\\(n|t|\\)/g, (_, c: string) => (c === 'n' ? '\n' : c === 't' ? '\t' : '\\')));
}
