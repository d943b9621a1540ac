/**
 * Import, detected by content: a .zip holding conversations.json, ChatGPT's or Claude's conversations.json, or a
 * Holdfast archive. The file is streamed (memory does not grow with it) into a staging database, validated item by
 * item; only then is everything copied into the main database in one transaction, so a bad file imports nothing.
 */
import fs from 'node:fs';
import path from 'node:path';
import { pipeline as streamPipeline } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import Database from 'better-sqlite3';
import yauzl from 'yauzl';
import { z } from 'zod';
import { parser } from 'stream-json';
import pick from 'stream-json/filters/pick.js';
import streamArray from 'stream-json/streamers/stream-array.js';
import { formatZodError, HoldfastError } from '../../../shared/errors';
import type { Store } from '../store/store';
import { openSqlite } from '../store/sqlite';
import { fallbackTitle } from '../engine/title';
import { converters, detectItem, type ImportedConversation, type ImportFormat } from './formats';

export interface ImportResult {
  format: ImportFormat;
  conversations: number;
  messages: number;
  skipped: number;
}
export interface ImportProgress {
  bytes: number;
  total: number;
  conversations: number;
}

const STAGING_SCHEMA = `
  CREATE TABLE c (id TEXT PRIMARY KEY, source TEXT, source_id TEXT, title TEXT, created_at INTEGER, updated_at INTEGER, current_leaf_id TEXT,
    model TEXT, system_prompt TEXT, max_tokens INTEGER, temperature REAL, pinned INTEGER);
  CREATE TABLE m (id TEXT PRIMARY KEY, conversation_id TEXT, parent_id TEXT, role TEXT, content TEXT, thinking TEXT, status TEXT, model TEXT,
    reaction TEXT, reaction_comment TEXT, created_at INTEGER, error TEXT, stop_reason TEXT, input_tokens INTEGER, output_tokens INTEGER);`;

export class Importer {
  constructor(
    private readonly store: Store,
    private readonly tmpDir: string,
  ) {}

  async importFile(file: string, onProgress?: (p: ImportProgress) => void): Promise<ImportResult> {
    fs.mkdirSync(this.tmpDir, { recursive: true });
    const tmp: string[] = [];
    try {
      let json = file;
      if (isZip(file)) {
        json = path.join(this.tmpDir, `import-${this.store.newId()}.json`);
        tmp.push(json);
        await extractConversationsJson(file, json);
      }
      const stagingFile = path.join(this.tmpDir, `staging-${this.store.newId()}.db`);
      tmp.push(stagingFile, `${stagingFile}-wal`, `${stagingFile}-shm`);
      const staging = openSqlite(stagingFile); // the runtime's native build (Node or Electron)
      try {
        staging.pragma('journal_mode = OFF');
        staging.pragma('synchronous = OFF');
        staging.exec(STAGING_SCHEMA);
        const format = await this.stage(json, staging, onProgress);
        staging.close();
        return { format, ...this.commit(stagingFile) };
      } finally {
        if (staging.open) staging.close();
      }
    } finally {
      for (const f of tmp) fs.rmSync(f, { force: true });
    }
  }

  private async stage(file: string, staging: Database.Database, onProgress?: (p: ImportProgress) => void): Promise<ImportFormat> {
    const head = readHead(file);
    const first = head.trimStart()[0];
    let format: ImportFormat | null = null;
    let count = 0;
    const insertC = staging.prepare(
      'INSERT INTO c VALUES (@id, @source, @source_id, @title, @created_at, @updated_at, @current_leaf_id, @model, @system_prompt, @max_tokens, @temperature, @pinned)',
    );
    const insertM = staging.prepare(
      'INSERT INTO m VALUES (@id, @conversation_id, @parent_id, @role, @content, @thinking, @status, @model, @reaction, @reaction_comment, @created_at, @error, @stop_reason, @input_tokens, @output_tokens)',
    );
    let batch: ImportedConversation[] = [];
    const flush = staging.transaction((items: ImportedConversation[]) => {
      for (const conv of items) this.stageOne(conv, format!, insertC, insertM);
    });
    const take = (item: unknown, index: number) => {
      const kind = detectItem(item);
      if (!kind)
        throw new HoldfastError(
          'invalid_input',
          `Item ${index} is not a conversation Holdfast knows (expected ChatGPT's "mapping", Claude's "chat_messages", or a Holdfast archive)`,
        );
      format ??= kind;
      if (kind !== format) throw new HoldfastError('invalid_input', `Item ${index} is a ${kind} conversation in a ${format} file`);
      try {
        batch.push(converters[kind](item));
      } catch (err) {
        if (err instanceof z.ZodError)
          throw new HoldfastError('invalid_input', `Item ${index} is not a valid ${kind} conversation: ${formatZodError(err)}`);
        throw err;
      }
      count++;
      if (batch.length >= 200) {
        flush(batch);
        batch = [];
      }
    };

    if (first === '{') {
      if (/"format"\s*:\s*"holdfast-conversation"/.test(head)) {
        take(parseWhole(file), 0);
      } else if (/"format"\s*:\s*"holdfast-archive"/.test(head)) {
        const version = Number(/"version"\s*:\s*(\d+)/.exec(head)?.[1] ?? NaN);
        if (version !== 1)
          throw new HoldfastError('invalid_input', `This Holdfast archive has version ${version}; this Holdfast reads version 1`);
        await this.streamItems(file, true, take, onProgress, () => count);
      } else {
        throw new HoldfastError(
          'invalid_input',
          'Unknown file: a JSON object that is not a Holdfast archive (ChatGPT and Claude exports are JSON arrays)',
        );
      }
    } else if (first === '[') {
      await this.streamItems(file, false, take, onProgress, () => count);
    } else {
      throw new HoldfastError(
        'invalid_input',
        'Unknown file: expected a .zip with conversations.json, a conversations.json, or a Holdfast archive',
      );
    }
    if (batch.length) flush(batch);
    if (!format) throw new HoldfastError('invalid_input', 'The file holds no conversations');
    return format;
  }

