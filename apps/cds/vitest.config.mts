import { defineConfig } from 'vitest/config';

import { sharedVitestConfig } from '../../vitest.shared.mjs';

export default defineConfig(sharedVitestConfig('cds', import.meta.dirname));
