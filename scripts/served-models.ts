/**
 * `models/index.json`: which model folders a build serves (those under public/models/ with an
 * ftlab-manifest.json), so the app can look for optional models (the miniature study's, which
 * `npm run mini` installs) without asking for files that are not there. A 404 is a console error
 * in every page load; the index is always there: written by the build, answered by the dev
 * server and by the browser tests' server from the folders as they are at that moment.
 *
 *   { "schema": "ftlab-served-models", "version": 1, "models": ["mini-base", "tiny-random-llama-f32", …] }
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { Plugin } from 'vite';

export const SERVED_MODELS_PATH = 'models/index.json';

/** Folder names under `<root>/models/` holding an ftlab-manifest.json, over all roots, sorted. */
export function servedModels(roots: readonly string[]): string[] {
  const out = new Set<string>();
  for (const root of roots) {
    const dir = path.join(root, 'models');
    if (!existsSync(dir)) continue;
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.isDirectory() && existsSync(path.join(dir, e.name, 'ftlab-manifest.json'))) out.add(e.name);
    }
  }
  return [...out].sort();
}

export function servedModelsJson(roots: readonly string[]): string {
  return JSON.stringify({ schema: 'ftlab-served-models', version: 1, models: servedModels(roots) }, null, 2) + '\n';
}

/** A Vite plugin: the dev server answers models/index.json from public/ as it is; the build writes it. */
export function servedModelsPlugin(publicDir = path.resolve('public')): Plugin {
  return {
    name: 'ftlab-served-models',
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        if (new URL(req.url ?? '/', 'http://x').pathname !== `/${SERVED_MODELS_PATH}`) return next();
        res.setHeader('content-type', 'application/json; charset=utf-8');
        res.setHeader('cache-control', 'no-store');
        res.end(servedModelsJson([publicDir]));
      });
    },
    generateBundle() {
      this.emitFile({ type: 'asset', fileName: SERVED_MODELS_PATH, source: servedModelsJson([publicDir]) });
    },
  };
}
