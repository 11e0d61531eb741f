/**
 * Extra rule for `runtime:any` libs: they run in browsers, edge runtimes and Node alike, so they
 * may not import Node built-ins. (Nx's bannedExternalImports covers npm packages, not `node:*`.)
 */
export const runtimeAnyRules = {
  files: ['**/*.ts'],
  ignores: ['**/*.spec.ts', '**/test/**', '**/bench/**', '**/vitest.config.mts'],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: [
          {
            regex: '^node:',
            message: 'runtime:any libs must not import Node built-ins; inject the capability instead.',
          },
          {
            regex: '^(fs|path|crypto|http|https|net|os|child_process|url|buffer|stream|util)$',
            message: 'runtime:any libs must not import Node built-ins; inject the capability instead.',
          },
        ],
      },
    ],
  },
};