  private async streamItems(
    file: string,
    archive: boolean,
    take: (item: unknown, i: number) => void,
    onProgress: ((p: ImportProgress) => void) | undefined,
    count: () => number,
  ): Promise<void> {
    const total = fs.statSync(file).size;
    let bytes = 0;
    let lastReport = 0;
    const source = fs.createReadStream(file, { highWaterMark: 256 * 1024 });
    source.on('data', (b) => {
      bytes += b.length;
      if (onProgress && bytes - lastReport > 1_000_000) {
        lastReport = bytes;
        onProgress({ bytes, total, conversations: count() });
      }
    });
    const stages = [parser.asStream(), ...(archive ? [pick.asStream({ filter: 'conversations' })] : []), streamArray.asStream()];
    let index = 0;
    let failure: Error | null = null;
    // The callback form returns the last stream; an error anywhere destroys them all and ends the loop below.
    const items = streamPipeline([source, ...stages] as unknown as [NodeJS.ReadableStream, NodeJS.ReadWriteStream], (err) => {
      if (err) failure = err;
    }) as unknown as AsyncIterable<{ value: unknown }>;
    try {
      for await (const { value } of items) take(value, index++);
      if (failure) throw failure;
    } catch (err) {
      source.destroy();
      if (err instanceof HoldfastError) throw err;
      throw new HoldfastError('invalid_input', `The file is not valid JSON: ${err instanceof Error ? err.message : String(err)}`);
    }
    onProgress?.({ bytes: total, total, conversations: count() });
  }

  private stageOne(conv: ImportedConversation, format: ImportFormat, insertC: Database.Statement, insertM: Database.Statement): void {
    const ids = new Map<string, string>();
    for (const m of conv.messages) ids.set(m.source_id, conv.keepIds ? m.source_id : this.store.newId());
    const id = conv.keepIds ? conv.source_id : this.store.newId();
    const firstUser = conv.messages.find((m) => m.role === 'user')?.content ?? '';
    insertC.run({
      id,
      source: format,
      source_id: conv.source_id,
      title: conv.title.trim() || fallbackTitle(firstUser),
      created_at: conv.created_at,
      updated_at: Math.max(conv.updated_at, conv.created_at),
      current_leaf_id: conv.current_leaf_source_id ? (ids.get(conv.current_leaf_source_id) ?? null) : null,
      model: conv.extra?.model ?? null,
      system_prompt: conv.extra?.system_prompt ?? null,
      max_tokens: conv.extra?.max_tokens ?? null,
      temperature: conv.extra?.temperature ?? null,
      pinned: conv.extra?.pinned ? 1 : 0,
    });
    for (const m of conv.messages) {
      insertM.run({
        id: ids.get(m.source_id)!,
        conversation_id: id,
        parent_id: m.parent_source_id ? (ids.get(m.parent_source_id) ?? null) : null, // a dangling parent becomes a root
        role: m.role,
        content: m.content,
        thinking: m.thinking,
        status: m.status ?? 'completed',
        model: m.model ?? null,
        reaction: m.reaction ?? null,
        reaction_comment: m.reaction_comment ?? null,
        created_at: m.created_at,
        error: m.error ?? (m.status === 'error' ? 'Interrupted when it was exported' : null),
        stop_reason: m.stop_reason ?? null,
        input_tokens: m.input_tokens ?? null,
        output_tokens: m.output_tokens ?? null,
      });
    }
  }

