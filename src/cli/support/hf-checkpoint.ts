/**
 * Opens a Hugging Face checkpoint folder on disk: `config.json` plus its safetensors files
 * (those `model.safetensors.index.json` names, or every `*.safetensors`), headers only. Tensors
 * are then read one at a time by byte range.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ArtifactCorruptError, ArtifactMissingError } from '../../core/engine-errors.ts';
import type { HfTensorSource } from '../../core/convert/hf-to-mlc.ts';
import { readSafetensorsHeader, readSafetensorsTensor, type SafetensorsHeader } from '../../core/safetensors/reader.ts';
import { openFileByteSource, type FileByteSource } from './file-bytes.ts';

export const HF_INDEX_FILE = 'model.safetensors.index.json';

export interface OpenedCheckpoint extends HfTensorSource {
  dir: string;
  files: string[];
  close(): Promise<void>;
}

export function readJson(file: string): unknown {
  if (!existsSync(file)) throw new ArtifactMissingError(file, 'no such file');
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as unknown;
  } catch (e) {
    throw new ArtifactCorruptError(file, `not valid JSON (${(e as Error).message})`, undefined, { cause: e });
  }
}

/** The safetensors files of a checkpoint folder, sorted (the index's, when there is one). */
export function safetensorsFiles(dir: string): string[] {
  const index = path.join(dir, HF_INDEX_FILE);
  if (existsSync(index)) {
    const json = readJson(index) as { weight_map?: Record<string, string> };
    if (!json.weight_map || typeof json.weight_map !== 'object') throw new ArtifactCorruptError(index, 'no "weight_map" object');
    return [...new Set(Object.values(json.weight_map))].sort();
  }
  if (!existsSync(dir)) throw new ArtifactMissingError(dir, 'no such folder');
  const files = readdirSync(dir).filter((f) => f.endsWith('.safetensors')).sort();
  if (files.length === 0) {
    const bin = readdirSync(dir).some((f) => f.endsWith('.bin') || f.endsWith('.pt'));
    throw new ArtifactMissingError(path.join(dir, '*.safetensors'), bin ? 'only PyTorch .bin files: re-save with save_pretrained(..., safe_serialization=True)' : 'no safetensors files in the folder');
  }
  return files;
}

export async function openCheckpoint(dir: string, files = safetensorsFiles(dir)): Promise<OpenedCheckpoint> {
  const sources: FileByteSource[] = [];
  const where = new Map<string, { src: FileByteSource; header: SafetensorsHeader }>();
  const shapes = new Map<string, number[]>();
  try {
    for (const f of files) {
      const src = await openFileByteSource(path.join(dir, f));
      sources.push(src);
      const header = await readSafetensorsHeader(src);
      for (const [name, t] of header.tensors) {
        if (where.has(name)) throw new ArtifactCorruptError(src.file, `also in ${where.get(name)!.src.file}: a tensor must be in one file`, name);
        where.set(name, { src, header });
        shapes.set(name, t.shape);
      }
    }
  } catch (e) {
    await Promise.all(sources.map((s) => s.close()));
    throw e;
  }
  return {
    dir,
    files,
    shapes,
    fileOf: (name) => where.get(name)?.src.file ?? dir,
    read(name) {
      const w = where.get(name);
      if (!w) throw new ArtifactCorruptError(dir, 'no such tensor in the checkpoint', name);
      return readSafetensorsTensor(w.src, w.header, name);
    },
    close: async () => void (await Promise.all(sources.map((s) => s.close()))),
  };
}
