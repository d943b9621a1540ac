/** Export: a conversation as Markdown (current thread), self-contained safe HTML, or versioned JSON (the whole tree). */
import { Marked, type Tokens } from 'marked';
import katex from 'katex';
import type { Conversation, Message } from '../../../shared/model';
import type { AttachmentRef } from '../../../shared/attachments';
import { escapeHtml } from '../../../shared/text';
import { REDACTED_THINKING_NOTE, stopReasonNote, thoughtFor } from '../../../shared/stop-reasons';
import { KATEX_OPTIONS, mathExtension } from '../../../shared/markdown-math';
import { nestingTooDeep } from '../../../shared/markdown-depth';
import { KATEX_CSS } from './katex-css';

export const EXPORT_VERSION = 1;

export interface ConversationExport {
  format: 'holdfast-conversation';
  version: number;
  conversation: Conversation;
  messages: Message[];
}

export function toJson(conversation: Conversation, messages: Message[]): ConversationExport {
  return { format: 'holdfast-conversation', version: EXPORT_VERSION, conversation, messages };
}

function header(m: Message): string {
  return m.role === 'user' ? 'You' : `Assistant${m.model ? ` (${m.model})` : ''}`;
}

/**
 * A message's files as export lines: name, type and size, so none is silently left out of a text export; with `pathOf`
 * (the files are written beside the Markdown), each links to its relative path, images as images.
 */
