/**
 * Import, detected by content (see formats/index.ts): a .zip, a JSON array (streamed item by item, so memory does not
 * grow with the file), or one JSON object. Every conversation is converted, made safe (normalize.ts) and written to a
 * staging database; only then is everything copied into the main database in one transaction, so a bad file imports
 * nothing. What was skipped, cut or replaced is counted in the result and logged in one line.
 */
import fs from 'node:fs';
import path from 'node:path';
import { pipeline as streamPipeline } from 'node:stream';
import { z } from 'zod';
import { parser } from 'stream-json';
import pick from 'stream-json/filters/pick.js';
import streamArray from 'stream-json/streamers/stream-array.js';
import { formatZodError, HoldfastError } from '../../../shared/errors';
import type { ImportResult } from '../../../shared/exchange';
import type { Store } from '../store/store';
import { mergeStaging, StagingDb, type StagedFile } from '../store/staging';
import { fallbackTitle } from '../engine/title';
import {
  detectItem,
  detectObject,
  KNOWN_FORMATS,
  newStats,
  normalize,
  note,
  type Detected,
  type ImportedConversation,
  type ImportFormat,
  type ImportStats,
} from './formats';
import { DEFAULT_ZIP_LIMITS, extractJsonFiles, type ZipLimits } from './zip';

export type { ImportResult };
export interface ImportProgress {
  bytes: number;
  total: number;
  conversations: number;
}
export interface ImporterOptions {
  zip?: ZipLimits;
  /** After an import of at least this many messages the WAL is checkpointed (truncated), so it does not stay large. */
  checkpointAfterMessages?: number;
  /** Staged conversations are written once their text reaches this many characters (or 200 conversations). */
  stageBatchChars?: number;
  log?: (line: string) => void;
}

/** One import in progress: the staging database, the format the file turned out to be, and the counts. */
interface Staging {
  db: StagingDb;
  format: ImportFormat | null;
  items: number;
  stats: ImportStats;
}

export type { StagedFile };

export class Importer {
  private readonly zipLimits: ZipLimits;
  private readonly checkpointAfter: number;
  private readonly stageBatchChars: number;

  constructor(
    private readonly store: Store,
    private readonly tmpDir: string,
    private readonly options: ImporterOptions = {},
  ) {
    this.zipLimits = options.zip ?? DEFAULT_ZIP_LIMITS;
    this.checkpointAfter = options.checkpointAfterMessages ?? 10_000;
    this.stageBatchChars = options.stageBatchChars ?? 1_000_000;
  }

  /** `onFiles`: the files the newly imported messages carried (by reference), once they are committed. */
  async importFile(file: string, onProgress?: (p: ImportProgress) => void, onFiles?: (files: StagedFile[]) => void): Promise<ImportResult> {
    fs.mkdirSync(this.tmpDir, { recursive: true });
    const tmp: string[] = [];
    try {
      const base = `import-${this.store.newId()}`;
      let files = [{ name: '', file }];
      if (isZip(file)) {
        files = await extractJsonFiles(file, this.tmpDir, base, this.zipLimits).catch((err: unknown) => {
          // Whatever was written before the limit or the damage was found goes too.
          for (const n of fs.readdirSync(this.tmpDir)) if (n.startsWith(base)) fs.rmSync(path.join(this.tmpDir, n), { force: true });
          throw err;
        });
        tmp.push(...files.map((f) => f.file));
        if (files.length === 1) files[0]!.name = ''; // one file: its reasons need no name
      }
      const stagingFile = path.join(this.tmpDir, `staging-${this.store.newId()}.db`);
      tmp.push(stagingFile, `${stagingFile}-wal`, `${stagingFile}-shm`);
      const db = new StagingDb(stagingFile);
      try {
        const s: Staging = { db, format: null, items: 0, stats: newStats() };
        for (const f of files) await this.stage(f.file, f.name ? `${f.name}: ` : '', s, onProgress);
        if (!s.format || s.items === 0) throw new HoldfastError('invalid_input', 'The file holds no conversations');
        db.close();
        const committed = mergeStaging(this.store, stagingFile, s.format === 'holdfast');
        if (committed.files.length) onFiles?.(committed.files);
        if (committed.messages >= this.checkpointAfter) this.store.checkpoint();
        const result: ImportResult = {
          format: s.format,
          conversations: committed.conversations,
          messages: committed.messages,
          skipped: committed.already,
          skipped_empty: s.stats.empty,
          skipped_duplicate: s.stats.duplicates + committed.collisions,
          dropped_messages: s.stats.duplicateMessages,
          cycles_broken: s.stats.cyclesBroken,
          replaced_characters: s.stats.replacedCharacters,
          notes: s.stats.notes,
        };
        if (committed.collisions)
          result.notes.push(`${committed.collisions} conversation(s) use message ids that already exist here; they were skipped`);
        this.logResult(result);
        return result;
      } finally {
        if (db.open) db.close();
      }
    } finally {
      for (const f of tmp) fs.rmSync(f, { force: true });
    }
  }

