// Lint: typescript-eslint's recommended rules, plus the process boundaries of DESIGN.md as import rules.
import tseslint from 'typescript-eslint';

const noImport = (patterns, message) => ['error', { patterns: patterns.map((group) => ({ group: [group], message })) }];

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', 'test-results/**', 'playwright-report/**', 'docs/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['src/shared/**'],
    rules: {
      'no-restricted-imports': noImport(
        ['**/main/**', '**/renderer/**', '**/preload/**', 'electron', 'react', 'node:*', 'better-sqlite3'],
        'src/shared is the contract: it imports nothing with side effects.',
      ),
    },
  },
  {
    files: ['src/main/core/**'],
    rules: {
      'no-restricted-imports': noImport(
        ['electron', 'react', '**/host/**', '**/electron/**', '**/renderer/**', '**/preload/**'],
        'core/ is plain Node: it never imports electron, react or a host.',
      ),
    },
  },
  {
    files: ['src/main/host/**'],
    rules: {
      'no-restricted-imports': noImport(
        ['electron', '**/electron/**', '**/renderer/**', 'react'],
        'the headless host depends on core/ and shared/ only.',
      ),
    },
  },
  {
    files: ['src/main/electron/**'],
    rules: {
      'no-restricted-imports': noImport(['**/host/**', '**/renderer/**', 'react'], 'the desktop shell depends on core/ and shared/ only.'),
    },
  },
  {
    files: ['src/renderer/**'],
    rules: {
      'no-restricted-imports': noImport(
        ['**/main/**', '**/preload/**', 'electron', 'node:*', 'better-sqlite3'],
        'the renderer talks to the core only through the contract (src/shared).',
      ),
    },
  },
  {
    files: ['src/preload/**'],
    rules: { 'no-restricted-imports': noImport(['**/main/**', '**/renderer/**'], 'the preload exposes the contract and nothing else.') },
  },
);
