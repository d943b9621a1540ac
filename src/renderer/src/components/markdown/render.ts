/**
 * Markdown to safe HTML for the window, one top-level block at a time. Blocks come from marked's own lexer (see
 * blocks.ts), so rendering them one by one gives exactly what rendering the whole text gives; finished blocks are
 * memoised in a cache bounded by size (least recently used first out), the block still streaming is not cached.
 */
import { Marked, type Token, type Tokens } from 'marked';
import { escapeHtml } from '../../../../shared/text';
import { KATEX_OPTIONS, mathExtension } from '../../../../shared/markdown-math';
import { highlight } from './highlight';
import { katexIfLoaded } from './libs';
import { sanitize } from './sanitize';

export interface Rendered {
  html: string;
  /** A library it needs was still loading: rendered as text for now, and not cached. */
  pending: boolean;
  /** It holds a Mermaid diagram to draw once it is in the page. */
  diagrams: boolean;
}

// What the current parse found; marked's renderers are synchronous, so one parse runs at a time.
const current = { final: true, pending: false, diagrams: false };

function renderMath(tex: string, display: boolean, source: string): string {
  const katex = katexIfLoaded();
  if (!katex) {
    current.pending = true;
    return `<span class="math-pending">${escapeHtml(source)}</span>`;
  }
  return katex.renderToString(tex, { ...KATEX_OPTIONS, displayMode: display, output: 'htmlAndMathml' });
}

export const marked = new Marked({ gfm: true, breaks: false }, mathExtension(renderMath), {
  renderer: {
    // Raw HTML in an answer is shown as the text the model wrote (only a line break is kept): it can neither style
    // nor cover the app, and a tag split across blocks cannot change how the blocks render.
    html({ text, block }: Tokens.HTML | Tokens.Tag) {
      if (/^<br\s*\/?>$/i.test(text.trim())) return '<br>';
      return block ? `<p class="raw-html">${escapeHtml(text)}</p>\n` : escapeHtml(text);
    },
    // A task list's box is drawn, not an <input>: answers never put form controls in the window.
    checkbox({ checked }: Tokens.Checkbox) {
      return `<span class="task" aria-label="${checked ? 'done' : 'not done'}">${checked ? '☑' : '☐'}</span> `;
    },
    link({ href, title, tokens }: Tokens.Link) {
      const label = this.parser.parseInline(tokens);
      if (!/^(?:https?:|mailto:|#)/i.test(href.trim())) return label;
      return `<a href="${escapeHtml(href)}"${title ? ` title="${escapeHtml(title)}"` : ''}>${label}</a>`;
    },
    code({ text, lang }: Tokens.Code) {
      const info = /^\S*/.exec(lang ?? '')?.[0] || undefined;
      if (info?.toLowerCase() === 'mermaid') {
        current.diagrams = true;
        return `<div class="mermaid-block" data-testid="mermaid"><pre class="mermaid-source"><code>${escapeHtml(text)}</code></pre></div>\n`;
      }
      const h = highlight(text, info, current.final, escapeHtml);
      if (h.pending) current.pending = true;
      const cls = h.language && h.html !== escapeHtml(text) ? ` language-${escapeHtml(h.language)}` : '';
      return `<div class="code-block"><div class="code-head"><span>${escapeHtml(h.language ?? 'code')}</span><button type="button" class="copy-code" data-testid="copy-code">Copy</button></div><pre><code class="hljs${cls}">${h.html}</code></pre></div>\n`;
    },
  },
});

/** Renders top-level tokens (already lexed) to sanitised HTML. `final` is false for the block still streaming. */
export function renderTokens(tokens: Token[], final = true): Rendered {
  current.final = final;
  current.pending = false;
  current.diagrams = false;
  const html = sanitize(marked.parser(tokens));
  return { html, pending: current.pending, diagrams: current.diagrams };
}

/** The whole text in one go: what block-by-block rendering must equal. */
export function renderWhole(text: string): string {
  return renderTokens(marked.lexer(text.replace(/\r\n?/g, '\n'))).html;
}

/** Rendered finished blocks, least recently used first out, bounded by the characters they hold. */
const cache = new Map<string, Rendered>();
let cachedChars = 0;
export const MAX_CACHED_CHARS = 4_000_000;

export function cacheSize(): { entries: number; chars: number } {
  return { entries: cache.size, chars: cachedChars };
}

export function clearRenderCache(): void {
  cache.clear();
  cachedChars = 0;
}

/** One block, memoised when it is finished. `linksId` names the reference-link definitions it was lexed with. */
export function renderBlock(token: Token, linksId: number, final: boolean): Rendered {
  if (!final) return renderTokens([token], false);
  const key = `${linksId}\u0000${token.raw}`;
  const hit = cache.get(key);
  if (hit) {
    cache.delete(key);
    cache.set(key, hit);
    return hit;
  }
  const r = renderTokens([token], true);
  if (!r.pending) {
    const size = key.length + r.html.length;
    if (size <= MAX_CACHED_CHARS / 4) {
      cache.set(key, r);
      cachedChars += size;
      for (const [k, v] of cache) {
        if (cachedChars <= MAX_CACHED_CHARS) break;
        cache.delete(k);
        cachedChars -= k.length + v.html.length;
      }
    }
  }
  return r;
}
