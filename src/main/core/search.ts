/**
 * Full-text search over every message of every branch and every title. Whatever a person types is turned into a
 * safe FTS5 query: words match as prefixes, "quoted phrases" as phrases, and FTS syntax is never passed through.
 * Text without spaces (Chinese, Japanese…) is matched by substring through the trigram index.
 */
import type { Db } from './store/database';
import { SearchIndex, SNIPPET_CLOSE as CLOSE, SNIPPET_OPEN as OPEN, type MessageIndex } from './store/search';
import { escapeHtml } from '../../shared/text';
import type { SearchResult } from '../../shared/exchange';

export type { SearchResult };

/** Scripts written without spaces between words: searched by substring. */
const UNSPACED = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Thai}\p{Script=Lao}\p{Script=Khmer}\p{Script=Myanmar}]/u;

interface Parsed {
  terms: { text: string; phrase: boolean }[];
}

/**
 * Bounds on what one query may ask of the index, whatever is typed: each term is a separate index walk (a short
 * prefix walks every word that starts with it), so 250 × "a" must not become 250 walks.
 */
export const QUERY_LIMITS = { chars: 500, terms: 8, termChars: 64, phraseWords: 8, scanRows: 50_000 } as const;

/** What the last search did: terms used, index queries run, rows read back. Tests bound it; nothing else reads it. */
export interface SearchWork {
  terms: number;
  queries: number;
  rows: number;
}

/** Splits input into quoted phrases and words, keeping only letters, digits and marks; repeated terms count once. */
export function parseQuery(input: string): Parsed {
  const terms: Parsed['terms'] = [];
  const seen = new Set<string>();
  const clip = (w: string) => [...w].slice(0, QUERY_LIMITS.termChars).join('');
  const re = /"([^"]*)"?|(\S+)/g;
  let m: RegExpExecArray | null;
  const text = input.slice(0, QUERY_LIMITS.chars);
  const push = (term: { text: string; phrase: boolean }) => {
    const key = `${term.phrase ? 'p' : 'w'}:${term.text.toLowerCase()}`;
    if (seen.has(key) || terms.length >= QUERY_LIMITS.terms) return;
    seen.add(key);
    terms.push(term);
  };
  while ((m = re.exec(text)) && terms.length < QUERY_LIMITS.terms) {
    const phrase = m[1] !== undefined;
    const words = (m[1] ?? m[2] ?? '')
      .split(/[^\p{L}\p{N}\p{M}_]+/u)
      .filter(Boolean)
      .map(clip);
    if (!words.length) continue;
    if (phrase) push({ text: words.slice(0, QUERY_LIMITS.phraseWords).join(' '), phrase: true });
    else for (const w of words) push({ text: w, phrase: false });
  }
  return { terms };
}

/**
 * FTS5 query for the word index: every term must match; words as prefixes (or exactly). Each term is a quoted string.
 * A one-character word is matched exactly: the index keeps prefixes of 2 and 3 characters, and a shorter one would
 * walk and merge every word starting with that letter.
 */
export function wordQuery(p: Parsed, prefixes = true): string {
  return p.terms.map((t) => `"${t.text.replace(/"/g, '""')}"${t.phrase || !prefixes || [...t.text].length < 2 ? '' : '*'}`).join(' AND ');
}

/** FTS5 query for the trigram index: each term as a substring (terms under 3 characters cannot use it). */
export function trigramQuery(p: Parsed): string | null {
  const terms = p.terms.filter((t) => [...t.text].length >= 3);
  if (!terms.length || terms.length !== p.terms.length) return null;
  return terms.map((t) => `"${t.text.replace(/"/g, '""')}"`).join(' AND ');
}

/** A snippet as HTML: the text escaped, the hits in <mark>. */
function snippetHtml(raw: string): string {
  return escapeHtml(raw).replaceAll(OPEN, '<mark>').replaceAll(CLOSE, '</mark>');
}

export class Search {
  /** The work the last search did (see SearchWork). */
  lastWork: SearchWork = { terms: 0, queries: 0, rows: 0 };

  private readonly index: SearchIndex;

  constructor(
    db: Db,
    private readonly now: () => number,
  ) {
    this.index = new SearchIndex(db);
  }

