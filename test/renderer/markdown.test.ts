// @vitest-environment happy-dom
import { beforeAll, describe, expect, it } from 'vitest';
import { BlockLexer, shownPlain } from '../../src/renderer/src/components/markdown/blocks';
import { cacheSize, MAX_CACHED_CHARS, renderBlock, renderTokens, renderWhole } from '../../src/renderer/src/components/markdown/render';
import { loadKatex } from '../../src/renderer/src/components/markdown/libs';
import { loadDetectable, loadLanguage } from '../../src/renderer/src/components/markdown/highlight';
import { nestingTooDeep } from '../../src/shared/markdown-depth';
import { answerFor } from '../../src/main/core/providers/demo-text';
import { HOSTILE, MARKDOWN_CORPUS } from './corpus';

/** What the window shows for `text`: its blocks rendered one by one and joined. */
function byBlocks(text: string, lexer = new BlockLexer()): string {
  const { tokens, linksId } = lexer.update(text);
  return tokens.map((t) => renderBlock(t, linksId, true).html).join('');
}

function dom(html: string): HTMLElement {
  const div = document.createElement('div');
  div.innerHTML = html;
  return div;
}

beforeAll(async () => {
  await Promise.all([loadKatex(), loadDetectable(), loadLanguage('ts'), loadLanguage('python')]);
});

describe('Markdown rendered block by block', () => {
  it.each(Object.entries(MARKDOWN_CORPUS))('equals rendering the whole text: %s', (_name, text) => {
    expect(byBlocks(text)).toBe(renderWhole(text));
  });

  it('equals rendering the whole text at every moment of a stream, lexing again only from the last block', () => {
    for (const text of [...Object.values(MARKDOWN_CORPUS), ...HOSTILE]) {
      const lexer = new BlockLexer();
      for (let cut = 0; cut <= text.length; cut += 1 + (cut % 3)) {
        const prefix = text.slice(0, cut);
        expect(byBlocks(prefix, lexer), JSON.stringify(prefix)).toBe(renderWhole(prefix));
      }
      expect(byBlocks(text, lexer)).toBe(renderWhole(text));
    }
  });

  it('keeps every finished block while streaming: only the last two are lexed again', () => {
    const text = MARKDOWN_CORPUS['loose ordered list'] + '\n\nA last paragraph that grows';
    const lexer = new BlockLexer();
    const before = lexer.update(text.slice(0, -5)).tokens;
    const after = lexer.update(text).tokens;
    expect(after.length).toBe(before.length);
    expect(after.slice(0, -1)).toEqual(before.slice(0, -1));
    expect(after.length).toBeGreaterThan(2); // so the loop below compares at least one finished block
    for (let i = 0; i < after.length - 2; i++) expect(after[i]).toBe(before[i]);
  });

  it('renders loose ordered lists as one list, multi-paragraph items, indented code and reference links', () => {
    const loose = dom(byBlocks(MARKDOWN_CORPUS['loose ordered list']!));
    expect(loose.querySelectorAll('ol')).toHaveLength(1);
    expect(loose.querySelectorAll('ol > li')).toHaveLength(3);
    expect(loose.querySelectorAll('ol > li')[1]!.querySelectorAll('p')).toHaveLength(2);
    const refs = dom(byBlocks(MARKDOWN_CORPUS['reference links defined after use']!));
    expect([...refs.querySelectorAll('a')].map((a) => a.getAttribute('href'))).toEqual([
      'https://example.com/docs',
      'https://example.com/docs',
      'https://example.org/',
    ]);
    const code = dom(byBlocks(MARKDOWN_CORPUS['indented code']!));
    expect(code.querySelector('pre code')?.textContent).toBe('const a = 1;\n\nconst b = 2;');
  });
});

