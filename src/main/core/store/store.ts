/** The store: every write is one transaction that also appends to the change log; listeners hear after commit. */
import type { Conversation, Message, MessageStatus, Role } from '../../../shared/model';
import { HoldfastError } from '../../../shared/errors';
import type { Db } from './database';
import { decodeCursor, encodeCursor, type ConversationPage } from '../../../shared/conversations';
import { MESSAGE_COLUMNS, toConversation, toMessage, type ConversationRow, type MessageRow } from './rows';
import { diskFullError, StorageHealth } from './health';

export type Entity = 'conversation' | 'message';
export interface CommittedChange {
  seq: number;
  entity: Entity;
  id: string;
}
export type CommitListener = (changes: CommittedChange[]) => void;

export interface NewMessage {
  conversation_id: string;
  parent_id: string | null;
  role: Role;
  content: string;
  status: MessageStatus;
  model: string | null;
  /** The provider that answers (assistant messages). */
  provider_id?: string | null;
}
export interface Clock {
  now(): number;
}
export interface IdSource {
  next(): string;
}

export class Store {
  private touched: Map<string, Entity> | null = null;
  private pendingCommits: CommittedChange[] = [];
  private readonly listeners = new Set<CommitListener>();
  /** How many live conversations there are, counted once and kept until a conversation changes (the count walks an index). */
  private liveTotal: number | null = null;
  private readonly q;

  constructor(
    readonly db: Db,
    private readonly clock: Clock,
    private readonly ids: IdSource,
    readonly health = new StorageHealth(),
  ) {
    this.q = {
      change: db.prepare('INSERT INTO changes (entity, entity_id, op, at) VALUES (?, ?, ?, ?)'),
      conv: db.prepare<[string], ConversationRow>('SELECT * FROM conversations WHERE id = ?'),
      msg: db.prepare<[string], MessageRow>(`SELECT ${MESSAGE_COLUMNS} FROM messages m WHERE m.id = ?`),
      insertMsg:
        db.prepare(`INSERT INTO messages (id, conversation_id, parent_id, role, content, status, model, provider_id, created_at, last_updated)
        VALUES (@id, @conversation_id, @parent_id, @role, @content, @status, @model, @provider_id, @created_at, @last_updated)`),
      children: db.prepare<[string], MessageRow>(
        `SELECT ${MESSAGE_COLUMNS} FROM messages m WHERE m.parent_id = ? ORDER BY m.created_at, m.id`,
      ),
      allOfConv: db.prepare<[string], MessageRow>(
        `SELECT ${MESSAGE_COLUMNS} FROM messages m WHERE m.conversation_id = ? ORDER BY m.created_at, m.id`,
      ),
      byStatus: db.prepare<[string], MessageRow>(
        `SELECT ${MESSAGE_COLUMNS} FROM messages m WHERE m.status = ? ORDER BY m.created_at, m.id`,
      ),
      inFlight: db.prepare<[], { id: string; conversation_id: string; status: 'queued' | 'generating' }>(
        "SELECT id, conversation_id, status FROM messages WHERE status IN ('queued', 'generating') ORDER BY created_at, id",
      ),
      busy: db.prepare<[string], { id: string }>(
        "SELECT id FROM messages WHERE conversation_id = ? AND status IN ('queued', 'generating') ORDER BY created_at, id",
      ),
      parents: db.prepare<[string], { id: string; parent_id: string | null }>(
        'SELECT id, parent_id FROM messages WHERE conversation_id = ?',
      ),
      pageFirst: db.prepare<[number], ConversationRow>(
        'SELECT * FROM conversations WHERE deleted_at IS NULL ORDER BY pinned DESC, updated_at DESC, id DESC LIMIT ?',
      ),
      pageAfter: db.prepare<[number, number, string, number], ConversationRow>(
        `SELECT * FROM conversations WHERE deleted_at IS NULL AND (pinned, updated_at, id) < (?, ?, ?)
         ORDER BY pinned DESC, updated_at DESC, id DESC LIMIT ?`,
      ),
      liveCount: db.prepare<[], { n: number }>('SELECT count(*) AS n FROM conversations WHERE deleted_at IS NULL'),
      shape: db.prepare<[string], { id: string; parent_id: string | null; created_at: number; last_updated: number }>(
        'SELECT id, parent_id, created_at, last_updated FROM messages WHERE conversation_id = ?',
      ),
      headSeq: db.prepare<[], { seq: number | null }>('SELECT max(seq) AS seq FROM changes'),
      minSeq: db.prepare<[], { seq: number | null }>('SELECT min(seq) AS seq FROM changes'),
    };
  }

