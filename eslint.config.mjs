// ESLint 9 flat config: typescript-eslint's recommended rules (without type information, so linting stays fast on a small
// machine) for every TypeScript and JavaScript file of the repository. Formatting is Prettier's job (.prettierrc.json).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// Node's globals, for the .mjs/.js scripts (TypeScript files get them from @types/node, and no-undef is off for them).
const nodeGlobals = Object.fromEntries(
  [
    'AbortController',
    'AbortSignal',
    'Buffer',
    'URL',
    'URLSearchParams',
    'TextDecoder',
    'TextEncoder',
    'console',
    'process',
    'globalThis',
    'setTimeout',
    'clearTimeout',
    'setInterval',
    'clearInterval',
    'setImmediate',
    'clearImmediate',
    'queueMicrotask',
    'structuredClone',
    'performance',
    'fetch',
    'Response',
    'Request',
    'Headers',
    'FormData',
    'Blob',
    'crypto',
    'navigator',
    'document',
    'window',
    'location',
    'EventSource',
    'localStorage',
    'sessionStorage',
    'history',
    'HTMLElement',
    'Event',
    'CustomEvent',
    'MutationObserver',
    'Intl',
  ].map((name) => [name, 'readonly']),
);

export default tseslint.config(
  {
    ignores: ['**/node_modules/**', '**/dist/**', '**/out-tsc/**', '**/coverage/**', '.nx/**', '**/*.d.ts', '**/test-output/**', 'packages/cli/templates/**'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.{js,mjs,cjs}'],
    languageOptions: { globals: nodeGlobals },
  },
  {
    // The dashboard's scripts run in the browser.
    files: ['packages/controller/assets/**/*.js'],
    languageOptions: { globals: { ...nodeGlobals, Node: 'readonly', CSS: 'readonly', Element: 'readonly' } },
  },
  {
    rules: {
      // `_`-prefixed parameters and caught errors are the code's convention for "deliberately unused".
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // `{}` is the empty-object type in conditional types (`{} extends Params<K> ? …`), a deliberate use in the route table.
      '@typescript-eslint/no-empty-object-type': 'off',
      // A `let` read by a closure before its one assignment (the autoscaler's self-reference) cannot be a const.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
    },
  },
  {
    // Tests reach into plain data with `any`; the code under test is strictly typed.
    files: ['**/*.test.ts', '**/test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
