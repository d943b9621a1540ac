// @vitest-environment happy-dom
import { createElement } from 'react';
import { createRoot } from 'react-dom/client';
import { act } from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Markdown } from '../../src/renderer/src/components/Markdown';
import { BlockLexer } from '../../src/renderer/src/components/markdown/blocks';

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

function mount(texts: string[]): { el: HTMLElement; unmount: () => void } {
  const el = document.createElement('div');
  document.body.append(el);
  const root = createRoot(el);
  act(() => root.render(texts.map((text, i) => createElement('section', { key: i }, createElement(Markdown, { text })))));
  return { el, unmount: () => act(() => root.unmount()) };
}

afterEach(() => {
  vi.restoreAllMocks();
  document.body.innerHTML = '';
});

describe('Markdown component', () => {
  it('shows an answer whose rendering throws as plain text with a note, and renders the others', () => {
    const real = BlockLexer.prototype.update;
    vi.spyOn(BlockLexer.prototype, 'update').mockImplementation(function (this: BlockLexer, text: string) {
      if (text.startsWith('BOOM')) throw new RangeError('Maximum call stack size exceeded');
      return real.call(this, text);
    });
    vi.spyOn(console, 'error').mockImplementation(() => undefined); // React reports the caught error
    const { el, unmount } = mount(['**first**', 'BOOM *not formatted*', '*third*']);
    const [first, bad, third] = [...el.querySelectorAll('section')];
    expect(first!.querySelector('strong')?.textContent).toBe('first');
    expect(bad!.querySelector('[data-testid="render-note"]')?.textContent).toContain('could not be formatted');
    expect(bad!.textContent).toContain('BOOM *not formatted*');
    expect(third!.querySelector('em')?.textContent).toBe('third');
    unmount();
  });

  it('shows 2,500 nested quotes as plain text with a note', () => {
    const { el, unmount } = mount(['>'.repeat(2500) + ' deep']);
    expect(el.querySelector('[data-testid="render-note"]')?.textContent).toContain('nests too deeply');
    expect(el.textContent).toContain('> deep');
    unmount();
  });

  it('shows a block too long to format, and a long code block, as text in pieces that join to exactly the text', () => {
    const line = 'word '.repeat(20_000); // 100 KB without a line break
    const lines = Array.from({ length: 3000 }, (_, i) => `line ${i} of a long paragraph`).join('\n');
    const code = Array.from({ length: 2000 }, (_, i) => `let v${i} = ${i};`).join('\n');
    const { el, unmount } = mount([line, lines, '```\n' + code + '\n```']);
    const [a, b, c] = [...el.querySelectorAll('section')];
    for (const [section, text] of [
      [a!, line],
      [b!, lines],
    ] as const) {
      expect(section.querySelectorAll('.md-piece').length).toBeGreaterThan(3);
      expect(section.querySelector('.md-plain-text')?.textContent).toBe(text);
    }
    expect(c!.querySelectorAll('pre code .md-piece').length).toBeGreaterThan(1);
    expect(c!.querySelector('pre code')?.textContent).toBe(code);
    unmount();
  });

  it('carries no copy of the Markdown source in the page', () => {
    const text = 'Some **bold** text\n\n- a list';
    const { el, unmount } = mount([text]);
    expect(el.innerHTML).not.toContain('**bold**');
    expect(el.querySelector('[data-source]')).toBeNull();
    expect(el.querySelector('.markdown')?.getAttribute('data-length')).toBe(String(text.length));
    unmount();
  });
});
