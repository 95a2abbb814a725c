/**
 * The checks of typed-in values, shared by the command line (`--shots 2`) and the app's forms
 * (the Shots field), so both accept the same values and refuse the rest with the same words.
 */

export interface IntRange {
  min?: number;
  max?: number;
}

export type Checked<T> = { ok: true; value: T } | { ok: false; message: string };

/**
 * A whole number within [min, max] (min defaults to 0): "3" and " +3 " yes; "3.5", "1e3",
 * "0x1f", "" no. `name` is how the value is called where it was typed ("--limit", "Shots").
 */
export function checkWholeNumber(text: string, name: string, range: IntRange = {}): Checked<number> {
  const min = range.min ?? 0;
  const max = range.max ?? Number.MAX_SAFE_INTEGER;
  const t = text.trim();
  if (!/^[+-]?\d+$/.test(t)) return { ok: false, message: `${name} must be a whole number, not ${JSON.stringify(text)}` };
  const n = Number(t);
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    const bound = range.max === undefined ? `≥ ${min}` : `between ${min} and ${max}`;
    return { ok: false, message: `${name} must be ${bound}, not ${t.replace(/^\+/, '')}` };
  }
  return { ok: true, value: n };
}
