import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

/**
 * Workspace lint rules. Module boundaries come from each project's tags:
 *   type:app | feature | data-access | util | types | testing
 *   runtime:any (no node:*, Nest, Prisma, React or Next) | runtime:node | runtime:browser
 *   layer:leaf (imports no other workspace lib: fhir-model, scopes)
 */
export default [
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  ...nx.configs['flat/javascript'],
  {
    ignores: [
      '**/dist',
      '**/out-tsc',
      '**/.next',
      '**/generated/**',
      '**/vitest.config.*.timestamp*',
      '**/next-env.d.ts',
      '.data/**',
    ],
  },
  {
    files: ['**/*.ts', '**/*.tsx', '**/*.js', '**/*.jsx', '**/*.mts', '**/*.mjs'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: true,
          allow: ['^.*/eslint(\\.base)?\\.config\\.[cm]?[jt]s$', '^.*/vitest\\.shared\\.mjs$', '^.*/eslint\\.runtime-any\\.mjs$'],
          depConstraints: [
            { sourceTag: 'layer:leaf', onlyDependOnLibsWithTags: [] },
            {
              sourceTag: 'type:app',
              onlyDependOnLibsWithTags: [
                'type:feature',
                'type:data-access',
                'type:util',
                'type:types',
                'type:ui',
              ],
            },
            {
              sourceTag: 'type:feature',
              onlyDependOnLibsWithTags: ['type:feature', 'type:util', 'type:types'],
            },
            {
              sourceTag: 'type:data-access',
              onlyDependOnLibsWithTags: ['type:util', 'type:types'],
            },
            { sourceTag: 'type:util', onlyDependOnLibsWithTags: ['type:util', 'type:types'] },
            { sourceTag: 'type:types', onlyDependOnLibsWithTags: ['type:types'] },
            {
              sourceTag: 'type:testing',
              onlyDependOnLibsWithTags: ['type:feature', 'type:util', 'type:types', 'type:data-access'],
            },
            {
              sourceTag: 'runtime:any',
              onlyDependOnLibsWithTags: ['runtime:any'],
              bannedExternalImports: [
                '@nestjs/*',
                '@prisma/*',
                'prisma',
                'pg',
                'react',
                'react-dom',
                'next',
                'next/*',
                'fastify',
                'fastify/*',
              ],
            },
            {
              sourceTag: 'runtime:browser',
              onlyDependOnLibsWithTags: ['runtime:any', 'runtime:browser'],
              bannedExternalImports: ['@nestjs/*', '@prisma/*', 'prisma', 'pg', 'fastify'],
            },
            { sourceTag: 'runtime:node', onlyDependOnLibsWithTags: ['runtime:any', 'runtime:node'] },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.ts', '**/*.tsx', '**/*.mts'],
    languageOptions: {
      parserOptions: {
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/consistent-type-imports': [
        'error',
        { prefer: 'type-imports', fixStyle: 'separate-type-imports' },
      ],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_' },
      ],
    },
  },
  {
    files: ['**/*.mjs', '**/*.js', '**/*.cjs'],
    ...tseslint.configs.disableTypeChecked,
  },
];