  /** One line, counts only: no text from the file (it may hold secrets) reaches the log. */
  private logResult(r: ImportResult): void {
    const parts = [
      r.skipped && `${r.skipped} already here`,
      r.skipped_empty && `${r.skipped_empty} without text skipped`,
      r.skipped_duplicate && `${r.skipped_duplicate} with repeated or colliding ids skipped`,
      r.dropped_messages && `${r.dropped_messages} repeated message ids left out`,
      r.cycles_broken && `${r.cycles_broken} parent cycles cut`,
      r.replaced_characters && `${r.replaced_characters} lone surrogates replaced with U+FFFD`,
    ].filter(Boolean);
    if (parts.length)
      this.options.log?.(`import (${r.format}): ${r.conversations} conversations, ${r.messages} messages; ${parts.join(', ')}`);
  }

  private async stage(file: string, label: string, s: Staging, onProgress?: (p: ImportProgress) => void): Promise<void> {
    const head = readHead(file);
    const first = head.trimStart()[0];
    let batch: ImportedConversation[] = [];
    let batchChars = 0;
    const flush = s.db.batch((items: ImportedConversation[]) => {
      for (const conv of items) this.stageOne(conv, s);
    });
    const take = (detected: Detected | null, item: unknown, where: string) => {
      if (!detected)
        throw new HoldfastError('invalid_input', `${label}${where} is not a conversation Holdfast knows (expected ${KNOWN_FORMATS})`);
      s.format ??= detected.format;
      if (detected.format !== s.format)
        throw new HoldfastError('invalid_input', `${label}${where} is a ${detected.format} conversation in a ${s.format} file`);
      let converted: ImportedConversation[];
      try {
        converted = detected.convert(item);
      } catch (err) {
        if (err instanceof z.ZodError)
          throw new HoldfastError(
            'invalid_input',
            `${label}${where} is not a valid ${detected.format} conversation: ${formatZodError(err)}`,
          );
        throw err;
      }
      s.items++;
      for (const conv of converted) {
        const safe = normalize(conv, s.stats);
        if (!safe) continue;
        batch.push(safe);
        for (const m of safe.messages) batchChars += m.content.length + (m.thinking?.length ?? 0);
      }
      // Staged by size, not only by count: 200 long conversations held at once were the whole file in memory
      // (an 85 MB archive of 200 × 500 messages: a live heap of 195 MB, grown to 373 MB). A small batch also
      // dies young, so less of it reaches the old generation that V8 grows and keeps (BENCHMARKS.md, host memory).
      if (batch.length >= 200 || batchChars >= this.stageBatchChars) {
        flush(batch);
        batch = [];
        batchChars = 0;
      }
    };
    // An archive's items and a bare array's are taken alike, each detected on its own.
    const eachItem = (item: unknown, i: number) => take(detectItem(item), item, `Item ${i}`);

    if (first === '{') {
      if (/"format"\s*:\s*"holdfast-archive"/.test(head)) {
        const version = Number(/"version"\s*:\s*(\d+)/.exec(head)?.[1] ?? NaN);
        if (version !== 1)
          throw new HoldfastError('invalid_input', `This Holdfast archive has version ${version}; this Holdfast reads version 1`);
        await this.streamItems(file, label, true, eachItem, onProgress, () => s.items);
      } else {
        const whole = parseWhole(file, label);
        take(detectObject(whole), whole, 'The file');
      }
    } else if (first === '[') {
      await this.streamItems(file, label, false, eachItem, onProgress, () => s.items);
    } else {
      throw new HoldfastError('invalid_input', `${label}Unknown file: expected ${KNOWN_FORMATS}`);
    }
    if (batch.length) flush(batch);
  }

