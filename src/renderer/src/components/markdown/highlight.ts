/**
 * Syntax highlighting with highlight.js's core and only the languages an answer uses, each loaded the first time a
 * code block names it. Language detection (for code blocks without a language) is costly and grows with the code,
 * so it runs once per block, only on small finished blocks, and only among a handful of common languages.
 */
import hljs from 'highlight.js/lib/core';
import type { LanguageFn } from 'highlight.js';
import { librariesLoaded } from './libs';

type Loader = () => Promise<{ default: LanguageFn }>;

const LOADERS: Record<string, Loader> = {
  bash: () => import('highlight.js/lib/languages/bash'),
  c: () => import('highlight.js/lib/languages/c'),
  cpp: () => import('highlight.js/lib/languages/cpp'),
  csharp: () => import('highlight.js/lib/languages/csharp'),
  css: () => import('highlight.js/lib/languages/css'),
  diff: () => import('highlight.js/lib/languages/diff'),
  dockerfile: () => import('highlight.js/lib/languages/dockerfile'),
  go: () => import('highlight.js/lib/languages/go'),
  graphql: () => import('highlight.js/lib/languages/graphql'),
  ini: () => import('highlight.js/lib/languages/ini'),
  java: () => import('highlight.js/lib/languages/java'),
  javascript: () => import('highlight.js/lib/languages/javascript'),
  json: () => import('highlight.js/lib/languages/json'),
  kotlin: () => import('highlight.js/lib/languages/kotlin'),
  less: () => import('highlight.js/lib/languages/less'),
  lua: () => import('highlight.js/lib/languages/lua'),
  makefile: () => import('highlight.js/lib/languages/makefile'),
  markdown: () => import('highlight.js/lib/languages/markdown'),
  objectivec: () => import('highlight.js/lib/languages/objectivec'),
  perl: () => import('highlight.js/lib/languages/perl'),
  php: () => import('highlight.js/lib/languages/php'),
  plaintext: () => import('highlight.js/lib/languages/plaintext'),
  powershell: () => import('highlight.js/lib/languages/powershell'),
  python: () => import('highlight.js/lib/languages/python'),
  r: () => import('highlight.js/lib/languages/r'),
  ruby: () => import('highlight.js/lib/languages/ruby'),
  rust: () => import('highlight.js/lib/languages/rust'),
  scala: () => import('highlight.js/lib/languages/scala'),
  scss: () => import('highlight.js/lib/languages/scss'),
  shell: () => import('highlight.js/lib/languages/shell'),
  sql: () => import('highlight.js/lib/languages/sql'),
  swift: () => import('highlight.js/lib/languages/swift'),
  typescript: () => import('highlight.js/lib/languages/typescript'),
  xml: () => import('highlight.js/lib/languages/xml'),
  yaml: () => import('highlight.js/lib/languages/yaml'),
};

/** The names models write after the fence, mapped to the language that reads them. */
const ALIASES: Record<string, string> = {
  sh: 'bash',
  zsh: 'bash',
  console: 'shell',
  shellsession: 'shell',
  h: 'c',
  cc: 'cpp',
  'c++': 'cpp',
  hpp: 'cpp',
  cxx: 'cpp',
  cs: 'csharp',
  'c#': 'csharp',
  patch: 'diff',
  docker: 'dockerfile',
  golang: 'go',
  gql: 'graphql',
  toml: 'ini',
  js: 'javascript',
  jsx: 'javascript',
  mjs: 'javascript',
  cjs: 'javascript',
  node: 'javascript',
  jsonc: 'json',
  json5: 'json',
  kt: 'kotlin',
  kts: 'kotlin',
  mk: 'makefile',
  make: 'makefile',
  md: 'markdown',
  objc: 'objectivec',
  pl: 'perl',
  text: 'plaintext',
  txt: 'plaintext',
  plain: 'plaintext',
  ps1: 'powershell',
  ps: 'powershell',
  py: 'python',
  python3: 'python',
  rb: 'ruby',
  rs: 'rust',
  ts: 'typescript',
  tsx: 'typescript',
  mts: 'typescript',
  html: 'xml',
  xhtml: 'xml',
  svg: 'xml',
  vue: 'xml',
  yml: 'yaml',
};

/** Detection picks among these (loaded together the first time a block needs detecting). */
const DETECTABLE = ['bash', 'c', 'cpp', 'css', 'go', 'java', 'javascript', 'json', 'python', 'rust', 'sql', 'typescript', 'xml', 'yaml'];

/** Detection only on blocks up to this size: its cost grows with the code and with the number of languages. */
export const MAX_DETECT_CHARS = 2_000;
/** Highlighting only on blocks up to this size; longer code shows plain (one 60 KB block would take a long task). */
export const MAX_HIGHLIGHT_CHARS = 20_000;

const loading = new Map<string, Promise<void>>();

function load(name: string): Promise<void> {
  let p = loading.get(name);
  if (!p) {
    p = LOADERS[name]!().then(
      (m) => {
        hljs.registerLanguage(name, m.default);
        librariesLoaded();
      },
      (e: unknown) => console.error(`highlighting for ${name} failed to load`, e),
    );
    loading.set(name, p);
  }
  return p;
}

/** The language a fence's info names, if highlight.js knows it. */
export function languageFor(lang: string | undefined): string | undefined {
  const name = lang?.toLowerCase();
  if (!name) return undefined;
  const known = ALIASES[name] ?? name;
  return Object.hasOwn(LOADERS, known) ? known : undefined;
}

/** Loads every language detection may pick; tests and benchmarks wait on it. */
export function loadDetectable(): Promise<void> {
  return Promise.all(DETECTABLE.map(load)).then(() => undefined);
}

/** Loads a named language; tests and benchmarks wait on it. */
export function loadLanguage(lang: string): Promise<void> {
  const name = languageFor(lang);
  return name ? load(name) : Promise.resolve();
}

const detected = new Map<string, string | null>();
const MAX_DETECTED = 500;

export interface Highlighted {
  /** The code as HTML: highlighted spans, or escaped text. */
  html: string;
  /** The language shown in the block's head. */
  language: string | undefined;
  /** True when a language is still loading: render again once it has. */
  pending: boolean;
}

/**
 * Highlights `code`. `final` is false for the block still streaming: it is never detected, so a growing block
 * without a language costs nothing per frame.
 */
export function highlight(code: string, lang: string | undefined, final: boolean, escape: (s: string) => string): Highlighted {
  const named = languageFor(lang);
  if (code.length > MAX_HIGHLIGHT_CHARS) return { html: escape(code), language: named ?? lang, pending: false };
  if (named) {
    if (!hljs.getLanguage(named)) {
      void load(named);
      return { html: escape(code), language: named, pending: true };
    }
    return { html: hljs.highlight(code, { language: named, ignoreIllegals: true }).value, language: named, pending: false };
  }
  if (lang || !final || code.length > MAX_DETECT_CHARS) return { html: escape(code), language: lang, pending: false };
  if (!DETECTABLE.every((l) => hljs.getLanguage(l))) {
    void loadDetectable();
    return { html: escape(code), language: undefined, pending: true };
  }
  let language = detected.get(code);
  if (language === undefined) {
    language = hljs.highlightAuto(code, DETECTABLE).language ?? null;
    if (detected.size >= MAX_DETECTED) detected.delete(detected.keys().next().value!);
    detected.set(code, language);
  }
  if (!language) return { html: escape(code), language: undefined, pending: false };
  return { html: hljs.highlight(code, { language, ignoreIllegals: true }).value, language, pending: false };
}