describe('math', () => {
  const katexIn = (md: string) => dom(byBlocks(md)).querySelectorAll('.katex').length;

  it('typesets $…$, $$…$$, \\(…\\) and \\[…\\]', () => {
    expect(katexIn('Inline $x^2$ here.')).toBe(1);
    expect(katexIn('Inline \\( x \\) here.')).toBe(1);
    expect(dom(byBlocks('Text.\n\n$$\n\\int_0^1 x\\,dx\n$$\n')).querySelectorAll('.math-display .katex-display')).toHaveLength(1);
    expect(dom(byBlocks('\\[ a = b \\]')).querySelectorAll('.katex-display')).toHaveLength(1);
    // KaTeX draws a radical as SVG: kept inside the formula.
    expect(dom(byBlocks('$\\sqrt{x}$')).querySelectorAll('.katex svg path')).toHaveLength(1);
    // The parentheses of \( \) are delimiters, not text: the old rendering showed "( x )".
    expect(dom(byBlocks('Inline \\( x \\) here.')).textContent).not.toContain('( x )');
  });

  it('never takes code or dollar amounts for math', () => {
    expect(katexIn('It costs $5 and $10.')).toBe(0);
    expect(dom(byBlocks('It costs $5 and $10.')).textContent!.trim()).toBe('It costs $5 and $10.');
    expect(katexIn('Use `$x$` and `\\(y\\)` in code.')).toBe(0);
    expect(katexIn('```\n$$ a $$\n\\(b\\)\n```')).toBe(0);
    expect(katexIn('    $x$ indented code')).toBe(0);
    expect(katexIn('An escaped \\$x$ stays.')).toBe(0);
  });

  it('shows an unfinished formula as text until it closes', () => {
    const lexer = new BlockLexer();
    expect(dom(byBlocks('Sum: $$\\sum_{i=1}^n', lexer)).textContent).toContain('$$\\sum_{i=1}^n');
    expect(dom(byBlocks('Sum: $$\\sum_{i=1}^n i$$', lexer)).querySelectorAll('.katex')).toHaveLength(1);
  });

  it('shows a formula KaTeX cannot parse as its source, and runs no \\href or \\htmlStyle', () => {
    const broken = dom(byBlocks('Bad: $\\frac{1}{$ end'));
    expect(broken.textContent).toContain('\\frac{1}{');
    const trusted = dom(byBlocks('$\\href{javascript:alert(1)}{x}$ $\\htmlStyle{position:fixed;top:0}{y}$'));
    expect(trusted.querySelector('a')).toBeNull();
    for (const e of trusted.querySelectorAll('[style]')) expect(e.getAttribute('style')).not.toMatch(/position|fixed/);
    expect(trusted.querySelector('.composer')).toBeNull();
  });
});

