import type { ViteUserConfig } from 'vitest/config';

/**
 * Settings every project's vitest config starts from. Workspace libs resolve to their TypeScript
 * sources through the `@bedside/source` export condition, so tests never need a build first.
 */
export function sharedVitestConfig(name: string, dirname: string): ViteUserConfig {
  return {
    root: dirname,
    cacheDir: `${dirname}/../../node_modules/.vite/${name}`,
    resolve: { conditions: ['@bedside/source'] },
    ssr: { resolve: { conditions: ['@bedside/source'], externalConditions: ['@bedside/source'] } },
    test: {
      name,
      watch: false,
      globals: false,
      environment: 'node',
      include: ['{src,test}/**/*.{test,spec}.{ts,tsx}'],
      reporters: ['default'],
      // A project whose first tests have not landed yet must not break `npm test`.
      passWithNoTests: true,
      testTimeout: 20_000,
      hookTimeout: 60_000,
    },
  };
}
