import { defineConfig } from 'vitest/config';

import { sharedVitestConfig } from '../../vitest.shared.mjs';

export default defineConfig(sharedVitestConfig('platform-e2e', import.meta.dirname));
