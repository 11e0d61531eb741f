import { defineConfig } from 'vitest/config';

import { sharedVitestConfig } from '../../vitest.shared.mjs';

export default defineConfig(sharedVitestConfig('clinical', import.meta.dirname));
