import { defineConfig } from 'vitest/config';

import { sharedVitestConfig } from '../../vitest.shared.mjs';

export default defineConfig(sharedVitestConfig('ehr-adapters', import.meta.dirname));
