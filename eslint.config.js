// Lint: typescript-eslint's recommended rules, plus the process layers of docs/architecture.md as import allowlists.
import tseslint from 'typescript-eslint';
import layers from './eslint-rules/layer-imports.js';

/**
 * What each layer may import: its `imports` folders and files (a path without its extension), the named `packages`
 * (and their subpaths), and Node built-ins only where `builtins` is set. Anything else fails `npm run lint`; a file
 * under src/ in no layer fails too.
 */
const LAYERS = [
  {
    name: 'src/shared',
    folder: 'src/shared',
    imports: ['src/shared'],
    // marked: the Markdown grammar (math, nesting limits) that the window and the HTML export must read alike; pure.
    packages: ['zod', 'marked'],
    builtins: false,
    rule: 'src/shared is the contract: schemas and pure functions, runnable in every process.',
  },
  {
    name: 'the core',
    folder: 'src/main/core',
    imports: ['src/main/core', 'src/shared'],
    // marked, katex and highlight.js render Markdown for the self-contained HTML export.
    packages: ['zod', 'better-sqlite3', '@anthropic-ai/sdk', 'openai', 'stream-json', 'yauzl', 'uuid', 'marked', 'katex', 'highlight.js'],
    builtins: true,
    rule: 'core/ is plain Node: never electron, react or a host; the platform comes in as parameters.',
  },
  {
    name: 'the headless host',
    folder: 'src/main/host',
    // The core's one door (src/main/core/platform.ts), never its store, engine or assembly.
    imports: ['src/main/host', 'src/main/core/platform', 'src/shared'],
    packages: ['zod', 'ws'],
    builtins: true,
    rule: 'the host reaches the core only through its door, src/main/core/platform.ts (contract calls, events, byte routes).',
  },
  {
    name: 'the desktop shell',
    folder: 'src/main/electron',
    imports: ['src/main/electron', 'src/main/core/platform', 'src/shared'],
    packages: ['zod', 'electron', 'electron-store'],
    builtins: true,
    rule: 'the desktop shell reaches the core only through its door, src/main/core/platform.ts (contract calls, events, byte routes).',
  },
  {
    name: 'the preload',
    folder: 'src/preload',
    imports: ['src/preload', 'src/shared'],
    // Sandboxed: its require offers electron and a few polyfills, not Node's modules.
    packages: ['electron'],
    builtins: false,
    rule: 'the sandboxed preload exposes the contract and nothing else.',
  },
  {
    name: 'the renderer',
    folder: 'src/renderer',
    imports: ['src/renderer', 'src/shared'],
    packages: ['react', 'react-dom', 'zustand', '@tanstack/react-virtual', 'marked', 'dompurify', 'highlight.js', 'katex', 'mermaid'],
    builtins: false,
    rule: 'the renderer is a web page: it reaches the core only through the contract (src/shared).',
  },
];

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', 'test-results/**', 'playwright-report/**', 'docs/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['src/**/*.{ts,tsx,js,mjs,cjs}'],
    // Tests beside the code may use test tooling; they ship in no bundle.
    ignores: ['src/**/*.test.{ts,tsx}'],
    plugins: { holdfast: layers },
    rules: {
      'holdfast/layer-imports': ['error', { root: import.meta.dirname, scope: 'src', layers: LAYERS }],
    },
  },
  {
    files: ['src/renderer/src/features/**', 'src/renderer/src/components/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: '../api/client',
              importNames: ['api', 'sync'],
              message:
                'Features call the contract through `actions` (src/renderer/src/state/actions.ts), so every failure reaches the error banner.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/main/**'],
    rules: {
      // Loading the SDKs costs about 200 ms of CPU: a start that streams nothing yet must not pay for them (issue 14 §1).
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@anthropic-ai/sdk', '@anthropic-ai/sdk/*', 'openai', 'openai/*'],
              allowTypeImports: true,
              message: 'Load the provider SDKs on first use (`await import(...)`, as providers/anthropic.ts does), not with the process.',
            },
          ],
        },
      ],
    },
  },
);
