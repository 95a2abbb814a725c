import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

// The app is a static SPA; the engine runs in a module worker (workers/engine.worker.ts)
// so that web-llm stays out of the page's own bundle.
export default defineConfig({
  plugins: [svelte()],
  worker: { format: 'es' },
  build: { target: 'es2022', chunkSizeWarningLimit: 8000 },
  server: { port: 5173, strictPort: false },
});
