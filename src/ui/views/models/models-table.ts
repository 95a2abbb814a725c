/**
 * What the Models & storage panel shows, computed from the webgpu backend's answers: one row per
 * registry model (its summary joined with its cache state), the storage bar's fraction, and a
 * look at a picked folder before it is sent to the worker. Pure functions: unit-tested in Node.
 */
import type { CacheBackend, CachedModelSummary, ImportProgress, ModelSummary, StorageEstimate } from '../../../engine-client/index.ts';
import { formatBytes } from '../format.ts';

export type CachedState = CachedModelSummary['status'];

export interface ModelRow {
  id: string;
  /** 'prebuilt' | 'custom' (added by URL) | 'imported' (from a local folder). */
  source: string;
  quantization: string;
  /** 'complete' | 'partial' | 'none'; 'unknown' when the cache listing did not include it. */
  cached: CachedState | 'unknown';
  /** Bytes in the cache (0 when nothing is cached). */
  bytes: number;
  note: string;
}

/** The registry's source names as the panel shows them ("url" models are custom ones). */
export function sourceLabel(source: string): string {
  return source === 'url' ? 'custom' : source;
}

/** The cached column's text. */
export function cachedLabel(state: ModelRow['cached']): string {
  switch (state) {
    case 'complete':
      return 'yes';
    case 'partial':
      return 'partly';
    case 'none':
      return 'no';
    default:
      return '?';
  }
}

/**
 * One row per model, registry order. A cached model missing from the registry listing (it was
 * listed a moment apart) still gets a row, so nothing cached is ever hidden.
 */
export function modelRows(models: readonly ModelSummary[], cached: readonly CachedModelSummary[]): ModelRow[] {
  const byId = new Map(cached.map((c) => [c.id, c]));
  const rows: ModelRow[] = models.map((m) => {
    const c = byId.get(m.id);
    return {
      id: m.id,
      source: sourceLabel(m.source),
      quantization: m.quantization,
      cached: c ? c.status : 'unknown',
      bytes: c?.bytes ?? 0,
      note: m.note,
    };
  });
  const known = new Set(models.map((m) => m.id));
  for (const c of cached) {
    if (!known.has(c.id)) rows.push({ id: c.id, source: sourceLabel(c.source), quantization: '?', cached: c.status, bytes: c.bytes, note: '' });
  }
  return rows;
}

/** Something is in the cache for this row (a partial download too: it can be deleted). */
export function isDeletable(row: ModelRow): boolean {
  return row.cached === 'complete' || row.cached === 'partial';
}

/** used / quota in [0, 1], or null when the browser does not say. */
export function usageFraction(e: StorageEstimate | null): number | null {
  if (!e || e.usageBytes === null || e.quotaBytes === null || e.quotaBytes <= 0) return null;
  return Math.min(1, Math.max(0, e.usageBytes / e.quotaBytes));
}

/** "1.5 MiB of 10 GiB (0.01%), persistent"; "?" where the browser does not say. */
export function storageText(e: StorageEstimate): string {
  const f = usageFraction(e);
  const used = e.usageBytes !== null ? formatBytes(e.usageBytes) : '?';
  const quota = e.quotaBytes !== null ? formatBytes(e.quotaBytes) : '?';
  const percent = f === null ? '' : ` (${f > 0 && f < 0.0001 ? '<0.01' : (f * 100).toFixed(f < 0.1 ? 2 : 1)}%)`;
  return `${used} of ${quota}${percent}${e.persisted ? ', persistent' : ''}`;
}

export const CACHE_BACKEND_CHOICES: readonly { value: CacheBackend; label: string }[] = [
  { value: 'cache', label: 'Cache API (default)' },
  { value: 'indexeddb', label: 'IndexedDB' },
];

/** What a picked folder holds, shown while it is verified and imported. */
export interface FolderSelection {
  /** The picked folder's name (first segment of webkitRelativePath), if known. */
  name: string | null;
  files: number;
  bytes: number;
}

/** Counts the files of an `<input webkitdirectory>` pick. */
export function describeFolderFiles(files: readonly File[]): FolderSelection {
  const first = files[0] as (File & { webkitRelativePath?: string }) | undefined;
  const rel = first?.webkitRelativePath ?? '';
  return {
    name: rel.includes('/') ? rel.slice(0, rel.indexOf('/')) : null,
    files: files.length,
    bytes: files.reduce((s, f) => s + f.size, 0),
  };
}

/** Import progress in [0, 1]: verifying is the first half (every byte is hashed), writing the second. */
export function importFraction(p: ImportProgress): number {
  const within = p.bytesTotal > 0 ? p.bytesDone / p.bytesTotal : p.total > 0 ? p.done / p.total : 1;
  return (p.phase === 'verify' ? 0 : 0.5) + within / 2;
}

/** "verifying sha256: 2 of 6 files, 1.0 MiB of 3.4 MiB (tokenizer.json)". */
export function importProgressText(p: ImportProgress): string {
  const what = p.phase === 'verify' ? 'verifying sha256' : 'caching';
  return `${what}: ${p.done} of ${p.total} files, ${formatBytes(p.bytesDone)} of ${formatBytes(p.bytesTotal)} (${p.file})`;
}
