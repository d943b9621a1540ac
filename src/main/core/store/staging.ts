/**
 * The importer's staging database: a throwaway SQLite file (no journal, no fsync) that takes an import's rows as they are
 * converted, and the one transaction that copies what is new from it into the main database. A file that fails halfway
 * leaves only the staging file behind, never half an import.
 */
import type Database from 'better-sqlite3';
import type { Store } from './store';
import { openSqlite } from './sqlite';

const STAGING_SCHEMA = `
  CREATE TABLE c (id TEXT PRIMARY KEY, source TEXT, source_id TEXT, title TEXT, created_at INTEGER, updated_at INTEGER, current_leaf_id TEXT,
    model TEXT, system_prompt TEXT, max_tokens INTEGER, temperature REAL, pinned INTEGER);
  CREATE INDEX c_source ON c (source_id);
  CREATE TABLE m (id TEXT PRIMARY KEY, conversation_id TEXT, parent_id TEXT, role TEXT, content TEXT, thinking TEXT, status TEXT, model TEXT,
    reaction TEXT, reaction_comment TEXT, created_at INTEGER, error TEXT, stop_reason TEXT, input_tokens INTEGER, output_tokens INTEGER,
    provider_id TEXT);
  CREATE TABLE f (message_id TEXT, ord INTEGER, ref TEXT, name TEXT, mime TEXT, placeholders TEXT);`;

export interface StagedConversation {
  id: string;
  source: string | null;
  source_id: string;
  title: string;
  created_at: number;
  updated_at: number;
  current_leaf_id: string | null;
  model: string | null;
  system_prompt: string | null;
  max_tokens: number | null;
  temperature: number | null;
  pinned: 0 | 1;
}

export interface StagedMessage {
  id: string;
  conversation_id: string;
  parent_id: string | null;
  role: string;
  content: string;
  thinking: string | null | undefined;
  status: string;
  model: string | null;
  reaction: string | null;
  reaction_comment: string | null;
  created_at: number;
  error: string | null;
  stop_reason: string | null;
  input_tokens: number | null;
  output_tokens: number | null;
  provider_id: string | null;
}

/** A file an imported message carried, by the export's reference, for the caller to bring in from the zip. */
export interface StagedFile {
  message_id: string;
  ord: number;
  ref: string;
  name: string;
  mime: string | null;
  /** The lines of the message's text standing for this file (JSON array): the caller drops them once it keeps the file. */
  placeholders: string | null;
}

/** What a merge did: conversations copied, skipped as imported before, skipped for taken message ids; messages copied. */
export interface MergeResult {
  conversations: number;
  already: number;
  collisions: number;
  messages: number;
  files: StagedFile[];
}

export class StagingDb {
  private readonly db: Database.Database;
  private readonly insertC: Database.Statement;
  private readonly insertM: Database.Statement;
  private readonly hasSource: Database.Statement;
  private readonly hasMessageId: Database.Statement;
  private readonly insertF: Database.Statement;

  /** Creates the staging file (the runtime's native build: Node or Electron); the caller removes it and its -wal/-shm. */
  constructor(readonly file: string) {
    const db = (this.db = openSqlite(file));
    try {
      db.pragma('journal_mode = OFF');
      db.pragma('synchronous = OFF');
      db.exec(STAGING_SCHEMA);
      this.insertC = db.prepare(
        'INSERT INTO c VALUES (@id, @source, @source_id, @title, @created_at, @updated_at, @current_leaf_id, @model, @system_prompt, @max_tokens, @temperature, @pinned)',
      );
      this.insertM = db.prepare(
        'INSERT INTO m VALUES (@id, @conversation_id, @parent_id, @role, @content, @thinking, @status, @model, @reaction, @reaction_comment, @created_at, @error, @stop_reason, @input_tokens, @output_tokens, @provider_id)',
      );
      this.hasSource = db.prepare('SELECT 1 FROM c WHERE source_id = ? OR id = ?').pluck();
      this.hasMessageId = db.prepare('SELECT 1 FROM m WHERE id = ?').pluck();
      this.insertF = db.prepare('INSERT INTO f VALUES (?, ?, ?, ?, ?, ?)');
    } catch (err) {
      db.close();
      throw err;
    }
  }

  get open(): boolean {
    return this.db.open;
  }
  close(): void {
    this.db.close();
  }

