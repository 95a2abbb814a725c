/** Searching and paging a dataset's items (pure). */
import type { TaskItem } from '../../../core/datasets/types.ts';

export const PAGE_SIZE = 20;

/** Items whose fields or output contain every word of the query (case-insensitive). */
export function searchItems(items: readonly TaskItem[], query: string): TaskItem[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return [...items];
  return items.filter((it) => {
    const hay = [...Object.values(it.fields), it.output].join('\n').toLowerCase();
    return words.every((w) => hay.includes(w));
  });
}

export function pageOf<T>(items: readonly T[], page: number, size = PAGE_SIZE): { items: T[]; page: number; pages: number } {
  const pages = Math.max(1, Math.ceil(items.length / size));
  const p = Math.min(Math.max(0, page), pages - 1);
  return { items: items.slice(p * size, (p + 1) * size), page: p, pages };
}
