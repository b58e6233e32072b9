// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';

/** Import rules of docs/architecture.md: core/ stays pure, only main/preload touch Electron. */
const nodeAndHostModules = [
  { group: ['node:*'], message: 'core/ is pure: take what you need from the host as an argument.' },
  {
    group: ['electron', 'lowdb', 'lowdb/*', 'steno'],
    message: 'core/ is pure: storage and shell belong to electron/.',
  },
  {
    group: ['svelte', 'svelte/*', 'chart.js', 'chart.js/*'],
    message: 'core/ is pure: UI code belongs to renderer/.',
  },
  {
    group: ['**/electron/**', '**/renderer/**'],
    message: 'core/ depends on nothing outside core/.',
  },
];
const nodeBuiltins = [
  'fs',
  'path',
  'os',
  'crypto',
  'child_process',
  'http',
  'url',
  'util',
  'events',
  'stream',
];

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', '.tsbuild/', 'test/e2e/screenshots/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...svelte.configs['flat/recommended'],
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    files: ['**/*.svelte', '**/*.svelte.ts'],
    languageOptions: {
      parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.svelte'] },
      globals: { ...globals.browser },
    },
  },
  {
    files: ['core/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: nodeAndHostModules, paths: nodeBuiltins }],
      'no-restricted-syntax': [
        'error',
        {
          selector: "MemberExpression[object.name='Date'][property.name='now']",
          message: 'core/ reads time from the test clock, never Date.now().',
        },
        {
          selector: "MemberExpression[object.name='Math'][property.name='random']",
          message: 'core/ takes randomness from the scenario seed, never Math.random().',
        },
        {
          selector: "NewExpression[callee.name='Date'][arguments.length=0]",
          message: 'core/ reads time from the test clock, never new Date().',
        },
      ],
      'no-restricted-globals': [
        'error',
        'window',
        'document',
        'process',
        'Buffer',
        'setTimeout',
        'setInterval',
      ],
    },
  },
  {
    files: ['renderer/**/*.ts', 'renderer/**/*.svelte'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['node:*', 'electron', 'lowdb', 'lowdb/*'],
              message: 'The renderer talks to the host through the api client only.',
            },
            {
              group: ['**/electron/**'],
              message: 'The renderer talks to the host through the api client only.',
            },
            {
              // Types cost nothing at run time; code from core/ must be its dependency-free part.
              regex: '(^|/)core/(?!public/)',
              allowTypeImports: true,
              message:
                'The renderer imports only core/public (types, money formatting, description tables); other core code reaches it through the api client.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['electron/**/*.ts'],
    ignores: ['electron/main.ts', 'electron/preload.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: 'electron',
              message:
                'Only electron/main.ts and electron/preload.ts import electron (it throws without its binary).',
            },
          ],
        },
      ],
    },
  },
);