  now(): number {
    return this.clock.now();
  }
  newId(): string {
    return this.ids.next();
  }

  onCommit(listener: CommitListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Runs `fn` in one transaction; every entity it touches gets one change-log row; listeners hear after commit. */
  mutate<T>(fn: () => T): T {
    if (this.touched) return fn(); // nested: the outer mutate records and commits
    this.health.assertWritable();
    this.touched = new Map();
    let result: T;
    try {
      result = this.db.transaction(() => {
        const value = fn();
        const at = this.now();
        for (const [key, entity] of this.touched!) {
          const id = key.slice(entity.length + 1);
          const seq = Number(this.q.change.run(entity, id, 'upsert', at).lastInsertRowid);
          this.pendingCommits.push({ seq, entity, id });
        }
        return value;
      })();
    } catch (err) {
      this.pendingCommits = [];
      if (this.health.writeFailed(err)) throw diskFullError();
      throw err;
    } finally {
      this.touched = null;
    }
    this.health.writeSucceeded();
    const committed = this.pendingCommits;
    this.pendingCommits = [];
    if (committed.some((c) => c.entity === 'conversation')) this.liveTotal = null;
    if (committed.length) for (const l of this.listeners) l(committed);
    return result;
  }

  touch(entity: Entity, id: string): void {
    if (!this.touched) throw new Error('touch() outside mutate()');
    this.touched.set(`${entity}:${id}`, entity);
  }

  /** Appends a change row inside the caller's own transaction (the journal's group commit). */
  appendChangeRaw(entity: Entity, id: string, op: string): number {
    return Number(this.q.change.run(entity, id, op, this.now()).lastInsertRowid);
  }

  headSeq(): number {
    return this.q.headSeq.get()?.seq ?? 0;
  }
  minSeq(): number | null {
    return this.q.minSeq.get()?.seq ?? null;
  }

  /** Each entity changed in (since, head], once, under its latest seq, oldest first; at most `limit`. */
  changedBetween(since: number, head: number, limit: number): { entity: string; entity_id: string; seq: number }[] {
    return this.db
      .prepare<[number, number, number], { entity: string; entity_id: string; seq: number }>(
        'SELECT entity, entity_id, max(seq) AS seq FROM changes WHERE seq > ? AND seq <= ? GROUP BY entity, entity_id ORDER BY seq LIMIT ?',
      )
      .all(since, head, limit);
  }

  /** Ids of the messages of these conversations changed in (since, head]; at most `limit`. */
  messagesChangedBetween(since: number, head: number, conversationIds: string[], limit: number): string[] {
    return this.db
      .prepare<[number, number, string, number], { id: string }>(
        `SELECT DISTINCT m.id FROM changes c JOIN messages m ON m.id = c.entity_id
         WHERE c.entity = 'message' AND c.seq > ? AND c.seq <= ? AND m.conversation_id IN (SELECT value FROM json_each(?)) LIMIT ?`,
      )
      .all(since, head, JSON.stringify(conversationIds), limit)
      .map((r) => r.id);
  }

  // ---- reads ----
  findConversation(id: string): Conversation | undefined {
    const r = this.q.conv.get(id);
    return r ? toConversation(r) : undefined;
  }
  conversation(id: string): Conversation {
    const c = this.findConversation(id);
    if (!c) throw new HoldfastError('not_found', `No conversation with id ${id}`);
    return c;
  }
  findMessage(id: string): Message | undefined {
    const r = this.q.msg.get(id);
    return r ? toMessage(r) : undefined;
  }
  message(id: string): Message {
    const m = this.findMessage(id);
    if (!m) throw new HoldfastError('not_found', `No message with id ${id}`);
    return m;
  }
  children(parentId: string): Message[] {
    return this.q.children.all(parentId).map(toMessage);
  }
  messagesOf(conversationId: string): Message[] {
    return this.q.allOfConv.all(conversationId).map(toMessage);
  }
  messagesWithStatus(status: MessageStatus): Message[] {
    return this.q.byStatus.all(status).map(toMessage);
  }

  /** Every message still queued or generating: ids only, no text (status reports and queue checks need no more). */
  inFlight(): { id: string; conversation_id: string; status: 'queued' | 'generating' }[] {
    return this.q.inFlight.all();
  }

  /** Ids of the conversation's messages still queued or generating (usually none or one). */
  busyIn(conversationId: string): string[] {
    return this.q.busy.all(conversationId).map((r) => r.id);
  }

  /** A conversation's tree without its text: enough to find the thread and siblings, a small read however long the text. */
  shapeOf(conversationId: string): { id: string; parent_id: string | null; created_at: number; last_updated: number }[] {
    return this.q.shape.all(conversationId);
  }

  /** Every message's parent in a conversation, for walking up a branch without a query per step. */
  parentsOf(conversationId: string): Map<string, string | null> {
    return new Map(this.q.parents.all(conversationId).map((r) => [r.id, r.parent_id]));
  }

  listConversations(trashed: boolean): Conversation[] {
    const rows = this.db
      .prepare<[], ConversationRow>(
        `SELECT * FROM conversations WHERE deleted_at IS ${trashed ? 'NOT NULL' : 'NULL'} ORDER BY pinned DESC, updated_at DESC, id DESC`,
      )
      .all();
    return rows.map(toConversation);
  }
  /**
   * One page of live conversations in list order, after `cursor` (the keyset index walks straight there, no OFFSET), and
   * how many there are. A cursor that is not one of ours is refused rather than read as the start.
   */
  pageConversations(limit: number, cursor?: string): ConversationPage {
    const after = cursor === undefined ? null : decodeCursor(cursor);
    if (cursor !== undefined && !after) throw new HoldfastError('invalid_input', 'cursor is not a next_cursor this server gave out');
    // One row more than asked says whether a next page exists, so the last page never points at an empty one.
    const rows = after
      ? this.q.pageAfter.all(after.pinned ? 1 : 0, after.updated_at, after.id, limit + 1)
      : this.q.pageFirst.all(limit + 1);
    const items = rows.slice(0, limit).map(toConversation);
    const last = items.at(-1);
    return {
      items,
      next_cursor: rows.length > limit && last ? encodeCursor(last) : null,
      total: (this.liveTotal ??= this.q.liveCount.get()!.n),
    };
  }
  /** Ids of the conversations (trashed ones too) that answer with this provider. */
  conversationsUsingProvider(providerId: string): string[] {
    return this.db
      .prepare<[string], { id: string }>('SELECT id FROM conversations WHERE provider_id = ?')
      .all(providerId)
      .map((r) => r.id);
  }
  allConversations(): Conversation[] {
    return this.db.prepare<[], ConversationRow>('SELECT * FROM conversations ORDER BY updated_at DESC').all().map(toConversation);
  }

  // ---- writes (call inside mutate) ----
  insertConversation(fields: Partial<Conversation> & { title: string }): Conversation {
    const now = this.now();
    const id = fields.id ?? this.newId();
    this.db
      .prepare(
        `INSERT INTO conversations (id, title, created_at, updated_at, model, system_prompt, current_leaf_id, provider_id)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        id,
        fields.title,
        fields.created_at ?? now,
        fields.updated_at ?? now,
        fields.model ?? null,
        fields.system_prompt ?? null,
        fields.current_leaf_id ?? null,
        fields.provider_id ?? null,
      );
    this.touch('conversation', id);
    return this.conversation(id);
  }

  updateConversation(id: string, patch: Partial<Omit<Conversation, 'id'>>, bump = true): void {
    const cols = Object.keys(patch).filter((k) => (patch as Record<string, unknown>)[k] !== undefined);
    const values = cols.map((k) => {
      const v = (patch as Record<string, unknown>)[k];
      if (typeof v === 'boolean') return v ? 1 : 0;
      return v !== null && typeof v === 'object' ? JSON.stringify(v) : v; // the thinking setting is stored as JSON
    });
    if (bump && !cols.includes('updated_at')) {
      cols.push('updated_at');
      values.push(this.now());
    }
    if (!cols.length) return;
    const res = this.db.prepare(`UPDATE conversations SET ${cols.map((c) => `${c} = ?`).join(', ')} WHERE id = ?`).run(...values, id);
    if (res.changes === 0) throw new HoldfastError('not_found', `No conversation with id ${id}`);
    this.touch('conversation', id);
  }

  /** Deletes conversations for good (their messages go with them); the caller touches each. */
  deleteConversations(ids: string[]): void {
    const stmt = this.db.prepare('DELETE FROM conversations WHERE id = ?');
    this.db.transaction(() => {
      for (const id of ids) stmt.run(id);
    })();
  }

  insertMessage(m: NewMessage & { id?: string; created_at?: number }): Message {
    const now = this.now();
    const id = m.id ?? this.newId();
    this.q.insertMsg.run({ provider_id: null, ...m, id, created_at: m.created_at ?? now, last_updated: now });
    this.touch('message', id);
    return this.message(id);
  }

  updateMessage(
    id: string,
    patch: Partial<
      Pick<
        Message,
        | 'status'
        | 'error'
        | 'model'
        | 'provider_id'
        | 'stop_reason'
        | 'input_tokens'
        | 'output_tokens'
        | 'reaction'
        | 'reaction_comment'
        | 'thinking_ms'
      >
    >,
  ): void {
    const cols = Object.keys(patch).filter((k) => (patch as Record<string, unknown>)[k] !== undefined);
    const values = cols.map((k) => (patch as Record<string, unknown>)[k]);
    cols.push('last_updated');
    values.push(this.now());
    const res = this.db.prepare(`UPDATE messages SET ${cols.map((c) => `${c} = ?`).join(', ')} WHERE id = ?`).run(...values, id);
    if (res.changes === 0) throw new HoldfastError('not_found', `No message with id ${id}`);
    this.touch('message', id);
  }

  /**
   * Folds the chunk journal into the message: text into `content`, thinking into `thinking`, and the thinking blocks
   * (with their signatures and redacted data) into `thinking_blocks` — the one O(n) write a message gets, at its end.
   */
  foldJournal(id: string): void {
    const rows = this.db
      .prepare<[string], { kind: string; text: string }>('SELECT kind, text FROM chunks WHERE message_id = ? ORDER BY ord')
      .all(id);
    if (rows.length) {
      const folded = foldChunks(rows);
      const old = this.db
        .prepare<[string], { thinking_blocks: string | null }>('SELECT thinking_blocks FROM messages WHERE id = ?')
        .get(id);
      const blocks = [...parseBlocks(old?.thinking_blocks ?? null), ...folded.blocks];
      this.db
        .prepare(
          `UPDATE messages SET content = content || @text,
            thinking = CASE WHEN @thinking = '' THEN thinking ELSE coalesce(thinking, '') || @thinking END,
            thinking_redacted = thinking_redacted OR @redacted, thinking_blocks = @blocks WHERE id = @id`,
        )
        .run({
          id,
          text: folded.text,
          thinking: folded.thinking,
          redacted: folded.redacted ? 1 : 0,
          blocks: blocks.length ? JSON.stringify(blocks) : null,
        });
    }
    this.db.prepare('DELETE FROM chunks WHERE message_id = ?').run(id);
    this.touch('message', id);
  }

  /** The thinking blocks of a message as the provider sent them (signatures and redacted data included). */
  thinkingBlocks(id: string): ThinkingBlock[] {
    const row = this.db.prepare<[string], { thinking_blocks: string | null }>('SELECT thinking_blocks FROM messages WHERE id = ?').get(id);
    return parseBlocks(row?.thinking_blocks ?? null);
  }

  /** Moves the WAL into the database file and truncates it (after a large import, so it does not stay large). */
  checkpoint(): void {
    this.db.pragma('wal_checkpoint(TRUNCATE)');
  }

  /** Keeps the change log bounded; windows older than what is left get a snapshot instead. */
  compactChanges(keep: number): void {
    this.db.prepare('DELETE FROM changes WHERE seq <= (SELECT max(seq) FROM changes) - ?').run(keep);
  }
}

/** A thinking block as the API sent it; `signature` is null when the block was cut off before its signature arrived. */
export type ThinkingBlock = { type: 'thinking'; thinking: string; signature: string | null } | { type: 'redacted_thinking'; data: string };

function parseBlocks(json: string | null): ThinkingBlock[] {
  if (!json) return [];
  try {
    const v: unknown = JSON.parse(json);
    return Array.isArray(v) ? (v as ThinkingBlock[]) : [];
  } catch {
    return []; // damaged JSON: the readable thinking is in `thinking`; only the signatures are lost
  }
}

/**
 * Journal rows in order → the answer text, the readable thinking, and the blocks. A `break` row ends a block (a new
 * thinking block started, e.g. after an interrupted one); a `signature` row signs the block it follows.
 */
export function foldChunks(rows: { kind: string; text: string }[]): {
  text: string;
  thinking: string;
  redacted: boolean;
  blocks: ThinkingBlock[];
} {
  let text = '';
  let thinking = '';
  let redacted = false;
  const blocks: ThinkingBlock[] = [];
  let open: Extract<ThinkingBlock, { type: 'thinking' }> | null = null;
  const current = () => {
    if (!open) blocks.push((open = { type: 'thinking', thinking: '', signature: null }));
    return open;
  };
  for (const r of rows) {
    if (r.kind === 'text') text += r.text;
    else if (r.kind === 'thinking') {
      thinking += r.text;
      current().thinking += r.text;
    } else if (r.kind === 'break') {
      thinking += r.text;
      open = null;
    } else if (r.kind === 'signature') current().signature = (current().signature ?? '') + r.text;
    else if (r.kind === 'redacted') {
      redacted = true;
      blocks.push({ type: 'redacted_thinking', data: r.text });
      open = null;
    }
  }
  return { text, thinking, redacted, blocks };
}
