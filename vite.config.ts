import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { cspMetaPlugin } from './scripts/csp.ts';
import { servedModelsPlugin } from './scripts/served-models.ts';

// The app is a static SPA; the engine runs in a module worker (workers/engine.worker.ts)
// so that web-llm stays out of the page's own bundle.
export default defineConfig({
  // The built pages carry a strict Content-Security-Policy (scripts/csp.ts; README "Security").
  // models/index.json lists the model folders served (scripts/served-models.ts).
  plugins: [svelte(), cspMetaPlugin(), servedModelsPlugin()],
  // keepNames: FtlabError subclasses take their `name` from the class; minified names would
  // show users "N: prompt too long" instead of ContextWindowExceededError.
  worker: { format: 'es', rolldownOptions: { output: { keepNames: true } } },
  build: { target: 'es2022', chunkSizeWarningLimit: 8000, rolldownOptions: { output: { keepNames: true } } },
  server: { port: 5173, strictPort: false },
});
