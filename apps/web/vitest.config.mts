import { defineConfig } from 'vitest/config';

import { sharedVitestConfig } from '../../vitest.shared.mjs';

// Pure view logic only (src/lib); the UI itself is tested in a real browser (apps/platform-e2e).
export default defineConfig(sharedVitestConfig('web', import.meta.dirname));
