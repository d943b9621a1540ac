/**
 * The baseline for bench/renderer-freeze.ts: the window's Markdown component as it was before issue 11 §6 (commit
 * 5cfaedb), kept verbatim apart from its imports: a hand-written block splitter, highlight.js's 37 common languages
 * with auto-detection on every render, and a cache of every rendered block source (partial blocks included).
 */
import { memo, useMemo, type MouseEvent } from 'react';
import { Marked } from 'marked';
import DOMPurify from 'dompurify';
import hljs from 'highlight.js/lib/common';
import { escapeHtml } from '../../src/shared/text';

const marked = new Marked({
  gfm: true,
  breaks: false,
  renderer: {
    code({ text, lang }) {
      const language = lang && hljs.getLanguage(lang) ? lang : undefined;
      const html = language ? hljs.highlight(text, { language }).value : hljs.highlightAuto(text).value;
      return `<div class="code-block"><div class="code-head"><span>${escapeHtml(language ?? 'code')}</span><button type="button" class="copy-code" data-testid="copy-code">Copy</button></div><pre><code class="hljs">${html}</code></pre></div>`;
    },
  },
});

/**
 * Splits Markdown at blank lines outside code fences. The pieces partition the text exactly (joined, they give it
 * back byte for byte), so each can be rendered, and checked, on its own.
 */
export function splitBlocks(text: string): string[] {
  const blocks: string[] = [];
  let start = 0;
  let inFence = false;
  let pos = 0;
  for (;;) {
    const end = text.indexOf('\n', pos);
    const lineEnd = end === -1 ? text.length : end;
    const line = text.slice(pos, lineEnd);
    if (/^\s*(```|~~~)/.test(line)) inFence = !inFence;
    else if (!inFence && end !== -1 && line.trim() === '' && text.slice(start, pos).trim()) {
      blocks.push(text.slice(start, end + 1));
      start = end + 1;
    }
    if (end === -1) break;
    pos = end + 1;
  }
  if (start < text.length) blocks.push(text.slice(start));
  return blocks;
}

/** Rendered blocks by source, so reopening a conversation does not parse its Markdown again. */
const rendered = new Map<string, string>();
const MAX_RENDERED = 4000;

/** Added for the benchmark: the characters the cache holds (sources and HTML). */
export function baselineCacheChars(): number {
  let n = 0;
  for (const [k, v] of rendered) n += k.length + v.length;
  return n;
}

function render(source: string): string {
  let html = rendered.get(source);
  if (html === undefined) {
    // No per-call config: DOMPurify would re-parse it on every call.
    html = DOMPurify.sanitize(marked.parse(source, { async: false }));
    if (rendered.size >= MAX_RENDERED) rendered.delete(rendered.keys().next().value!);
    rendered.set(source, html);
  }
  return html;
}

const Block = memo(function Block({ source }: { source: string }) {
  const html = useMemo(() => render(source), [source]);
  // data-source holds the block's Markdown, so a tester can read back exactly what the window shows.
  return <div className="md-block" data-source={source} dangerouslySetInnerHTML={{ __html: html }} />;
});

export function BaselineMarkdown({ text }: { text: string }) {
  const blocks = splitBlocks(text);
  const onClick = (e: MouseEvent<HTMLDivElement>) => {
    const target = e.target as HTMLElement;
    if (target.classList.contains('copy-code')) {
      const code = target.closest('.code-block')?.querySelector('code')?.textContent ?? '';
      void navigator.clipboard?.writeText(code).then(() => {
        target.textContent = 'Copied';
        setTimeout(() => {
          target.textContent = 'Copy';
        }, 1200);
      });
      return;
    }
    const link = target.closest('a');
    if (link) {
      // Links never navigate this window: in Electron the shell opens them in the system browser.
      e.preventDefault();
      const href = link.getAttribute('href') ?? '';
      if (/^https?:\/\//.test(href)) window.open(href, '_blank', 'noopener');
    }
  };
  return (
    <div className="markdown" onClick={onClick}>
      {blocks.map((b, i) => (
        <Block key={i} source={b} />
      ))}
    </div>
  );
}