  private async streamItems(
    file: string,
    label: string,
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
    // Whole values only: the chunk-by-chunk tokens of every string doubled the garbage (352 young-generation GCs for a
    // 100,000-message archive, 179 without them).
    const stages = [
      parser.asStream({ streamValues: false }),
      ...(archive ? [pick.asStream({ filter: 'conversations' })] : []),
      streamArray.asStream(),
    ];
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
      throw notJson(label, err);
    }
    onProgress?.({ bytes: total, total, conversations: count() });
  }

  private stageOne(conv: ImportedConversation, s: Staging): void {
    const name = conv.title ? `"${conv.title.slice(0, 60)}"` : conv.source_id.slice(0, 60);
    // A conversation whose id came earlier in the file, or (ids kept) whose message ids another one uses, is skipped.
    const clash = s.db.hasConversation(conv.source_id) || (conv.keepIds && conv.messages.some((m) => s.db.hasMessage(m.source_id)));
    if (clash) {
      s.stats.duplicates++;
      note(s.stats, `Conversation ${name}: its id or a message id came earlier in the file; it was skipped`);
      return;
    }
    const ids = new Map<string, string>();
    for (const m of conv.messages) ids.set(m.source_id, conv.keepIds ? m.source_id : this.store.newId());
    const id = conv.keepIds ? conv.source_id : this.store.newId();
    const firstUser = conv.messages.find((m) => m.role === 'user')?.content ?? '';
    s.db.insertConversation({
      id,
      source: s.format,
      source_id: conv.source_id,
      title: conv.title.trim() || fallbackTitle(firstUser),
      created_at: conv.created_at,
      updated_at: Math.max(conv.updated_at, conv.created_at),
      current_leaf_id: conv.current_leaf_source_id ? (ids.get(conv.current_leaf_source_id) ?? null) : null,
      model: conv.extra?.model ?? null,
      system_prompt: conv.extra?.system_prompt || null,
      max_tokens: conv.extra?.max_tokens ?? null,
      temperature: conv.extra?.temperature ?? null,
      pinned: conv.extra?.pinned ? 1 : 0,
    });
    for (const m of conv.messages) {
      s.db.insertMessage({
        id: ids.get(m.source_id)!,
        conversation_id: id,
        parent_id: m.parent_source_id ? (ids.get(m.parent_source_id) ?? null) : null, // normalize() left no dangling parent
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
        provider_id: m.provider_id ?? null,
      });
      (m.files ?? []).forEach((f, ord) => s.db.insertFile(ids.get(m.source_id)!, ord, f.ref, f.name, f.mime, f.placeholders ?? []));
    }
  }
}

function isZip(file: string): boolean {
  const fd = fs.openSync(file, 'r');
  try {
    const b = Buffer.alloc(4);
    const n = fs.readSync(fd, b, 0, 4, 0);
    return n === 4 && b.readUInt32LE(0) === 0x04034b50;
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

function parseWhole(file: string, label: string): unknown {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8').replace(/^\uFEFF/, ''));
  } catch (err) {
    throw notJson(label, err);
  }
}

/** "The file is not valid JSON: …", or for one file of a zip (`label` is "name: ") "chats/12.json is not valid JSON: …". */
function notJson(label: string, err: unknown): HoldfastError {
  const subject = label ? label.replace(/: $/, '') : 'The file';
  // V8 quotes the file around an unexpected token (`Unexpected token 's', ..."api_key": sk-ant-sec"... is not valid
  // JSON`): that text may be a secret, and the reason reaches logs and windows. The token and any position stay.
  const reason = (err instanceof Error ? err.message : String(err)).replace(/, (?:\.\.\.)?"[\s\S]*"(?:\.\.\.)? is not valid JSON$/, '');
  return new HoldfastError('invalid_input', `${subject} is not valid JSON: ${reason}`);
}
