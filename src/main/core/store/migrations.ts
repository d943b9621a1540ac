/** Numbered, forward-only schema migrations; `PRAGMA user_version` records the last one applied. */
export const migrations: readonly string[] = [
  // 1: conversations as trees, the chunk journal, the change log.
  `
  CREATE TABLE conversations (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    current_leaf_id TEXT,
    model TEXT,
    system_prompt TEXT,
    max_tokens INTEGER,
    temperature REAL,
    pinned INTEGER NOT NULL DEFAULT 0,
    deleted_at INTEGER
  );
  CREATE INDEX conversations_updated ON conversations(updated_at);

  CREATE TABLE messages (
    id TEXT PRIMARY KEY,
    conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    parent_id TEXT REFERENCES messages(id) ON DELETE CASCADE,
    role TEXT NOT NULL CHECK (role IN ('user', 'assistant')),
    content TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL CHECK (status IN ('queued', 'generating', 'completed', 'error', 'cancelled')),
    error TEXT,
    model TEXT,
    stop_reason TEXT,
    input_tokens INTEGER,
    output_tokens INTEGER,
    reaction TEXT CHECK (reaction IN ('like', 'dislike')),
    reaction_comment TEXT,
    created_at INTEGER NOT NULL,
    last_updated INTEGER NOT NULL
  );
  CREATE INDEX messages_status ON messages(status, last_updated);
  CREATE INDEX messages_conversation ON messages(conversation_id, created_at);
  CREATE INDEX messages_parent ON messages(parent_id, created_at);

  -- Append-only journal of streamed text; folded into messages.content when the message ends.
  CREATE TABLE chunks (
    message_id TEXT NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
    ord INTEGER NOT NULL,
    text TEXT NOT NULL,
    PRIMARY KEY (message_id, ord)
  ) WITHOUT ROWID;

  CREATE TABLE changes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    entity TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    op TEXT NOT NULL,
    at INTEGER NOT NULL
  );

  -- Which continuation strategy a model accepts (prefill, user_turn, new_variant).
  CREATE TABLE model_strategies (model TEXT PRIMARY KEY, strategy TEXT NOT NULL, at INTEGER NOT NULL);
  `,
];
