/**
 * A marked extension that finds TeX math — `$…$`, `$$…$$`, `\(…\)`, `\[…\]` — and hands it to a renderer, shared by
 * the window and the HTML export so both see the same formulas. Code spans and code blocks are tokenised by marked
 * before any of this is tried, so they are never math; a dollar amount (`$5 and $10`) is not math either (the
 * closing `$` must follow a non-space and must not be followed by a digit); a formula not yet closed stays text.
 */
import type { MarkedExtension, Tokens } from 'marked';

export interface MathToken extends Tokens.Generic {
  type: 'math' | 'mathBlock';
  raw: string;
  text: string;
  display: boolean;
}

/** Renders one formula to HTML; `source` is the Markdown it came from, to show when the formula cannot be typeset. */
export type MathRenderer = (tex: string, display: boolean, source: string) => string;

// A block formula never spans a blank line, so a formula being streamed never reaches back past the block in progress.
const BLOCK_DOLLARS = /^ {0,3}\$\$((?:(?!\n[ \t]*\n)[\s\S])+?)\$\$[ \t]*(?:\n|$)/;
const BLOCK_BRACKETS = /^ {0,3}\\\[((?:(?!\n[ \t]*\n)[\s\S])+?)\\\][ \t]*(?:\n|$)/;
const INLINE_DISPLAY_DOLLARS = /^\$\$((?:\\[\s\S]|[^\\$])+?)\$\$/;
const INLINE_PARENS = /^\\\(([\s\S]+?)\\\)/;
const INLINE_BRACKETS = /^\\\[([\s\S]+?)\\\]/;
// No space just inside either dollar, and no digit right after the closing one: `$5 and $10` stays text.
const INLINE_DOLLARS = /^\$((?:\\[\s\S]|[^\s$\\])(?:(?:\\[\s\S]|[^$\\])*?(?:\\[\s\S]|[^\s$\\]))?)\$(?!\d)/;

/** Where the next possible inline formula starts: a `$` not escaped by a backslash, or `\(` / `\[`. */
function inlineStart(src: string): number | undefined {
  const re = /\\[([]|\\\$|\$/g;
  for (let m = re.exec(src); m; m = re.exec(src)) if (m[0] !== '\\$') return m.index;
  return undefined;
}

export function mathExtension(render: MathRenderer): MarkedExtension {
  return {
    extensions: [
      {
        name: 'mathBlock',
        level: 'block',
        start: (src: string) => /^ {0,3}(?:\$\$|\\\[)/m.exec(src)?.index,
        tokenizer(src: string): MathToken | undefined {
          const m = BLOCK_DOLLARS.exec(src) ?? BLOCK_BRACKETS.exec(src);
          if (m && m[1]!.trim()) return { type: 'mathBlock', raw: m[0], text: m[1]!.trim(), display: true };
          return undefined;
        },
        renderer: (token) => `<div class="math-display">${render(token.text as string, true, token.raw)}</div>\n`,
      },
      {
        name: 'math',
        level: 'inline',
        start: inlineStart,
        tokenizer(src: string): MathToken | undefined {
          for (const [re, display] of [
            [INLINE_DISPLAY_DOLLARS, true],
            [INLINE_PARENS, false],
            [INLINE_BRACKETS, true],
            [INLINE_DOLLARS, false],
          ] as const) {
            const m = re.exec(src);
            if (m && m[1]!.trim()) return { type: 'math', raw: m[0], text: m[1]!.trim(), display };
          }
          return undefined;
        },
        renderer: (token) => render(token.text as string, token.display as boolean, token.raw),
      },
    ],
  };
}

/** KaTeX options for text that may be hostile: no \href, \htmlClass or \htmlStyle, bounded macro expansion and sizes. */
export const KATEX_OPTIONS = { throwOnError: false, trust: false, strict: 'ignore', maxExpand: 500, maxSize: 20 } as const;
