import { defineConfig } from 'vitest/config';

// Unit tests run in Node; browser tests (test/browser/) drive Debian's Chromium through
// playwright-core themselves. The JSON report is what .ci/run summarizes.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
    hookTimeout: 180_000,
    reporters: ['default', ['json', { outputFile: 'test-results/vitest.json' }]],
  },
});
