import { defineConfig } from 'vitest/config';
import { svelte } from '@sveltejs/vite-plugin-svelte';

// Unit tests run in Node; browser tests (test/browser/) drive Debian's Chromium through
// playwright-core themselves. The JSON report is what .ci/run summarizes.
// The Svelte plugin compiles the app's `.svelte.ts` stores (runes) so they are tested in Node.
// Two test files at a time even on 2 cores (vitest's default there is one): the long files wait
// mostly on other processes (Chromium, llama.cpp's server, torch), so a second file runs in
// their waits.
export default defineConfig({
  plugins: [svelte()],
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 180_000,
    reporters: ['default', ['json', { outputFile: 'test-results/vitest.json' }]],
  },
});
