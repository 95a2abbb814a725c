/**
 * Prefix reuse, counted: an engine that keeps in its KV cache the part a prompt shares with the
 * previous one (the cpu and webgpu backends) runs only the rest through the model, and always at
 * least the last id (its logits are the answer). Consecutive samples of an ICL or FTICL cell
 * share their demo context, so a cell's prefill is about one context plus its items.
 */

/** How many leading ids `a` and `b` share. */
export function sharedPrefixLength(a: readonly number[], b: readonly number[]): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a[i] === b[i]) i++;
  return i;
}

/** Of a prompt after `previous` (what the cache holds), the ids kept: shared, but never the last. */
export function reusedPrefixLength(previous: readonly number[], prompt: readonly number[]): number {
  return Math.max(0, Math.min(sharedPrefixLength(previous, prompt), prompt.length - 1));
}

/** Prompt positions run for prompts scored one after another, each keeping what it shares with the one before. */
export function prefillTokensWithReuse(prompts: readonly (readonly number[])[]): number {
  let total = 0;
  let previous: readonly number[] = [];
  for (const p of prompts) {
    total += p.length - reusedPrefixLength(previous, p);
    previous = p;
  }
  return total;
}