  /** `fn` wrapped so each call runs in one staging transaction (a batch of conversations). */
  batch<A extends unknown[]>(fn: (...args: A) => void): (...args: A) => void {
    return this.db.transaction(fn);
  }

  /** Whether a conversation with this source id (or this id) was staged already. */
  hasConversation(sourceId: string): boolean {
    return this.hasSource.get(sourceId, sourceId) !== undefined;
  }
  hasMessage(id: string): boolean {
    return this.hasMessageId.get(id) !== undefined;
  }
  insertConversation(row: StagedConversation): void {
    this.insertC.run(row);
  }
  insertMessage(row: StagedMessage): void {
    this.insertM.run(row);
  }
  insertFile(messageId: string, ord: number, ref: string, name: string, mime: string | null, placeholders: string[]): void {
    this.insertF.run(messageId, ord, ref, name, mime, JSON.stringify(placeholders));
  }
}

/**
 * Copies the staged rows into the main database in one transaction, skipping conversations imported before and (ids
 * kept) ones whose message ids are taken. The staging file must be closed first.
 */
export function mergeStaging(store: Store, stagingFile: string, keptIds: boolean): MergeResult {
  const { db } = store;
  db.prepare('ATTACH DATABASE ? AS staging').run(stagingFile);
  try {
    return store.mutate(() => {
      db.pragma('defer_foreign_keys = ON'); // children may be staged before their parents
      db.exec(`CREATE TEMP TABLE verdict AS SELECT c.id, CASE
            WHEN EXISTS (SELECT 1 FROM import_sources s WHERE s.source = c.source AND s.source_id = c.source_id)
              OR EXISTS (SELECT 1 FROM conversations x WHERE x.id = c.id) THEN 'already'
            WHEN ${keptIds ? 'EXISTS (SELECT 1 FROM staging.m sm JOIN main.messages mm ON mm.id = sm.id WHERE sm.conversation_id = c.id)' : '0'} THEN 'collision'
            ELSE 'fresh' END AS v
          FROM staging.c c`);
      db.exec(`CREATE TEMP TABLE fresh AS SELECT id FROM temp.verdict WHERE v = 'fresh'`);
      const counts = Object.fromEntries(
        (db.prepare('SELECT v, count(*) AS n FROM temp.verdict GROUP BY v').all() as { v: string; n: number }[]).map((r) => [r.v, r.n]),
      ) as Record<string, number>;
      const now = store.now();
      db.exec(`INSERT INTO conversations (id, title, created_at, updated_at, current_leaf_id, model, system_prompt, max_tokens, temperature, pinned)
          SELECT id, title, created_at, updated_at, current_leaf_id, model, system_prompt, max_tokens, temperature, pinned FROM staging.c WHERE id IN (SELECT id FROM temp.fresh)`);
      const inserted = db
        .prepare(
          `INSERT INTO messages (id, conversation_id, parent_id, role, content, thinking, status, model, reaction, reaction_comment,
            created_at, last_updated, error, stop_reason, input_tokens, output_tokens, provider_id)
          SELECT id, conversation_id, parent_id, role, content, thinking, status, model, reaction, reaction_comment,
            created_at, created_at, error, stop_reason, input_tokens, output_tokens, provider_id FROM staging.m
          WHERE conversation_id IN (SELECT id FROM temp.fresh)`,
        )
        .run().changes;
      db.prepare(
        `INSERT OR IGNORE INTO import_sources (source, source_id, conversation_id, imported_at)
          SELECT source, source_id, id, ? FROM staging.c WHERE id IN (SELECT id FROM temp.fresh)`,
      ).run(now);
      const fresh = db.prepare('SELECT id FROM temp.fresh').pluck().all() as string[];
      const files = db
        .prepare(
          `SELECT f.message_id, f.ord, f.ref, f.name, f.mime, f.placeholders FROM staging.f f JOIN staging.m sm ON sm.id = f.message_id
            WHERE sm.conversation_id IN (SELECT id FROM temp.fresh) ORDER BY f.message_id, f.ord`,
        )
        .all() as StagedFile[];
      for (const id of fresh) store.touch('conversation', id);
      db.exec('DROP TABLE temp.fresh; DROP TABLE temp.verdict');
      return { conversations: fresh.length, already: counts.already ?? 0, collisions: counts.collision ?? 0, messages: inserted, files };
    });
  } finally {
    db.exec('DETACH DATABASE staging');
  }
}
