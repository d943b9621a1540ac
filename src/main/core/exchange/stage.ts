/**
 * An import's staging: each file read (a JSON array streamed item by item, an archive's conversations streamed, or one
 * JSON object), every conversation converted, made safe (normalize.ts) and written to the staging database. It runs on
 * the import's worker thread (import-worker.ts), so the parse's garbage lives and dies in the worker's heap.
 */
import fs from 'node:fs';
import { pipeline as streamPipeline } from 'node:stream';
import { z } from 'zod';
import { parser } from 'stream-json';
import pick from 'stream-json/filters/pick.js';
import streamArray from 'stream-json/streamers/stream-array.js';
import { formatZodError, HoldfastError } from '../../../shared/errors';
import { StagingDb } from '../store/staging';
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

export interface ImportProgress {
  bytes: number;
  total: number;
  conversations: number;
}

/** What to stage: the files (`name` labels a zip's entry in reasons; '' for a file of its own), and where. */
export interface StageRequest {
  files: { name: string; file: string }[];
  stagingFile: string;
  /** Staged conversations are written once their text reaches this many characters (or 200 conversations). */
  stageBatchChars: number;
}

/** What staging found: the format the files turned out to be, how many items they held, and the counts. */
export interface StageOutcome {
  format: ImportFormat | null;
  items: number;
  stats: ImportStats;
}

/**
 * The store's ids, for staged rows: `reserve(n)` before a batch (on the worker it asks the main thread for them), then
 * `next()` at most n times.
 */
export interface IdPool {
  reserve(n: number): Promise<void> | void;
  next(): string;
}

/** One import in progress: the staging database, the format the file turned out to be, and the counts. */
interface Staging extends StageOutcome {
  db: StagingDb;
}

/** Stages every file into a new staging database (closed on return); throws HoldfastError for a file it refuses. */
export async function stageFiles(request: StageRequest, ids: IdPool, onProgress?: (p: ImportProgress) => void): Promise<StageOutcome> {
  const db = new StagingDb(request.stagingFile);
  try {
    const s: Staging = { db, format: null, items: 0, stats: newStats() };
    const stager = new Stager(s, ids, request.stageBatchChars);
    for (const f of request.files) await stager.stage(f.file, f.name ? `${f.name}: ` : '', onProgress);
    return { format: s.format, items: s.items, stats: s.stats };
  } finally {
    db.close();
  }
}

class Stager {
  constructor(
    private readonly s: Staging,
    private readonly ids: IdPool,
    private readonly stageBatchChars: number,
  ) {}

  async stage(file: string, label: string, onProgress?: (p: ImportProgress) => void): Promise<void> {
    const { s } = this;
    const head = readHead(file);
    const first = head.trimStart()[0];
    let batch: ImportedConversation[] = [];
    let batchChars = 0;
    const write = s.db.batch((items: ImportedConversation[]) => {
      for (const conv of items) this.stageOne(conv);
    });
    const flush = async (items: ImportedConversation[]) => {
      // The most ids the batch can take: a new one per message and per conversation, unless the file's are kept.
      await this.ids.reserve(items.reduce((n, c) => n + (c.keepIds ? 0 : c.messages.length + 1), 0));
      write(items);
    };
    // Returns a promise only when a batch was written: most items need no wait.
    const take = (detected: Detected | null, item: unknown, where: string): Promise<void> | undefined => {
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
        const full = batch;
        batch = [];
        batchChars = 0;
        return flush(full);
      }
      return undefined;
    };
    // An archive's items and a bare array's are taken alike, each detected on its own.
    const eachItem = (item: unknown, i: number) => take(detectItem(item), item, `Item ${i}`);

    if (first === '{') {
      if (/"format"\s*:\s*"holdfast-archive"/.test(head)) {
        const version = Number(/"version"\s*:\s*(\d+)/.exec(head)?.[1] ?? NaN);
        if (version !== 1)
          throw new HoldfastError('invalid_input', `This Holdfast archive has version ${version}; this Holdfast reads version 1`);
        await streamItems(file, label, true, eachItem, onProgress, () => s.items);
      } else {
        const whole = parseWhole(file, label);
        await take(detectObject(whole), whole, 'The file');
      }
    } else if (first === '[') {
      await streamItems(file, label, false, eachItem, onProgress, () => s.items);
    } else {
      throw new HoldfastError('invalid_input', `${label}Unknown file: expected ${KNOWN_FORMATS}`);
    }
    if (batch.length) await flush(batch);
  }

  private stageOne(conv: ImportedConversation): void {
    const { s } = this;
    const name = conv.title ? `"${conv.title.slice(0, 60)}"` : conv.source_id.slice(0, 60);
    // A conversation whose id came earlier in the file, or (ids kept) whose message ids another one uses, is skipped.
    const clash = s.db.hasConversation(conv.source_id) || (conv.keepIds && conv.messages.some((m) => s.db.hasMessage(m.source_id)));
    if (clash) {
      s.stats.duplicates++;
      note(s.stats, `Conversation ${name}: its id or a message id came earlier in the file; it was skipped`);
      return;
    }
    const ids = new Map<string, string>();
    for (const m of conv.messages) ids.set(m.source_id, conv.keepIds ? m.source_id : this.ids.next());
    const id = conv.keepIds ? conv.source_id : this.ids.next();
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

async function streamItems(
  file: string,
  label: string,
  archive: boolean,
  take: (item: unknown, i: number) => Promise<void> | undefined,
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
    for await (const { value } of items) {
      const written = take(value, index++);
      if (written) await written;
    }
    if (failure) throw failure;
  } catch (err) {
    source.destroy();
    if (err instanceof HoldfastError) throw err;
    throw notJson(label, err);
  }
  onProgress?.({ bytes: total, total, conversations: count() });
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