  search(input: string, limit = 20): SearchResult[] {
    const parsed = parseQuery(input);
    this.lastWork = { terms: parsed.terms.length, queries: 0, rows: 0 };
    if (!parsed.terms.length) return [];
    const unspaced = UNSPACED.test(input);
    const candidates = new Map<string, SearchResult & { score: number }>();
    const add = (rows: (SearchResult & { score: number })[]) => {
      for (const r of rows) {
        const key = r.role === 'title' ? `title:${r.conversation_id}` : r.message_id;
        if (!candidates.has(key)) candidates.set(key, r);
      }
    };
    // The newest few hundred matches (rowid order is free in FTS5, bm25 over every match of a common word is not),
    // each scored by bm25, then re-ranked here by relevance and recency together.
    const fetch = Math.max(limit * 10, 300);
    if (!unspaced) {
      // Whole words first: cheap, and the best hits. Prefixes only when those are too few (a word still being typed).
      add(this.query('messages_fts', wordQuery(parsed, false), fetch));
      if (candidates.size < limit) add(this.query('messages_fts', wordQuery(parsed), fetch));
    }
    const tri = trigramQuery(parsed);
    if (tri && unspaced) add(this.query('messages_trigram', tri, fetch));
    if (unspaced && candidates.size < limit && !tri) {
      // Under three characters the trigram index cannot help: word prefixes, then a substring scan of the newest
      // `scanRows` messages only (a scan of every message is what made such a search grow with the history).
      add(this.query('messages_fts', wordQuery(parsed), fetch));
      if (candidates.size < limit) add(this.substringScan(parsed, limit));
    }
    // Thinking has its own word index; a message found by its answer keeps that hit, one found only by its thinking says so.
    add(this.query('messages_thinking_fts', wordQuery(parsed), fetch, 'thinking'));
    if (tri && unspaced) add(this.query('messages_thinking_trigram', tri, fetch, 'thinking'));
    add(this.attachmentHits(wordQuery(parsed), fetch));
    add(this.titleHits(wordQuery(parsed), fetch));
    const now = this.now();
    const dayMs = 86_400_000;
    return [...candidates.values()]
      .map((r) => ({ r, score: r.score / (1 + (now - r.created_at) / (30 * dayMs)) })) // bm25 is negative: recent hits keep more of it
      .sort((a, b) => a.score - b.score)
      .slice(0, limit)
      .map(({ r }) => ({
        message_id: r.message_id,
        conversation_id: r.conversation_id,
        conversation_title: r.conversation_title,
        role: r.role,
        snippet: r.snippet,
        created_at: r.created_at,
      }));
  }

  private query(
    table: MessageIndex,
    match: string,
    limit: number,
    /** Reported instead of the message's role (thinking hits say `thinking`). */
    role?: string,
  ): (SearchResult & { score: number })[] {
    const hits = this.index.matches(table, match, limit);
    this.lastWork.queries++;
    this.lastWork.rows += hits.length;
    if (!hits.length) return [];
    const rows = this.index.messagesAt(hits.map((h) => h.rowid));
    const byRow = new Map(rows.map((r) => [r.rowid, r]));
    return hits.flatMap((h) => {
      const m = byRow.get(h.rowid);
      return m
        ? [
            {
              message_id: m.message_id,
              conversation_id: m.conversation_id,
              conversation_title: m.conversation_title,
              role: role ?? m.role,
              created_at: m.created_at,
              score: h.score,
              snippet: snippetHtml(h.snippet),
            },
          ]
        : [];
    });
  }

  /** Hits inside text attachments, reported on each message that carries the file (snippet: the file's name, then the hit). */
  private attachmentHits(match: string, limit: number): (SearchResult & { score: number })[] {
    // No text file kept at all (the usual case): no index walk. Otherwise one more query per search, still bounded.
    if (!this.index.hasAttachmentText()) return [];
    const hits = this.index.matches('attachments_fts', match, limit);
    this.lastWork.queries++;
    this.lastWork.rows += hits.length;
    if (!hits.length) return [];
    const rows = this.index.attachmentsAt(hits.map((h) => h.rowid));
    const byRow = new Map(hits.map((h) => [h.rowid, h]));
    return rows.map((r) => {
      const h = byRow.get(r.rowid)!;
      return {
        message_id: r.message_id,
        conversation_id: r.conversation_id,
        conversation_title: r.conversation_title,
        role: r.role,
        created_at: r.created_at,
        score: h.score,
        snippet: `${escapeHtml(r.name)}: ${snippetHtml(h.snippet)}`,
      };
    });
  }

  private substringScan(p: Parsed, limit: number): (SearchResult & { score: number })[] {
    const rows = this.index.substring(
      p.terms.map((t) => t.text),
      QUERY_LIMITS.scanRows,
      limit,
    );
    this.lastWork.queries++;
    this.lastWork.rows += rows.length;
    return rows.map(({ content, ...r }) => {
      const at = content.indexOf(p.terms[0]!.text);
      const raw = `${at > 20 ? '…' : ''}${content.slice(Math.max(0, at - 20), at)}${OPEN}${p.terms[0]!.text}${CLOSE}${content.slice(at + p.terms[0]!.text.length, at + 60)}`;
      return { ...r, snippet: snippetHtml(raw), score: -1 };
    });
  }

  /** A title hit points at the conversation's first message. */
  private titleHits(match: string, limit: number): (SearchResult & { score: number })[] {
    const rows = this.index.titles(match, limit);
    this.lastWork.queries++;
    this.lastWork.rows += rows.length;
    return rows
      .filter((r) => r.message_id)
      .map((r) => ({ ...r, message_id: r.message_id!, role: 'title', snippet: snippetHtml(r.snippet) }));
  }
}
