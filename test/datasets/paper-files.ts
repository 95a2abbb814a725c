/** Reading the paper's files in place (never copied), for the dataset and prompt tests. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { catalogueEntry, parseDataset, type ParsedDataset } from '../../src/core/datasets/index.ts';
import { getTask } from '../../src/core/tasks/index.ts';
import { PAPER_DATA } from '../helpers/paths.ts';

const cache = new Map<string, ParsedDataset>();

export function readPaperText(relPath: string): string {
  return readFileSync(path.join(PAPER_DATA, relPath), 'utf8');
}

/** The raw JSON array of a catalogue entry, as Python's json.load would see it. */
export function rawPaperItems(id: string): Record<string, unknown>[] {
  return JSON.parse(readPaperText(catalogueEntry(id).path)) as Record<string, unknown>[];
}

/** A catalogue entry parsed for its task (cached across tests in one file). */
export function loadPaper(id: string): ParsedDataset {
  const hit = cache.get(id);
  if (hit) return hit;
  const e = catalogueEntry(id);
  const parsed = parseDataset(readPaperText(e.path), { task: getTask(e.task), source: path.basename(e.path) });
  cache.set(id, parsed);
  return parsed;
}
