/**
 * The importer's staging database: a throwaway SQLite file (no journal, no fsync) that takes an import's rows as they are
 * converted, and the one transaction that copies what is new from it into the main database. A file that fails halfway
 * leaves only the staging file behind, never half an import.
 */
import type Database from 'better-sqlite3';
import type { Store } from './store';
import { openSqlite } from './sqlite';

/**
 * The staged tables' columns, once: the staging schema, its inserts and the copy into the main tables are made from
 * these lists. `copy: false` columns stay in staging (the import's source ids go to `import_sources`).
 */
const CONVERSATION = {
  id: { type: 'TEXT PRIMARY KEY' },
  source: { type: 'TEXT', copy: false },
  source_id: { type: 'TEXT', copy: false },
  title: { type: 'TEXT' },
  created_at: { type: 'INTEGER' },
  updated_at: { type: 'INTEGER' },
  current_leaf_id: { type: 'TEXT' },
  model: { type: 'TEXT' },
  system_prompt: { type: 'TEXT' },
  max_tokens: { type: 'INTEGER' },
  temperature: { type: 'REAL' },
  pinned: { type: 'INTEGER' },
} as const;
const MESSAGE = {
  id: { type: 'TEXT PRIMARY KEY' },
  conversation_id: { type: 'TEXT' },
  parent_id: { type: 'TEXT' },
  role: { type: 'TEXT' },
  content: { type: 'TEXT' },
  thinking: { type: 'TEXT' },
  status: { type: 'TEXT' },
  model: { type: 'TEXT' },
  reaction: { type: 'TEXT' },
  reaction_comment: { type: 'TEXT' },
  created_at: { type: 'INTEGER' },
  error: { type: 'TEXT' },
  stop_reason: { type: 'TEXT' },
  input_tokens: { type: 'INTEGER' },
  output_tokens: { type: 'INTEGER' },
  provider_id: { type: 'TEXT' },
} as const;
type Columns = Record<string, { type: string; copy?: false }>;

const names = (cols: Columns): string[] => Object.keys(cols);
const copied = (cols: Columns): string[] => Object.entries(cols).flatMap(([k, c]) => (c.copy === false ? [] : [k]));
const createTable = (name: string, cols: Columns): string =>
  `CREATE TABLE ${name} (${Object.entries(cols)
    .map(([k, c]) => `${k} ${c.type}`)
    .join(', ')});`;
const insertNamed = (name: string, cols: Columns): string =>
  `INSERT INTO ${name} VALUES (${names(cols)
    .map((k) => `@${k}`)
    .join(', ')})`;

const STAGING_SCHEMA = `
  ${createTable('c', CONVERSATION)}
  CREATE INDEX c_source ON c (source_id);
  ${createTable('m', MESSAGE)}
  CREATE TABLE f (message_id TEXT, ord INTEGER, ref TEXT, name TEXT, mime TEXT, placeholders TEXT);`;

type TsOf<T extends string> = T extends `INTEGER${string}` | `REAL${string}` ? number : string;
/** A staged conversation row: one property per column of `CONVERSATION` (nullable but for the keys and times). */
export type StagedConversation = {
  [K in keyof typeof CONVERSATION]: TsOf<(typeof CONVERSATION)[K]['type']> | (K extends NotNull ? never : null);
} & {
  pinned: 0 | 1;
};
/** A staged message row: one property per column of `MESSAGE`. */
export type StagedMessage = { [K in keyof typeof MESSAGE]: TsOf<(typeof MESSAGE)[K]['type']> | (K extends NotNull ? never : null) };
type NotNull = 'id' | 'source_id' | 'title' | 'created_at' | 'updated_at' | 'pinned' | 'conversation_id' | 'role' | 'content' | 'status';

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
      this.insertC = db.prepare(insertNamed('c', CONVERSATION));
      this.insertM = db.prepare(insertNamed('m', MESSAGE));
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
      const conversationColumns = copied(CONVERSATION).join(', ');
      db.exec(`INSERT INTO conversations (${conversationColumns})
          SELECT ${conversationColumns} FROM staging.c WHERE id IN (SELECT id FROM temp.fresh)`);
      const inserted = db
        .prepare(
          // An imported message was last updated when it was written.
          `INSERT INTO messages (${copied(MESSAGE).join(', ')}, last_updated)
          SELECT ${copied(MESSAGE).join(', ')}, created_at FROM staging.m
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