describe('hostile answers', () => {
  it.each(HOSTILE)('cannot style, cover, frame or script the window: %s', (text) => {
    const el = dom(byBlocks(text));
    expect(
      el.querySelectorAll('style, link, form, input, textarea, select, iframe, frame, object, embed, foreignObject, dialog, script'),
    ).toHaveLength(0);
    for (const svg of el.querySelectorAll('svg')) expect(svg.closest('.katex')).not.toBeNull();
    for (const styled of el.querySelectorAll('[style]')) expect(styled.closest('.katex'), styled.outerHTML).not.toBeNull();
    for (const b of el.querySelectorAll('button')) expect(b.className).toBe('copy-code');
    for (const a of el.querySelectorAll('a')) expect(a.getAttribute('href') ?? '').toMatch(/^(https?:|mailto:|#|$)/);
    for (const e of el.querySelectorAll('*')) expect([...e.attributes].map((a) => a.name).filter((n) => n.startsWith('on'))).toEqual([]);
    // What the model wrote is still there to read, as text.
    expect(el.textContent!.length).toBeGreaterThan(0);
  });

  it('loads nothing remote: a remote image is shown as its description, an inline data: image stays', () => {
    const html = renderWhole('![tracker](https://example.com/t.png) and ![](http://example.com/u.gif)');
    expect(dom(html).querySelectorAll('img')).toHaveLength(0);
    expect(dom(html).textContent).toContain('[image: tracker]');
    expect(dom(html).textContent).toContain('[image: http://example.com/u.gif]');
    const inline = renderWhole('![dot](data:image/png;base64,iVBORw0KGgo=)');
    expect(dom(inline).querySelector('img')?.getAttribute('src')).toMatch(/^data:image\/png;/);
  });

  it('shows raw HTML as the text the model wrote', () => {
    const el = dom(byBlocks('<style>.composer{display:none}</style>\n\nHi <b style="position:fixed">there</b>'));
    expect(el.textContent).toContain('<style>.composer{display:none}</style>');
    expect(el.textContent).toContain('<b style="position:fixed">there</b>');
  });
});

describe('nesting and size limits', () => {
  const deep = {
    '2,500 >': '>'.repeat(2500) + ' x',
    '2,500 > with spaces': '> '.repeat(2500) + 'x',
    '2,500 nested *': '* '.repeat(2500) + 'x',
    '2,500 * around a word': '*'.repeat(2500) + 'x' + '*'.repeat(2500),
    'a list nested 900 deep': Array.from({ length: 900 }, (_, i) => ' '.repeat(i * 2) + '- item').join('\n'),
  };

  it.each(Object.entries(deep))('%s is shown as plain text, not parsed', (_name, text) => {
    const t = performance.now();
    expect(new BlockLexer().update(text).tooDeep).toBe(true);
    expect(performance.now() - t).toBeLessThan(1000); // a generous bound against hanging, not a benchmark
  });

  it('formats ordinary answers, deeply indented code included', () => {
    for (const text of Object.values(MARKDOWN_CORPUS)) expect(nestingTooDeep(text)).toBe(false);
    const json = '```json\n' + Array.from({ length: 60 }, (_, i) => ' '.repeat(i * 2) + '- "x": {').join('\n') + '\n```';
    expect(nestingTooDeep(json)).toBe(false);
    expect(nestingTooDeep('/' + '*'.repeat(80) + '/')).toBe(false);
  });

  it('keeps no partial blocks while a 400 KB answer streams, and bounds what it keeps', () => {
    const text = answerFor('cache [len=400000]');
    const lexer = new BlockLexer();
    for (let cut = 1000; cut < text.length; cut += 997) {
      const { tokens, linksId } = lexer.update(text.slice(0, cut));
      tokens.forEach((t, i) => renderBlock(t, linksId, i < tokens.length - 1));
    }
    expect(cacheSize().chars).toBeLessThanOrEqual(MAX_CACHED_CHARS);
    // Every finished block is cached once; the streaming last block never is.
    expect(cacheSize().chars).toBeLessThan(text.length * 4);
  });

  it('shows a block too long to format as plain text, and lets it grow without lexing it again', () => {
    const prose = answerFor('prose [len=300000]')
      .replace(/```[\s\S]*?```/g, '')
      .replace(/^- /gm, '')
      .replace(/\n\n+/g, '\n');
    const text = `Intro *formatted*.\n\n${prose}\n\nAfter **formatted**.`;
    const lexer = new BlockLexer();
    for (let cut = 1000; cut < text.length; cut += 4999) lexer.update(text.slice(0, cut));
    const streamed = lexer.update(text).tokens;
    const whole = new BlockLexer().update(text).tokens;
    expect(streamed.map((t) => [t.type, t.raw])).toEqual(whole.map((t) => [t.type, t.raw]));
    expect(whole.map((t) => shownPlain(t))).toEqual([false, true, false]);
    expect(renderBlock(whole[2]!, 0, true).html).toContain('<strong>formatted</strong>');
  });

  it('never detects a language while a code block streams, and detects a small finished one', () => {
    const code = 'def greet(name):\n    print(f"hello {name}")\n    return name\n';
    const [token] = new BlockLexer().update('```\n' + code + '```').tokens;
    expect(renderTokens([token!], false).html).not.toContain('hljs-');
    expect(renderTokens([token!], true).html).toContain('hljs-');
    const big = '```\n' + code.repeat(200) + '```';
    expect(renderTokens(new BlockLexer().update(big).tokens, true).html).not.toContain('hljs-');
  });
});
