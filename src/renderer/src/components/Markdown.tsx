/**
 * An answer's Markdown, rendered block by block from marked's own lexer with each finished block memoised, so a
 * streaming answer re-renders only its last block per frame. Math, code highlighting and diagrams load when an answer
 * first needs them. An answer that cannot be rendered (too deeply nested, or anything that throws) shows as plain
 * text with a note, and never takes the window down with it.
 */
import { Component, memo, useEffect, useMemo, useRef, useSyncExternalStore, type MouseEvent, type ReactNode } from 'react';
import type { Token } from 'marked';
import { BlockLexer, shownPlain, type Blocks } from './markdown/blocks';
import { renderBlock, renderTokens } from './markdown/render';
import { librariesVersion, onLibrariesLoaded } from './markdown/libs';
import { MAX_HIGHLIGHT_CHARS } from './markdown/highlight';

/** About this many characters per piece of a block shown plain: while it streams, only its last piece changes. */
const PLAIN_PIECE = 8_192;

/**
 * Cuts at the first line break after every PLAIN_PIECE characters (or, in a line longer than that, after twice as
 * many): cuts already made stay put as the text grows.
 */
function plainPieces(text: string): string[] {
  const pieces: string[] = [];
  let start = 0;
  while (start < text.length) {
    const cut = text.indexOf('\n', start + PLAIN_PIECE);
    const end = cut !== -1 && cut < start + 2 * PLAIN_PIECE ? cut + 1 : Math.min(text.length, start + 2 * PLAIN_PIECE);
    pieces.push(text.slice(start, end));
    start = end;
  }
  return pieces;
}

// Block-level pieces: when the last one grows, the browser lays out only it, not all the text before it.
const PlainPiece = memo(function PlainPiece({ text }: { text: string }) {
  return <div className="md-piece">{text}</div>;
});

function Pieces({ text }: { text: string }) {
  return plainPieces(text).map((p, i) => <PlainPiece key={i} text={p} />);
}

const PlainBlock = memo(function PlainBlock({ text }: { text: string }) {
  return (
    <div className="md-block md-plain-text">
      <Pieces text={text} />
    </div>
  );
});

const STREAMING_CODE_CHARS = 4_000;

/** A code block too long to highlight, as text in pieces: streaming it costs the same per frame at 60 KB as at 1 KB. */
const LongCode = memo(function LongCode({ code, lang }: { code: string; lang: string | undefined }) {
  return (
    <div className="md-block">
      <div className="code-block">
        <div className="code-head">
          <span>{lang || 'code'}</span>
          <button type="button" className="copy-code" data-testid="copy-code">
            Copy
          </button>
        </div>
        <pre>
          <code className="hljs">
            <Pieces text={code} />
          </code>
        </pre>
      </div>
    </div>
  );
});

const Block = memo(function Block({ token, linksId, final }: { token: Token; linksId: number; final: boolean; version: number }) {
  if (shownPlain(token)) return <PlainBlock text={token.raw} />;
  // A long code block renders as text in pieces: always past the highlighting limit, and while it streams past a few
  // kilobytes (it is highlighted once finished).
  if (token.type === 'code' && token.text.length > (final ? MAX_HIGHLIGHT_CHARS : STREAMING_CODE_CHARS)) {
    const lang = /^\S*/.exec(token.lang ?? '')?.[0];
    if (lang?.toLowerCase() !== 'mermaid') return <LongCode code={token.text} lang={lang} />;
  }
  return <FormattedBlock token={token} linksId={linksId} final={final} />;
});

function FormattedBlock({ token, linksId, final }: { token: Token; linksId: number; final: boolean }) {
  const { html, diagrams } = renderBlock(token, linksId, final);
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    // Diagrams are drawn once their block is finished: a half-written diagram would only flash errors.
    if (diagrams && final && ref.current) void import('./markdown/mermaid').then((m) => m.drawDiagrams(ref.current!));
  }, [html, diagrams, final]);
  return <div ref={ref} className="md-block" dangerouslySetInnerHTML={{ __html: html }} />;
}

