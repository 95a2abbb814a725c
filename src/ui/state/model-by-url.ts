/**
 * A model folder added by URL: read its ftlab-manifest.json (when it has one) so the model gets
 * its real id, method (base / FT / FTICL), training set and size before any weight downloads,
 * and the other views can label and group it. A folder without a manifest is still added, and
 * says so; a broken manifest is refused with the validator's own list of what is wrong.
 */
import { MANIFEST_FILE, manifestTotalBytes, parseManifest, type FtlabManifest } from '../../core/manifest.ts';
import type { BackendName } from '../../engine-client/index.ts';
import type { ModelProvenance, ModelSource } from './model-sources.ts';

/** What a fetch of one file gave: its status and, when it succeeded, its text. */
export type FetchFile = (url: string) => Promise<{ status: number; text: string }>;

/** What a user added by URL, as kept in this browser (the manifest is read again on reload). */
export interface AddedModel {
  url: string;
  backend: BackendName;
}

const METHOD_LABEL = { base: 'base', ft: 'FT', fticl: 'FTICL' } as const;

/** The folder's URL, resolved against the page and ending in "/". */
export function folderUrl(url: string, baseHref: string): string {
  const href = new URL(url.trim(), baseHref).href;
  return href.endsWith('/') ? href : `${href}/`;
}

/** The source of a folder added by URL; throws ManifestInvalidError on a broken manifest. */
export async function sourceFromUrl(added: AddedModel, baseHref: string, fetchFile: FetchFile): Promise<ModelSource> {
  const folder = folderUrl(added.url, baseHref);
  const fallbackId = new URL(folder).pathname.split('/').filter(Boolean).at(-1) ?? 'custom-model';
  let res: { status: number; text: string };
  try {
    res = await fetchFile(`${folder}${MANIFEST_FILE}`);
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    return { kind: 'url', id: fallbackId, title: fallbackId, url: folder, backend: added.backend, provenance: { method: `unknown (${MANIFEST_FILE} could not be fetched: ${why})` } };
  }
  if (res.status === 404) {
    return { kind: 'url', id: fallbackId, title: fallbackId, url: folder, backend: added.backend, provenance: { method: `unknown (the folder has no ${MANIFEST_FILE})` } };
  }
  if (res.status < 200 || res.status >= 300) {
    return { kind: 'url', id: fallbackId, title: fallbackId, url: folder, backend: added.backend, provenance: { method: `unknown (${MANIFEST_FILE}: HTTP ${res.status})` } };
  }
  const m = parseManifest(res.text, `${folder}${MANIFEST_FILE}`);
  return { kind: 'url', id: m.id, title: m.id, url: folder, backend: added.backend, sizeBytes: manifestTotalBytes(m), provenance: provenanceOf(m) };
}

/** What a manifest says of how the model was made (method, training set and size, shots, map). */
export function provenanceOf(m: FtlabManifest): ModelProvenance {
  const training = m.training;
  return {
    method: METHOD_LABEL[m.method],
    ...(training ? { trainingSet: training.dataset, trainingSize: training.size, ...(training.shots > 0 ? { shots: training.shots } : {}) } : {}),
    ...(m.template !== null ? { template: m.template } : {}),
    baseModel: m.baseModel,
  };
}