function fileLines(m: Message, pathOf?: FilePath): string[] {
  return (m.attachments ?? []).map((a) => {
    // The name and type are text, never Markdown or HTML (a file may be called `<img src=x onerror=…>.png`).
    const label = `📎 ${a.name} (${a.mime}, ${a.size} bytes)`.replace(/[\\`*_{}[\]<>#+!|~&]/g, '\\$&');
    const rel = pathOf?.(a);
    if (!rel) return `_${label}_`;
    const href = `<${rel.split('/').map(encodeURIComponent).join('/')}>`;
    return /^image\/(png|jpeg|gif|webp)$/.test(a.mime) ? `![${label}](${href})` : `[${label}](${href})`;
  });
}

/** Where an attachment was written beside the Markdown (a relative path), or undefined when it was not. */
export type FilePath = (a: AttachmentRef) => string | undefined;

/** An attached image's bytes for the HTML export (raster types only: an SVG is never embedded). */
export type ImageBytes = (attachmentId: string) => { mime: string; data: Buffer } | undefined;

export function toMarkdown(conversation: Conversation, thread: Message[], pathOf?: FilePath): string {
  const parts = [`# ${conversation.title || 'Conversation'}`, `_Exported from Holdfast, ${new Date().toISOString()}_`];
  for (const m of thread) {
    let block = `## ${header(m)}\n\n`;
    // Thinking as a quote above the answer, so it never reads as part of it.
    if (m.thinking || m.thinking_redacted) {
      const lines = [`**${thoughtFor(m.thinking_ms)}**`, ...(m.thinking ? ['', ...m.thinking.split('\n')] : [])];
      if (m.thinking_redacted) lines.push('', `_${REDACTED_THINKING_NOTE}_`);
      block += lines.map((l) => (l ? `> ${l}` : '>')).join('\n') + '\n\n';
    }
    const files = fileLines(m, pathOf);
    if (files.length) block += files.join('\n\n') + '\n\n';
    block += m.content;
    const note = m.status === 'completed' ? stopReasonNote(m.stop_reason) : null;
    if (note) block += `\n\n_${note}_`;
    if (m.reaction) block += `\n\n_Reaction: ${m.reaction}${m.reaction_comment ? ` — ${m.reaction_comment}` : ''}_`;
    if (m.status !== 'completed') block += `\n\n_(${m.status}${m.error ? `: ${m.error}` : ''})_`;
    parts.push(block);
  }
  return parts.join('\n\n') + '\n';
}

/** Whether the page being exported holds math (then KaTeX's stylesheet goes in). Set while one export renders. */
let holdsMath = false;

function renderMath(tex: string, display: boolean): string {
  holdsMath = true;
  // KaTeX's own HTML: spans with its classes and sizes, and SVG for radicals and arrows; untrusted commands
  // (\href, \htmlStyle…) stay off, and a formula it cannot parse shows as its source.
  return katex.renderToString(tex, { ...KATEX_OPTIONS, displayMode: display, output: 'html' });
}

/**
 * Markdown to HTML where nothing from a message can act: raw HTML is shown as text, only http(s) and mailto links
 * survive, images become text (nothing remote is loaded), math is typeset by KaTeX on the way out. The page's CSP
 * forbids script on top of that, and nothing a message holds can style or cover the page (no <style>, no style=).
 */
const safe = new Marked({ gfm: true }, mathExtension(renderMath), {
  renderer: {
    html({ text }: Tokens.HTML | Tokens.Tag) {
      return escapeHtml(text);
    },
    link({ href, tokens }: Tokens.Link) {
      const label = this.parser.parseInline(tokens);
      return /^(https?:|mailto:)/i.test(href) ? `<a href="${escapeHtml(href)}" rel="noopener noreferrer nofollow">${label}</a>` : label;
    },
    image({ text, href }: Tokens.Image) {
      return `[image: ${escapeHtml(text || href)}]`;
    },
    code({ text, lang }: Tokens.Code) {
      return `<pre><code${lang ? ` data-lang="${escapeHtml(lang)}"` : ''}>${escapeHtml(text)}</code></pre>`;
    },
    checkbox({ checked }: Tokens.Checkbox) {
      return checked ? '☑ ' : '☐ ';
    },
  },
});

/**
 * One answer's HTML. Text nested deeper than the parser can take, or anything the parser throws on, is exported as
 * plain text with a note: one bad message never fails the whole export.
 */
function answerHtml(content: string): string {
  if (!nestingTooDeep(content)) {
    try {
      return safe.parse(content, { async: false });
    } catch {
      // Falls through to plain text: the export of every other message matters more than this one's formatting.
    }
  }
  return `<p class="meta">Shown as plain text: this answer could not be formatted.</p><p class="plain">${escapeHtml(content)}</p>`;
}

const STYLE = `body{font:16px/1.55 system-ui,sans-serif;max-width:820px;margin:2rem auto;padding:0 1rem;color:#1d1d1f;background:#fbfbfa}
h1{font-size:1.5rem}.msg{padding:.75rem 1rem;border-radius:10px;margin:1rem 0}.user{background:#e9f1ee}.who{font-size:.8rem;color:#6b6b70;font-weight:600}
img.file{max-width:100%;border-radius:6px;display:block;margin:.5rem 0}pre{background:#f1f0ee;padding:.75rem;border-radius:8px;overflow-x:auto}code{font-family:ui-monospace,monospace}.meta{font-size:.8rem;color:#6b6b70}.thinking{color:#6b6b70;margin:.5rem 0}
.plain{white-space:pre-wrap}.math-display{overflow-x:auto;overflow-y:hidden}
@media (prefers-color-scheme:dark){body{background:#17181a;color:#ececec}.user{background:#1f2b27}pre{background:#1f2023}}`;

export function toHtml(conversation: Conversation, thread: Message[], imageBytes?: ImageBytes): string {
  holdsMath = false;
  const body = thread
    .map((m) => {
      // Images are embedded as data: URLs (the page's CSP allows no other image source); other files are named.
      const files = (m.attachments ?? [])
        .map((a) => {
          const image = /^image\/(png|jpeg|gif|webp)$/.test(a.mime) ? imageBytes?.(a.id) : undefined;
          return image
            ? `<img class="file" alt="${escapeHtml(a.name)}" src="data:${image.mime};base64,${image.data.toString('base64')}">`
            : `<p class="meta file">📎 ${escapeHtml(a.name)} (${escapeHtml(a.mime)}, ${a.size} bytes)</p>`;
        })
        .join('');
      const content = m.role === 'user' ? `<p class="plain">${escapeHtml(m.content)}</p>` : answerHtml(m.content);
      const reaction = m.reaction
        ? `<p class="meta">Reaction: ${escapeHtml(m.reaction)}${m.reaction_comment ? ` — ${escapeHtml(m.reaction_comment)}` : ''}</p>`
        : '';
      const thinking =
        m.thinking || m.thinking_redacted
          ? `<details class="thinking"><summary>${escapeHtml(thoughtFor(m.thinking_ms))}</summary>${
              m.thinking ? `<p style="white-space:pre-wrap">${escapeHtml(m.thinking)}</p>` : ''
            }${m.thinking_redacted ? `<p class="meta">${escapeHtml(REDACTED_THINKING_NOTE)}</p>` : ''}</details>`
          : '';
      const note = m.status === 'completed' ? stopReasonNote(m.stop_reason) : null;
      const stopped = note ? `<p class="meta stop-reason">${escapeHtml(note)}</p>` : '';
      return `<section class="msg ${m.role}"><div class="who">${escapeHtml(header(m))}</div>${thinking}${files}${content}${stopped}${reaction}</section>`;
    })
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(conversation.title || 'Conversation')}</title><style>${STYLE}${holdsMath ? KATEX_CSS : ''}</style></head>
<body><h1>${escapeHtml(conversation.title || 'Conversation')}</h1><p class="meta">Exported from Holdfast, ${new Date().toISOString()}</p>
${body}
</body></html>
`;
}