function PlainText({ text, note }: { text: string; note: string }) {
  return (
    <div className="markdown md-plain" data-length={text.length}>
      <p className="md-note" data-testid="render-note">
        {note}
      </p>
      <div className="md-plain-text">
        <Pieces text={text} />
      </div>
    </div>
  );
}

const TOO_DEEP = 'Shown as plain text: this answer nests too deeply to format safely.';
const FAILED = 'Shown as plain text: this answer could not be formatted.';

function onClick(e: MouseEvent<HTMLDivElement>) {
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
}

/**
 * Finished texts already lexed, least recently used first out: a thread shown again (a switch back) or a row scrolled
 * back into view does not lex its messages again. Bounded by the characters of the texts (the tokens are about as big).
 */
const lexed = new Map<string, Blocks>();
let lexedChars = 0;
const MAX_LEXED_CHARS = 2_000_000;

function blocksOf(lexer: BlockLexer, text: string, streaming: boolean): Blocks {
  if (streaming) return lexer.update(text);
  const hit = lexed.get(text);
  if (hit) {
    lexed.delete(text);
    lexed.set(text, hit);
    return hit;
  }
  const blocks = lexer.update(text);
  if (text.length <= MAX_LEXED_CHARS / 8) {
    lexed.set(text, blocks);
    lexedChars += text.length;
    for (const k of lexed.keys()) {
      if (lexedChars <= MAX_LEXED_CHARS) break;
      lexed.delete(k);
      lexedChars -= k.length;
    }
  }
  return blocks;
}

function MarkdownBlocks({ text, streaming }: { text: string; streaming: boolean }) {
  const lexer = useMemo(() => new BlockLexer(), []);
  const version = useSyncExternalStore(onLibrariesLoaded, librariesVersion);
  const { tokens, linksId, tooDeep } = blocksOf(lexer, text, streaming);
  if (tooDeep) return <PlainText text={text} note={TOO_DEEP} />;
  // data-length is the length of the Markdown shown, for benchmarks that follow an answer as it grows.
  return (
    <div className="markdown" data-length={text.length} onClick={onClick}>
      {tokens.map((t, i) => (
        <Block key={i} token={t} linksId={linksId} final={!streaming || i < tokens.length - 1} version={version} />
      ))}
    </div>
  );
}

/** Catches whatever rendering one answer throws (a stack overflow in the parser included): that answer shows as text. */
class RenderBoundary extends Component<{ text: string; children: ReactNode }, { failed: boolean }> {
  override state = { failed: false };
  static getDerivedStateFromError() {
    return { failed: true };
  }
  override componentDidCatch(error: unknown) {
    console.error('An answer could not be rendered', error);
  }
  override render() {
    return this.state.failed ? <PlainText text={this.props.text} note={FAILED} /> : this.props.children;
  }
}

/** `streaming` is true while the answer grows: its last block is then rendered cheaply and not cached. */
export function Markdown({ text, streaming = false }: { text: string; streaming?: boolean }) {
  return (
    <RenderBoundary text={text}>
      <MarkdownBlocks text={text} streaming={streaming} />
    </RenderBoundary>
  );
}

/** Markdown with most block and inline kinds, and nothing that loads a library (no math, no named or detected code). */
const SAMPLE = [
  '# A heading',
  '',
  'A paragraph with *emphasis*, **strong**, `code`, a [link](https://example.com), ~~struck~~ and a line  ',
  'break.',
  '',
  '- an item',
  '- another',
  '  1. nested',
  '',
  '> quoted',
  '',
  '```',
  'code()',
  '```',
  '',
  '| a | b |',
  '|---|---|',
  '| 1 | 2 |',
  '',
  'Underlined',
  '---',
].join('\n');

/**
 * Lexes, renders and sanitises a sample once, so the first conversation a window opens does not pay for compiling the
 * parser's code and expressions (a fresh window's first open spent most of its time there). Run when the window is idle.
 */
export function warmUpMarkdown(): void {
  renderTokens(new BlockLexer().update(SAMPLE).tokens, false);
}
