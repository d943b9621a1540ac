// @vitest-environment happy-dom
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { toHtml } from '../../src/main/core/exchange/export';
import { KATEX_CSS } from '../../src/main/core/exchange/katex-css';
import type { Conversation, Message } from '../../src/shared/model';
import { HOSTILE, MARKDOWN_CORPUS } from './corpus';

const conversation = { id: 'c', title: 'Math & co', created_at: 0, updated_at: 0, current_leaf_id: null, pinned: false } as Conversation;

function answer(content: string, i = 0): Message {
  return { id: `m${i}`, conversation_id: 'c', parent_id: null, role: 'assistant', content, status: 'completed', created_at: i } as Message;
}

/** The exported page's body, parsed. */
function exported(...contents: string[]): { html: string; body: HTMLElement } {
  const html = toHtml(conversation, contents.map(answer));
  const doc = new DOMParser().parseFromString(html, 'text/html');
  return { html, body: doc.body };
}

describe('HTML export', () => {
  it('typesets the same math as the window, with KaTeX’s stylesheet inlined and nothing to load', () => {
    const { html, body } = exported('Inline \\( x \\) and $y^2$; $5 and $10 stay.\n\n$$\n\\sqrt{a}\n$$\n\nCode: `$z$`');
    expect(body.querySelectorAll('.katex')).toHaveLength(3);
    expect(body.querySelectorAll('.math-display .katex-display')).toHaveLength(1);
    // The old export showed "( x )": the delimiters were taken for escaped parentheses.
    expect(body.textContent).not.toContain('( x )');
    expect(body.textContent).toContain('$5 and $10 stay.');
    expect(body.querySelector('code')?.textContent).toBe('$z$');
    expect(html).toContain(KATEX_CSS);
    expect(html).not.toMatch(/url\(|@font-face|@import/);
    expect(html).toMatch(/default-src 'none'/);
  });

  it('leaves KaTeX’s stylesheet out when no message holds math', () => {
    expect(exported('Plain text costs $5.').html).not.toContain('.katex{');
  });

  it('keeps its copy of KaTeX’s stylesheet in step with the installed KaTeX, fonts left out', () => {
    const installed = fs.readFileSync(require.resolve('katex/dist/katex.min.css'), 'utf8');
    expect(KATEX_CSS).toBe(installed.replace(/@font-face\{[^}]*\}/g, ''));
  });

  it('exports a message the parser cannot take as plain text with a note, and every other message formatted', () => {
    const deep = '>'.repeat(2500) + ' deep';
    const stars = '*'.repeat(2500) + 'x' + '*'.repeat(2500);
    const { body } = exported('**before**', deep, stars, '*after*');
    expect(body.querySelector('strong')?.textContent).toBe('before');
    expect(body.querySelector('em')?.textContent).toBe('after');
    expect(body.querySelectorAll('.plain')).toHaveLength(2);
    expect(body.textContent).toContain('Shown as plain text');
    expect(body.textContent).toContain(deep);
  });

  it.each([...HOSTILE, ...Object.values(MARKDOWN_CORPUS)])('lets no answer style, cover, frame or script the page: %s', (text) => {
    const { body } = exported(text);
    expect(
      body.querySelectorAll(
        'style, link, meta, base, form, input, textarea, select, iframe, frame, object, embed, foreignObject, dialog, script, img',
      ),
    ).toHaveLength(0);
    for (const el of body.querySelectorAll('[style]')) expect(el.closest('.katex'), el.outerHTML).not.toBeNull();
    for (const svg of body.querySelectorAll('svg')) expect(svg.closest('.katex')).not.toBeNull();
    for (const a of body.querySelectorAll('a')) expect(a.getAttribute('href')).toMatch(/^(https?:|mailto:)/);
    for (const el of body.querySelectorAll('*')) expect([...el.attributes].filter((a) => a.name.startsWith('on'))).toEqual([]);
  });
});
