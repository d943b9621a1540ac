/**
 * The search indexes' queries: FTS5 matches over message text, thinking, text attachments and titles, the rows they
 * point at, and the bounded substring scan. Queries arrive already made safe (see core/search.ts); snippets come back
 * with their hits between SNIPPET_OPEN and SNIPPET_CLOSE, for the caller to turn into HTML.
 */
import type { Db } from './database';

export const SNIPPET_OPEN = '\u0002';
export const SNIPPET_CLOSE = '\u0003';

/** The FTS5 tables over messages: words of the text, trigrams of the text (unspaced scripts), words of the thinking. */
export type MessageIndex = 'messages_fts' | 'messages_trigram' | 'messages_thinking_fts' | 'messages_thinking_trigram';

export interface IndexHit {
  rowid: number;
  /** bm25: negative, lower is better. */
  score: number;
  snippet: string;
}

export interface MessageRef {
  rowid: number;
  message_id: string;
  conversation_id: string;
  conversation_title: string;
  role: string;
  created_at: number;
}

export interface AttachmentRef extends MessageRef {
  name: string;
}

export interface TitleHit {
  conversation_id: string;
  conversation_title: string;
  snippet: string;
  score: number;
  /** The conversation's first message (null when it has none). */
  message_id: string | null;
  created_at: number;
}

export class SearchIndex {
  constructor(private readonly db: Db) {}

  /** The newest `limit` matches in one index, in rowid order (newest first): no bm25 over every match, no MATCH re-run per row. */
  matches(table: MessageIndex | 'attachments_fts', match: string, limit: number): IndexHit[] {
    return this.db
      .prepare<[{ q: string; n: number }], IndexHit>(
        `SELECT rowid, rank AS score, snippet(${table}, 0, '${SNIPPET_OPEN}', '${SNIPPET_CLOSE}', '…', 16) AS snippet
       FROM ${table} WHERE ${table} MATCH @q ORDER BY rowid DESC LIMIT @n`,
      )
      .all({ q: match, n: limit });
  }

  /** The messages at these rowids, in conversations not in the trash. */
  messagesAt(rowids: number[]): MessageRef[] {
    return this.db
      .prepare<number[], MessageRef>(
        `SELECT m.rowid, m.id AS message_id, m.conversation_id, c.title AS conversation_title, m.role, m.created_at
       FROM messages m JOIN conversations c ON c.id = m.conversation_id
       WHERE c.deleted_at IS NULL AND m.rowid IN (${rowids.map(() => '?').join(',')})`,
      )
      .all(...rowids);
  }

  /** Whether any text attachment is indexed at all (usually none: then searches skip that index). */
  hasAttachmentText(): boolean {
    return Boolean(this.db.prepare('SELECT 1 FROM attachments_fts LIMIT 1').get());
  }

  /** The attachments at these rowids, once per message that carries them, in conversations not in the trash. */
  attachmentsAt(rowids: number[]): AttachmentRef[] {
    return this.db
      .prepare<number[], AttachmentRef>(
        `SELECT a.rowid, a.name, m.id AS message_id, m.conversation_id, c.title AS conversation_title, m.role, m.created_at
       FROM attachments a JOIN message_attachments ma ON ma.attachment_id = a.id JOIN messages m ON m.id = ma.message_id
       JOIN conversations c ON c.id = m.conversation_id
       WHERE c.deleted_at IS NULL AND a.rowid IN (${rowids.map(() => '?').join(',')})`,
      )
      .all(...rowids);
  }

  /** Messages among the newest `scanRows` whose text holds every term as a substring, newest first. */
  substring(terms: string[], scanRows: number, limit: number): (Omit<MessageRef, 'rowid'> & { content: string })[] {
    const like = terms.map((t) => `%${t.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
    return this.db
      .prepare<string[], Omit<MessageRef, 'rowid'> & { content: string }>(
        `
      SELECT m.id AS message_id, m.conversation_id, c.title AS conversation_title, m.role, m.content, m.created_at
      FROM messages m JOIN conversations c ON c.id = m.conversation_id
      WHERE m.rowid > (SELECT max(rowid) FROM messages) - ${Math.floor(scanRows)}
        AND c.deleted_at IS NULL AND ${like.map(() => "m.content LIKE ? ESCAPE '\\'").join(' AND ')}
      ORDER BY m.rowid DESC LIMIT ${Math.floor(limit)}`,
      )
      .all(...like);
  }

  /** The best `limit` title matches by rank, each with the conversation's first message, outside the trash. */
  titles(match: string, limit: number): TitleHit[] {
    return this.db
      .prepare<[{ q: string; n: number }], TitleHit>(
        `
      SELECT c.id AS conversation_id, c.title AS conversation_title, highlight(conversations_fts, 0, '${SNIPPET_OPEN}', '${SNIPPET_CLOSE}') AS snippet, f.rank AS score,
             (SELECT id FROM messages WHERE conversation_id = c.id AND parent_id IS NULL ORDER BY created_at LIMIT 1) AS message_id, c.updated_at AS created_at
      FROM (SELECT rowid, rank FROM conversations_fts WHERE conversations_fts MATCH @q ORDER BY rank LIMIT @n) f
      JOIN conversations_fts ON conversations_fts.rowid = f.rowid
      JOIN conversations c ON c.rowid = f.rowid
      WHERE c.deleted_at IS NULL AND conversations_fts MATCH @q
    `,
      )
      .all({ q: match, n: limit });
  }
}
