// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'migrations/**', 'coverage/**', 'bench/results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      globals: { ...globals.node },
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/only-throw-error': 'error',
    },
  },
  {
    // The core is pure: no I/O, no SDKs, no other layer.
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['**/adapters/**', '**/db/**', '**/jobs/**', '**/http/**', '**/app/**', '**/config/**'], message: 'src/core must stay pure.' },
          { group: ['@slack/*', 'discord.js', 'node-telegram-bot-api', 'bullmq', 'ioredis', 'drizzle-orm', 'drizzle-orm/*', 'postgres', 'fastify', 'pino', 'node:fs', 'node:net', 'node:http', 'fs', 'net', 'http'], message: 'src/core must not do I/O or import SDKs.' },
        ],
      }],
    },
  },
  {
    // Tests read JSON responses loosely; the assertions are the type check. The emulators read
    // the platforms' wire JSON as loosely as the real servers accept it.
    files: ['tests/**/*.ts', 'bench/**/*.ts', 'src/emulators/**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  {
    // The dashboard's client runs in the browser.
    files: ['web/**/*.ts'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    files: ['**/*.js'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    // The demo page's scripts run in the browser.
    files: ['src/demo/assets/**/*.js'],
    languageOptions: { globals: { ...globals.browser } },
  },
);
