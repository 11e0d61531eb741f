import { defineConfig } from 'vitest/config';

import { sharedVitestConfig } from '../../vitest.shared.mjs';

const shared = sharedVitestConfig('platform-e2e', import.meta.dirname);

// Whole-platform tests: one platform per file, files one after another (2 cores).
export default defineConfig({
  ...shared,
  test: {
    ...shared.test,
    include: ['src/**/*.e2e.ts'],
    testTimeout: 60_000,
    hookTimeout: 180_000,
    fileParallelism: false,
  },
});
