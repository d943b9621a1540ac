/**
 * Splits Markdown into its top-level blocks with marked's own lexer, incrementally: while an answer streams, its
 * text only grows, so every block before the last two is kept and only the text from those on is lexed again. Reference-link definitions apply to every block: when the set of definitions changes, everything is lexed
 * again. Text nested deeper than the parser can take is not lexed at all (see markdown-depth.ts).
 */
import { Lexer, type Links, type Token } from 'marked';
import { nestingTooDeep } from '../../../../shared/markdown-depth';
import { marked } from './render';

export interface Blocks {
  /** The top-level tokens that render to something (no blank space, no link definitions). */
  tokens: Token[];
  /** Names the set of link definitions the tokens were lexed with (part of a rendered block's cache key). */
  linksId: number;
  /** The text nests too deep to format: show it as plain text. */
  tooDeep: boolean;
}

const linkSets = new Map<string, number>();

function linksIdFor(links: Links): number {
  const keys = Object.keys(links);
  if (!keys.length) return 0;
  const json = JSON.stringify(keys.sort().map((k) => [k, links[k]!.href, links[k]!.title]));
  let id = linkSets.get(json);
  if (id === undefined) {
    // Bounded: the ids only need to tell apart the sets seen recently.
    if (linkSets.size > 1000) linkSets.clear();
    id = linkSets.size + 1;
    linkSets.set(json, id);
  }
  return id;
}

/**
 * A block longer than this (a code block aside) is shown as plain text: formatting and laying out a 400 KB paragraph takes
 * tens of milliseconds, once per frame while it streams. Its inline Markdown is not even lexed.
 */
export const MAX_FORMATTED_BLOCK = 32_000;

/** Whether a top-level token is shown as plain text (see MAX_FORMATTED_BLOCK). */
export function shownPlain(token: Token): boolean {
  return token.raw.length > MAX_FORMATTED_BLOCK && token.type !== 'code';
}

/** marked's Lexer.lex, except that inline text longer than MAX_FORMATTED_BLOCK is left unlexed (it shows plain). */
function lex(src: string, links: Links): { tokens: Token[]; links: Links } {
  const lexer = new Lexer({ ...marked.defaults });
  lexer.tokens.links = Object.assign(Object.create(null) as Links, links);
  const tokens = lexer.blockTokens(src, lexer.tokens);
  for (const next of lexer.inlineQueue) {
    if (next.src.length > MAX_FORMATTED_BLOCK) continue;
    lexer.state.inRawBlock = false;
    lexer.inlineTokens(next.src, next.tokens);
  }
  lexer.inlineQueue = [];
  return { tokens: [...tokens], links: lexer.tokens.links };
}

/** The top-level link definitions among `tokens`, the first of a name winning as in marked. */
function definitions(tokens: Token[]): Links {
  const links = Object.create(null) as Links;
  for (const t of tokens) if (t.type === 'def' && !(t.tag in links)) links[t.tag] = { href: t.href, title: t.title };
  return links;
}

const visible = (t: Token) => t.type !== 'space' && t.type !== 'def';

export class BlockLexer {
  private text = '';
  /** Every top-level token, blank space included: their raws join to `text`. */
  private all: Token[] = [];
  private result: Blocks = { tokens: [], linksId: 0, tooDeep: false };

  update(input: string): Blocks {
    const text = input.replace(/\r\n?/g, '\n');
    if (text === this.text && this.all.length) return this.result;
    if (this.result.tooDeep && text.startsWith(this.text)) {
      this.text = text;
      return this.result;
    }
    // Text appended can change the last block, and join it to the one before (a list item after a blank line
    // continues the list above it), but never reach further back: the last two blocks are lexed again.
    let from = -1; // where the tokens to lex again start
    let keep = 0; // how many tokens stay
    if (this.all.length && text.startsWith(this.text)) {
      let offset = this.text.length;
      let seen = 0;
      from = 0;
      for (let i = this.all.length - 1; i >= 0 && seen < 2; i--) {
        offset -= this.all[i]!.raw.length;
        if (this.all[i]!.type !== 'space' && ++seen === 2) {
          from = offset;
          keep = i;
        }
      }
    }
    if (from < 0) return this.full(text);
    if (this.growsPlain(text)) return this.result;
    const tail = text.slice(from);
    if (nestingTooDeep(tail)) return this.plain(text);
    // The tail is lexed with the definitions made before it; if the definitions of the whole text then differ from
    // what the kept blocks were lexed with (one was added or changed, or sits nested where this does not look),
    // everything is lexed again.
    const kept = this.all.slice(0, keep);
    const { tokens, links } = lex(tail, definitions(kept));
    if (linksIdFor(links) !== this.result.linksId) return this.full(text);
    this.all = [...kept, ...tokens];
    this.text = text;
    this.result = { tokens: this.all.filter(visible), linksId: this.result.linksId, tooDeep: false };
    return this.result;
  }

  /**
   * While the last block is one too long to format (see MAX_FORMATTED_BLOCK) and what was appended holds no blank
   * line, that block just grows: it is not lexed again (marked takes tens of milliseconds over a 400 KB paragraph,
   * which would be every frame). A blank line (where such a block may end) brings back a real lex.
   */
  private growsPlain(text: string): boolean {
    let offset = this.text.length;
    let i = this.all.length - 1;
    for (; i >= 0; i--) {
      offset -= this.all[i]!.raw.length;
      if (this.all[i]!.type !== 'space') break;
    }
    const last = this.all[i];
    if (!last || !shownPlain(last) || i !== this.all.length - 1) return false;
    if (/\n[ \t]*\n/.test(text.slice(Math.max(offset, this.text.length - 2)))) return false;
    const grown = { ...last, raw: text.slice(offset), text: text.slice(offset) } as Token;
    this.all = [...this.all.slice(0, i), grown];
    this.text = text;
    this.result = { tokens: [...this.result.tokens.slice(0, -1), grown], linksId: this.result.linksId, tooDeep: false };
    return true;
  }

  private full(text: string): Blocks {
    if (nestingTooDeep(text)) return this.plain(text);
    const { tokens, links } = lex(text, Object.create(null) as Links);
    this.all = tokens;
    this.text = text;
    this.result = { tokens: tokens.filter(visible), linksId: linksIdFor(links), tooDeep: false };
    return this.result;
  }

  private plain(text: string): Blocks {
    this.all = [];
    this.text = text;
    this.result = { tokens: [], linksId: 0, tooDeep: true };
    return this.result;
  }
}
