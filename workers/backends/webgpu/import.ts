/**
 * Importing a local folder of MLC artifacts (picked in the page: <input webkitdirectory> Files or
 * a FileSystemDirectoryHandle) into web-llm's caches, under the URLs web-llm will request, so the
 * model loads with no server at all. Every file is checked against ftlab-manifest.json (size and
 * sha256) before it is written; a failed import removes what it wrote.
 */
import { ArtifactMissingError } from '../../../src/core/engine-errors.ts';
import { MANIFEST_FILE, ManifestInvalidError, parseManifest, verifyArtifact, type FtlabManifest, type ManifestFile } from '../../../src/core/manifest.ts';
import { deleteFolderFromCache, scopeOf, type ArtifactStore } from './cache.ts';
import { importedModelUrl } from './urls.ts';

/** A file and its path relative to the model folder. */
export interface FolderFile {
  path: string;
  file: Blob;
}

/** Minimal FileSystemDirectoryHandle shape (so this compiles and tests without the DOM type's extras). */
export interface DirectoryHandleLike {
  kind: 'directory';
  name: string;
  entries(): AsyncIterable<[string, { kind: 'file'; getFile(): Promise<File> } | DirectoryHandleLike]>;
}

export type FolderSource = File[] | FolderFile[] | DirectoryHandleLike;

/** Files of a folder with paths relative to it (the picked folder's own name stripped). */
export async function collectFolderFiles(source: FolderSource): Promise<FolderFile[]> {
  if (!Array.isArray(source)) {
    const out: FolderFile[] = [];
    const walk = async (dir: DirectoryHandleLike, prefix: string): Promise<void> => {
      for await (const [name, h] of dir.entries()) {
        if (h.kind === 'file') out.push({ path: prefix + name, file: await h.getFile() });
        else await walk(h, `${prefix}${name}/`);
      }
    };
    await walk(source, '');
    return out;
  }
  return source.map((f) => {
    if ('path' in f && 'file' in f) return f as FolderFile;
    const file = f as File;
    // <input webkitdirectory>: "picked-folder/sub/file.bin" → "sub/file.bin".
    const rel = (file as File & { webkitRelativePath?: string }).webkitRelativePath;
    const path = rel && rel.includes('/') ? rel.slice(rel.indexOf('/') + 1) : file.name;
    return { path, file };
  });
}

export interface ImportProgress {
  /** 'verify': every file is checked before anything is written; 'write': checked again and cached. */
  phase: 'verify' | 'write';
  /** The file just finished. */
  file: string;
  /** Files finished in this phase, of `total`. */
  done: number;
  total: number;
  bytesDone: number;
  bytesTotal: number;
}

export interface ImportResult {
  manifest: FtlabManifest;
  /** The folder URL the model is cached under (give it to load() as ModelSpec.url). */
  folderUrl: string;
  /** Model lib URL when the folder carried its own .wasm (then cached under folderUrl). */
  modelLibUrl?: string;
  bytes: number;
  /** Files in the folder that the manifest does not list (not imported). */
  ignored: string[];
}

/**
 * Verifies and writes a folder into the cache. The manifest's `modelLib` may be a path inside
 * the folder (e.g. "model-webgpu.wasm"): the lib is then imported too.
 *
 * Every file is verified before the first write, so a bad folder leaves the cache as it was (a
 * copy of the same model imported before survives a failed re-import). Files are read again to
 * be written (4 GB do not fit in memory twice) and checked again then, so nothing unverified is
 * ever cached; a failure while writing (quota) removes what was written.
 */
export interface ImportOptions {
  onProgress?: (p: ImportProgress) => void;
  /**
   * Called with the parsed manifest before any file is read: throws to refuse the folder (e.g. a
   * quantization with no model lib, an id taken by a prebuilt model), leaving the cache untouched.
   */
  accept?: (manifest: FtlabManifest) => void;
}

export async function importFolderIntoCache(store: ArtifactStore, source: FolderSource, options: ImportOptions = {}): Promise<ImportResult> {
  const { onProgress, accept } = options;
  const files = await collectFolderFiles(source);
  const byPath = new Map(files.map((f) => [f.path, f.file]));
  const manifestFile = byPath.get(MANIFEST_FILE);
  if (!manifestFile) {
    throw new ManifestInvalidError([`the folder has no ${MANIFEST_FILE} (found: ${files.slice(0, 8).map((f) => f.path).join(', ') || 'nothing'})`]);
  }
  const manifest = parseManifest(await manifestFile.text());
  accept?.(manifest);
  const missing = manifest.files.filter((f) => !byPath.has(f.path)).map((f) => f.path);
  if (missing.length > 0) throw new ArtifactMissingError(missing[0], `listed in ${MANIFEST_FILE} but not in the folder${missing.length > 1 ? ` (${missing.length} files missing: ${missing.slice(0, 5).join(', ')})` : ''}`);

  const { folderUrl } = importedModelUrl(manifest.id);
  const localLib = manifest.modelLib !== null && !/^[a-z]+:/i.test(manifest.modelLib) && byPath.has(manifest.modelLib) ? manifest.modelLib : undefined;
  const listed = new Set(manifest.files.map((f) => f.path));
  const ignored = files.map((f) => f.path).filter((p) => p !== MANIFEST_FILE && !listed.has(p));
  const bytesTotal = manifest.files.reduce((s, f) => s + f.size, 0);
  const readVerified = async (entry: ManifestFile): Promise<Uint8Array> => {
    const bytes = new Uint8Array(await (byPath.get(entry.path) as Blob).arrayBuffer());
    await verifyArtifact(entry, bytes);
    return bytes;
  };
  let bytesDone = 0;
  for (const [i, entry] of manifest.files.entries()) {
    await readVerified(entry);
    bytesDone += entry.size;
    onProgress?.({ phase: 'verify', file: entry.path, done: i + 1, total: manifest.files.length, bytesDone, bytesTotal });
  }
  bytesDone = 0;
  try {
    for (const [i, entry] of manifest.files.entries()) {
      const bytes = await readVerified(entry);
      await store.write(scopeOf(entry.path), new URL(entry.path, folderUrl).href, bytes);
      bytesDone += entry.size;
      onProgress?.({ phase: 'write', file: entry.path, done: i + 1, total: manifest.files.length, bytesDone, bytesTotal });
    }
    // Keep the manifest next to the weights: listing and provenance read it from the cache.
    await store.write('webllm/model', new URL(MANIFEST_FILE, folderUrl).href, new Uint8Array(await manifestFile.arrayBuffer()));
  } catch (e) {
    await deleteFolderFromCache(store, folderUrl).catch(() => undefined);
    if (localLib) await store.delete('webllm/wasm', new URL(localLib, folderUrl).href).catch(() => undefined);
    throw e;
  }
  return {
    manifest,
    folderUrl,
    ...(localLib ? { modelLibUrl: new URL(localLib, folderUrl).href } : {}),
    bytes: bytesTotal,
    ignored,
  };
}