  /** Copies the staged rows in one transaction, skipping conversations imported before (by their source id). */
  private commit(stagingFile: string): { conversations: number; skipped: number; messages: number } {
    const { db } = this.store;
    db.prepare('ATTACH DATABASE ? AS staging').run(stagingFile);
    try {
      return this.store.mutate(() => {
        db.pragma('defer_foreign_keys = ON'); // children may be staged before their parents
        db.exec(`CREATE TEMP TABLE fresh AS SELECT c.id FROM staging.c c
          WHERE NOT EXISTS (SELECT 1 FROM import_sources s WHERE s.source = c.source AND s.source_id = c.source_id)
            AND NOT EXISTS (SELECT 1 FROM conversations x WHERE x.id = c.id)`);
        const total = (db.prepare('SELECT count(*) AS n FROM staging.c').get() as { n: number }).n;
        const now = this.store.now();
        db.exec(`INSERT INTO conversations (id, title, created_at, updated_at, current_leaf_id, model, system_prompt, max_tokens, temperature, pinned)
          SELECT id, title, created_at, updated_at, current_leaf_id, model, system_prompt, max_tokens, temperature, pinned FROM staging.c WHERE id IN (SELECT id FROM temp.fresh)`);
        const inserted = db
          .prepare(
            `INSERT INTO messages (id, conversation_id, parent_id, role, content, thinking, status, model, reaction, reaction_comment,
            created_at, last_updated, error, stop_reason, input_tokens, output_tokens)
          SELECT id, conversation_id, parent_id, role, content, thinking, status, model, reaction, reaction_comment,
            created_at, created_at, error, stop_reason, input_tokens, output_tokens FROM staging.m
          WHERE conversation_id IN (SELECT id FROM temp.fresh)`,
          )
          .run().changes;
        db.prepare(
          `INSERT OR IGNORE INTO import_sources (source, source_id, conversation_id, imported_at)
          SELECT source, source_id, id, ? FROM staging.c WHERE id IN (SELECT id FROM temp.fresh)`,
        ).run(now);
        const fresh = db.prepare('SELECT id FROM temp.fresh').pluck().all() as string[];
        for (const id of fresh) this.store.touch('conversation', id);
        db.exec('DROP TABLE temp.fresh');
        return { conversations: fresh.length, skipped: total - fresh.length, messages: inserted };
      });
    } finally {
      db.exec('DETACH DATABASE staging');
    }
  }
}

function isZip(file: string): boolean {
  const fd = fs.openSync(file, 'r');
  try {
    const b = Buffer.alloc(4);
    fs.readSync(fd, b, 0, 4, 0);
    return b.readUInt32LE(0) === 0x04034b50;
  } finally {
    fs.closeSync(fd);
  }
}

function readHead(file: string): string {
  const fd = fs.openSync(file, 'r');
  try {
    const b = Buffer.alloc(64 * 1024);
    const n = fs.readSync(fd, b, 0, b.length, 0);
    return b
      .subarray(0, n)
      .toString('utf8')
      .replace(/^\uFEFF/, '');
  } finally {
    fs.closeSync(fd);
  }
}

function parseWhole(file: string): unknown {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8').replace(/^\uFEFF/, '')) as { conversation?: unknown; messages?: unknown };
  } catch (err) {
    throw new HoldfastError('invalid_input', `The file is not valid JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** Streams conversations.json out of a zip (ChatGPT's export) into `dest`. */
function extractConversationsJson(zipFile: string, dest: string): Promise<void> {
  return new Promise((resolve, reject) => {
    yauzl.open(zipFile, { lazyEntries: true }, (err, zip) => {
      if (err || !zip)
        return reject(new HoldfastError('invalid_input', `The zip file could not be read: ${err?.message ?? 'unknown error'}`));
      let found = false;
      zip.on('entry', (entry: yauzl.Entry) => {
        if (!/(^|\/)conversations\.json$/.test(entry.fileName)) {
          zip.readEntry();
          return;
        }
        found = true;
        zip.openReadStream(entry, (e, stream) => {
          if (e || !stream) {
            zip.close();
            return reject(new HoldfastError('invalid_input', `conversations.json could not be read from the zip: ${e?.message}`));
          }
          pipeline(stream, fs.createWriteStream(dest)).then(
            () => {
              zip.close();
              resolve();
            },
            (pe: Error) => {
              zip.close();
              reject(new HoldfastError('invalid_input', `conversations.json could not be read from the zip: ${pe.message}`));
            },
          );
        });
      });
      zip.on('end', () => {
        if (!found) reject(new HoldfastError('invalid_input', 'The zip holds no conversations.json'));
      });
      zip.on('error', (e: Error) => reject(new HoldfastError('invalid_input', `The zip file is damaged: ${e.message}`)));
      zip.readEntry();
    });
  });
}
