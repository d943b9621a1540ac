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
  // 2: search (a word index and a trigram index for text without spaces), thinking kept apart, import sources.
  `
  ALTER TABLE messages ADD COLUMN thinking TEXT;
  CREATE TABLE import_sources (
    source TEXT NOT NULL,
    source_id TEXT NOT NULL,
    conversation_id TEXT NOT NULL,
    imported_at INTEGER NOT NULL,
    PRIMARY KEY (source, source_id)
  ) WITHOUT ROWID;

  CREATE VIRTUAL TABLE messages_fts USING fts5(content, content='messages', content_rowid='rowid', tokenize='unicode61 remove_diacritics 2', prefix='2 3');
  CREATE VIRTUAL TABLE messages_trigram USING fts5(content, content='messages', content_rowid='rowid', tokenize='trigram');
  CREATE VIRTUAL TABLE conversations_fts USING fts5(title, content='conversations', content_rowid='rowid', tokenize='unicode61 remove_diacritics 2');

  -- Indexed in the same transaction as the change; a streaming message's content is '' until it ends (its text
  -- is in the chunk journal), so it is indexed once, when it is folded.
  CREATE TRIGGER messages_ai AFTER INSERT ON messages WHEN new.content != '' BEGIN
    INSERT INTO messages_fts(rowid, content) VALUES (new.rowid, new.content);
    INSERT INTO messages_trigram(rowid, content) VALUES (new.rowid, new.content);
  END;
  CREATE TRIGGER messages_ad AFTER DELETE ON messages WHEN old.content != '' BEGIN
    INSERT INTO messages_fts(messages_fts, rowid, content) VALUES ('delete', old.rowid, old.content);
    INSERT INTO messages_trigram(messages_trigram, rowid, content) VALUES ('delete', old.rowid, old.content);
  END;
  CREATE TRIGGER messages_au AFTER UPDATE OF content ON messages WHEN old.content != new.content BEGIN
    INSERT INTO messages_fts(messages_fts, rowid, content) SELECT 'delete', old.rowid, old.content WHERE old.content != '';
    INSERT INTO messages_trigram(messages_trigram, rowid, content) SELECT 'delete', old.rowid, old.content WHERE old.content != '';
    INSERT INTO messages_fts(rowid, content) SELECT new.rowid, new.content WHERE new.content != '';
    INSERT INTO messages_trigram(rowid, content) SELECT new.rowid, new.content WHERE new.content != '';
  END;
  CREATE TRIGGER conversations_ai AFTER INSERT ON conversations BEGIN
    INSERT INTO conversations_fts(rowid, title) VALUES (new.rowid, new.title);
  END;
  CREATE TRIGGER conversations_ad AFTER DELETE ON conversations BEGIN
    INSERT INTO conversations_fts(conversations_fts, rowid, title) VALUES ('delete', old.rowid, old.title);
  END;
  CREATE TRIGGER conversations_au AFTER UPDATE OF title ON conversations WHEN old.title != new.title BEGIN
    INSERT INTO conversations_fts(conversations_fts, rowid, title) VALUES ('delete', old.rowid, old.title);
    INSERT INTO conversations_fts(rowid, title) VALUES (new.rowid, new.title);
  END;
  INSERT INTO messages_fts(messages_fts) VALUES ('rebuild');
  INSERT INTO messages_trigram(messages_trigram) VALUES ('rebuild');
  INSERT INTO conversations_fts(conversations_fts) VALUES ('rebuild');
  `,
  // 3: thinking streamed like text (a `kind` per journal row), its duration, redacted blocks and signatures kept; the
  // conversation's thinking setting; thinking searchable in its own index.
  `
  ALTER TABLE chunks ADD COLUMN kind TEXT NOT NULL DEFAULT 'text';
  ALTER TABLE messages ADD COLUMN thinking_ms INTEGER;
  ALTER TABLE messages ADD COLUMN thinking_redacted INTEGER NOT NULL DEFAULT 0;
  -- The thinking blocks as the API sent them ({type, thinking, signature} or {type: 'redacted_thinking', data}), JSON.
  ALTER TABLE messages ADD COLUMN thinking_blocks TEXT;
  ALTER TABLE conversations ADD COLUMN thinking TEXT;

  CREATE VIRTUAL TABLE messages_thinking_fts USING fts5(thinking, content='messages', content_rowid='rowid', tokenize='unicode61 remove_diacritics 2', prefix='2 3');
  CREATE TRIGGER messages_thinking_ai AFTER INSERT ON messages WHEN coalesce(new.thinking, '') != '' BEGIN
    INSERT INTO messages_thinking_fts(rowid, thinking) VALUES (new.rowid, new.thinking);
  END;
  CREATE TRIGGER messages_thinking_ad AFTER DELETE ON messages WHEN coalesce(old.thinking, '') != '' BEGIN
    INSERT INTO messages_thinking_fts(messages_thinking_fts, rowid, thinking) VALUES ('delete', old.rowid, old.thinking);
  END;
  CREATE TRIGGER messages_thinking_au AFTER UPDATE OF thinking ON messages WHEN coalesce(old.thinking, '') != coalesce(new.thinking, '') BEGIN
    INSERT INTO messages_thinking_fts(messages_thinking_fts, rowid, thinking) SELECT 'delete', old.rowid, old.thinking WHERE coalesce(old.thinking, '') != '';
    INSERT INTO messages_thinking_fts(rowid, thinking) SELECT new.rowid, new.thinking WHERE coalesce(new.thinking, '') != '';
  END;
  INSERT INTO messages_thinking_fts(messages_thinking_fts) VALUES ('rebuild');
  `,
  // 4: continuation strategies are remembered per endpoint (provider and base URL) and model, not per model alone:
  // the same model behind a gateway may not honour a prefill. Earlier rows keep an empty endpoint.
  `
  CREATE TABLE continuation_strategies (
    endpoint TEXT NOT NULL,
    model TEXT NOT NULL,
    strategy TEXT NOT NULL,
    at INTEGER NOT NULL,
    PRIMARY KEY (endpoint, model)
  ) WITHOUT ROWID;
  INSERT INTO continuation_strategies (endpoint, model, strategy, at) SELECT '', model, strategy, at FROM model_strategies;
  DROP TABLE model_strategies;
  `,
  // 5: the conversation list is paged by a keyset (pinned, updated_at, id) over live conversations: one index walk per page.
  `
  CREATE INDEX conversations_list ON conversations(pinned DESC, updated_at DESC, id DESC) WHERE deleted_at IS NULL;
  `,
  // 6: attachments. Each file is kept once per content in the data folder (attachments/ab/abcdef…, by SHA-256); a row
  // per upload names it, and a message lists its files in order. The file is on disk (fsynced) before its row commits.
  `
  CREATE TABLE attachments (
    id TEXT PRIMARY KEY,
    sha256 TEXT NOT NULL,
    name TEXT NOT NULL,
    mime TEXT NOT NULL,
    size INTEGER NOT NULL,
    created_at INTEGER NOT NULL
  );
  CREATE INDEX attachments_sha256 ON attachments(sha256);
  CREATE TABLE message_attachments (
    message_id TEXT NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
    attachment_id TEXT NOT NULL REFERENCES attachments(id),
    ord INTEGER NOT NULL,
    PRIMARY KEY (message_id, ord)
  ) WITHOUT ROWID;
  CREATE INDEX message_attachments_attachment ON message_attachments(attachment_id);
  -- Text files are searchable: their text, by the attachment's rowid (removed with the row).
  CREATE VIRTUAL TABLE attachments_fts USING fts5(text, tokenize='unicode61 remove_diacritics 2', prefix='2 3');
  CREATE TRIGGER attachments_ad AFTER DELETE ON attachments BEGIN
    DELETE FROM attachments_fts WHERE rowid = old.rowid;
  END;
  `,
  // 7: providers as data. Configured providers (never their keys: those live in the key store) and app-wide settings
  // (the default provider, the offline fallback); each conversation's provider, and on each answer the provider that
  // actually wrote it. Existing conversations and answers become the demo's or Anthropic's by the model they name;
  // a conversation without a model keeps following the default provider (NULL).
  `
  CREATE TABLE providers (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    base_url TEXT,
    preset TEXT,
    models TEXT NOT NULL DEFAULT '[]',
    created_at INTEGER NOT NULL
  );
  CREATE TABLE app_settings (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
  ALTER TABLE conversations ADD COLUMN provider_id TEXT;
  ALTER TABLE messages ADD COLUMN provider_id TEXT;
  UPDATE conversations SET provider_id = CASE WHEN model = 'demo' THEN 'demo' ELSE 'anthropic' END WHERE model IS NOT NULL;
  UPDATE messages SET provider_id = CASE WHEN model = 'demo' THEN 'demo' ELSE 'anthropic' END WHERE role = 'assistant' AND model IS NOT NULL;
  `,
  // 8: thinking gets the trigram index text has (migration 2), so a substring inside a run of text without spaces
  // (Chinese, Japanese…) is found in thinking as it is in the answer.
  `
  CREATE VIRTUAL TABLE messages_thinking_trigram USING fts5(thinking, content='messages', content_rowid='rowid', tokenize='trigram');
  CREATE TRIGGER messages_thinking_trigram_ai AFTER INSERT ON messages WHEN coalesce(new.thinking, '') != '' BEGIN
    INSERT INTO messages_thinking_trigram(rowid, thinking) VALUES (new.rowid, new.thinking);
  END;
  CREATE TRIGGER messages_thinking_trigram_ad AFTER DELETE ON messages WHEN coalesce(old.thinking, '') != '' BEGIN
    INSERT INTO messages_thinking_trigram(messages_thinking_trigram, rowid, thinking) VALUES ('delete', old.rowid, old.thinking);
  END;
  CREATE TRIGGER messages_thinking_trigram_au AFTER UPDATE OF thinking ON messages WHEN coalesce(old.thinking, '') != coalesce(new.thinking, '') BEGIN
    INSERT INTO messages_thinking_trigram(messages_thinking_trigram, rowid, thinking) SELECT 'delete', old.rowid, old.thinking WHERE coalesce(old.thinking, '') != '';
    INSERT INTO messages_thinking_trigram(rowid, thinking) SELECT new.rowid, new.thinking WHERE coalesce(new.thinking, '') != '';
  END;
  INSERT INTO messages_thinking_trigram(messages_thinking_trigram) VALUES ('rebuild');
  `,
];
