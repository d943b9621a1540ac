/**
 * The heavy libraries behind rendered Markdown — KaTeX, highlight.js languages, Mermaid — load only when an answer
 * needs them. Rendering never waits: it shows plain text for what is still loading, and every loaded library bumps
 * a version that windows subscribe to, so the blocks that waited render again.
 */
import type katexModule from 'katex';

type Katex = typeof katexModule;

let version = 0;
const listeners = new Set<() => void>();

export function librariesVersion(): number {
  return version;
}

export function onLibrariesLoaded(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function librariesLoaded(): void {
  version++;
  for (const l of listeners) l();
}

let katex: Katex | null = null;
let katexLoading: Promise<void> | null = null;

/** KaTeX when it is loaded; otherwise null, and it starts loading (with its stylesheet). */
export function katexIfLoaded(): Katex | null {
  if (!katex) void loadKatex();
  return katex;
}

export function loadKatex(): Promise<void> {
  katexLoading ??= Promise.all([import('katex'), import('katex/dist/katex.min.css')]).then(
    ([m]) => {
      katex = (m as { default: Katex }).default;
      librariesLoaded();
    },
    (e: unknown) => {
      katexLoading = null;
      console.error('KaTeX failed to load', e);
    },
  );
  return katexLoading;
}
