// Lint checks the architecture (style.md §2): the import graph is the design, so the walls are rules.
const { builtinModules } = require('node:module');
const tseslint = require('typescript-eslint');

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];
const postgresBan = { group: ['postgres', '**/activities/conductor/**'], message: 'Only the conductor writes PostgreSQL.' };

module.exports = tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'data/**', '.tools/**', 'migrations/**', '**/*.js'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: __dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-require-imports': 'off',
    },
  },
  {
    files: ['workflows/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: nodeBuiltins,
          patterns: [
            { group: ['**/activities/**'], allowTypeImports: true, message: 'Workflows see activities as types.' },
            { group: ['postgres', 'pino', 'express', '**/config'], allowTypeImports: true, message: 'Workflow code stays deterministic.' },
          ],
        },
      ],
    },
  },
  {
    files: ['activities/compute/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        { patterns: [postgresBan, { group: ['**/api/**', '**/activities/scheduler/**'], message: 'Compute only acts on its host.' }] },
      ],
    },
  },
  {
    // Image bytes are shared by the image service and the hosts; the store knows neither, nor the database.
    files: ['storage/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        { patterns: [postgresBan, { group: ['**/api/**', '**/activities/**', '**/workflows/**'], message: 'The store is a leaf.' }] },
      ],
    },
  },
  {
    // Which images hold which bytes, and their release: shared by the image service and the conductor.
    files: ['image-data/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        { patterns: [{ group: ['**/api/**', '**/activities/**', '**/workflows/**'], message: 'Image data is a leaf.' }] },
      ],
    },
  },
  {
    files: ['activities/scheduler/**/*.ts'],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns: [postgresBan] }] },
  },
  {
    files: ['api/**/*.ts'],
    ignores: ['api/queries/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['postgres'], allowTypeImports: true, message: 'The API reads through api/queries only.' },
            { group: ['**/activities/**'], message: 'The API starts workflows; it never runs activities.' },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.test.ts', 'test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
