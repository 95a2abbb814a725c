/**
 * The Playground's keyboard map, as data: the help overlay lists it, the handler reads it.
 */
export type KeyAction = 'run' | 'cancel' | 'previous' | 'next' | 'mode' | 'help' | 'present';

export const KEY_HELP: readonly { keys: string; action: KeyAction; what: string }[] = [
  { keys: 'Ctrl+Enter', action: 'run', what: 'run the prompt on every column' },
  { keys: 'Escape', action: 'cancel', what: 'cancel the run (or close this help)' },
  { keys: 'Alt+← / [', action: 'previous', what: 'previous item' },
  { keys: 'Alt+→ / ]', action: 'next', what: 'next item' },
  { keys: 'm', action: 'mode', what: 'switch mode (zero-shot → ICL → FTICL format)' },
  { keys: 'p', action: 'present', what: 'presentation mode on/off (← → step items there)' },
  { keys: '?', action: 'help', what: 'this help' },
];

/** The action of a key event, or null. Plain keys are ignored while typing in a field. */
export function actionOf(e: Pick<KeyboardEvent, 'key' | 'ctrlKey' | 'metaKey' | 'altKey'>, typing: boolean, presenting: boolean): KeyAction | null {
  if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) return 'run';
  if (e.key === 'Escape') return 'cancel';
  if (e.altKey && e.key === 'ArrowLeft') return 'previous';
  if (e.altKey && e.key === 'ArrowRight') return 'next';
  if (typing || e.ctrlKey || e.metaKey || e.altKey) return null;
  if (e.key === '[' || (presenting && e.key === 'ArrowLeft')) return 'previous';
  if (e.key === ']' || (presenting && e.key === 'ArrowRight')) return 'next';
  if (e.key === 'm') return 'mode';
  if (e.key === 'p') return 'present';
  if (e.key === '?') return 'help';
  return null;
}
