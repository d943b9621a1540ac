/**
 * Attachment files, content-addressed by SHA-256 in `<data>/attachments/ab/abcdef…`: each is written under a temporary
 * name, fsynced, renamed and its folder fsynced before the row naming it commits, so no message can point at a missing
 * or partial file; what a killed process or an unused upload left behind is collected.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { HoldfastError } from '../../../shared/errors';
import { cutFileName } from '../../../shared/text';
import {
  MAX_ATTACHMENT_BYTES,
  MAX_ATTACHMENTS_PER_MESSAGE,
  PDF_TYPE,
  kindOf,
  normaliseMime,
  type AttachmentInfo,
  type AttachmentKind,
} from '../../../shared/attachments';
import type { Store } from './store';

/** An upload no message uses is kept this long (a person may still be writing the message), then collected. */
export const ORPHAN_GRACE_MS = 24 * 60 * 60 * 1000;
const TEMP_PREFIX = 'tmp-';

export interface AttachmentRow {
  id: string;
  sha256: string;
  name: string;
  mime: string;
  size: number;
  created_at: number;
}

export interface StoredAttachment extends AttachmentInfo {
  kind: AttachmentKind;
}

export class Attachments {
  readonly dir: string;

  constructor(
    private readonly store: Store,
    dataDir: string,
    private readonly log?: (s: string) => void,
  ) {
    this.dir = path.join(dataDir, 'attachments');
  }

  /**
   * Checks, then keeps a file: the bytes reach the disk (fsync of the file and its folder) before the row commits.
   * Unknown or unreadable types are refused with the reason; the size limit is checked before anything is written.
   */
  add(input: { name: string; mime: string | undefined; data: Buffer }): AttachmentInfo {
    const name = cleanName(input.name);
    if (input.data.length > MAX_ATTACHMENT_BYTES)
      throw new HoldfastError('too_large', `A file may be at most ${MAX_ATTACHMENT_BYTES} bytes`, { limit_bytes: MAX_ATTACHMENT_BYTES });
    if (input.data.length === 0) throw new HoldfastError('invalid_input', 'The file is empty');
    const mime = normaliseMime(input.mime, name);
    checkContent(mime, input.data);
    const sha256 = crypto.createHash('sha256').update(input.data).digest('hex');
    this.writeFile(sha256, input.data);
    const row: AttachmentRow = { id: this.store.newId(), sha256, name, mime, size: input.data.length, created_at: this.store.now() };
    this.store.mutate(() => {
      const { lastInsertRowid } = this.store.db
        .prepare(
          'INSERT INTO attachments (id, sha256, name, mime, size, created_at) VALUES (@id, @sha256, @name, @mime, @size, @created_at)',
        )
        .run(row);
      // A text file's words are found by search, like the message's own.
      if (kindOf(mime) === 'text')
        this.store.db.prepare('INSERT INTO attachments_fts (rowid, text) VALUES (?, ?)').run(lastInsertRowid, input.data.toString('utf8'));
    });
    return { id: row.id, name, mime, size: row.size, sha256 };
  }

  find(id: string): StoredAttachment | undefined {
    const r = this.store.db.prepare<[string], AttachmentRow>('SELECT * FROM attachments WHERE id = ?').get(id);
    return r && { id: r.id, name: r.name, mime: r.mime, size: r.size, sha256: r.sha256, kind: kindOf(r.mime) ?? 'text' };
  }

  get(id: string): StoredAttachment {
    const a = this.find(id);
    if (!a)
      throw new HoldfastError(
        'not_found',
        `No attachment with id ${id.length > 64 ? `${id.slice(0, 64)}… (${id.length} characters)` : id}`,
      );
    return a;
  }

  /** The bytes, checked against their hash: a file changed on disk is reported, never sent as if it were the upload. */
  read(id: string): { info: StoredAttachment; data: Buffer } {
    const info = this.get(id);
    let data: Buffer;
    try {
      data = fs.readFileSync(this.fileOf(info.sha256));
    } catch {
      throw new HoldfastError('not_found', `The file of attachment ${info.name} is missing from the data folder`);
    }
    if (crypto.createHash('sha256').update(data).digest('hex') !== info.sha256)
      throw new HoldfastError('internal', `The file of attachment ${info.name} was changed on disk`);
    return { info, data };
  }

  /** The attachments of a message, in order (for sending). */
  ofMessage(messageId: string): StoredAttachment[] {
    return this.store.db
      .prepare<[string], { id: string }>('SELECT attachment_id AS id FROM message_attachments WHERE message_id = ? ORDER BY ord')
      .all(messageId)
      .map((r) => this.get(r.id));
  }

  /** Checks ids before a message is stored with them: each must exist, none twice, at most the per-message limit. */
  check(ids: readonly string[]): void {
    if (ids.length > MAX_ATTACHMENTS_PER_MESSAGE)
      throw new HoldfastError('invalid_input', `A message may carry at most ${MAX_ATTACHMENTS_PER_MESSAGE} files`);
    if (new Set(ids).size !== ids.length) throw new HoldfastError('invalid_input', 'The same attachment is listed twice');
    for (const id of ids) this.get(id);
  }

  /** Links files to a message (inside the caller's transaction, which commits the message). */
  link(messageId: string, ids: readonly string[], firstOrd = 0): void {
    const stmt = this.store.db.prepare('INSERT INTO message_attachments (message_id, attachment_id, ord) VALUES (?, ?, ?)');
    ids.forEach((id, i) => stmt.run(messageId, id, firstOrd + i));
  }

  /** An imported message's text once its files are kept (their placeholders dropped); the search index follows by trigger. */
  setImportedText(messageId: string, content: string): void {
    this.store.db.prepare('UPDATE messages SET content = ? WHERE id = ?').run(content, messageId);
  }

  /**
   * Removes uploads no message uses that are older than `graceMs`, then every file no row names (older than the grace,
   * so an upload between its write and its row is never taken) and every temporary file a killed write left.
   */
  collect(graceMs = ORPHAN_GRACE_MS): { rows: number; files: number } {
    const cutoff = this.store.now() - graceMs;
    let rows = 0;
    this.store.mutate(() => {
      rows = this.store.db
        .prepare('DELETE FROM attachments WHERE created_at < ? AND id NOT IN (SELECT attachment_id FROM message_attachments)')
        .run(cutoff).changes;
    });
    const used = new Set(
      this.store.db
        .prepare<[], { sha256: string }>('SELECT DISTINCT sha256 FROM attachments')
        .all()
        .map((r) => r.sha256),
    );
    let files = 0;
    for (const sub of safeList(this.dir)) {
      const folder = path.join(this.dir, sub);
      for (const f of safeList(folder)) {
        const file = path.join(folder, f);
        const temp = f.startsWith(TEMP_PREFIX);
        if (!temp && used.has(f)) continue;
        try {
          // A temporary file belongs to a write that is over only at start; a named one waits out the grace.
          if (!temp && fs.statSync(file).mtimeMs >= cutoff) continue;
          fs.rmSync(file, { force: true });
          files++;
        } catch (err) {
          this.log?.(`could not remove the unused attachment file ${file}: ${String(err)}`);
        }
      }
    }
    return { rows, files };
  }

  /** Attachment ids linked to any message of these conversations (before they are deleted). */
  usedBy(conversationIds: readonly string[]): string[] {
    const stmt = this.store.db.prepare<[string], { id: string }>(
      `SELECT DISTINCT ma.attachment_id AS id FROM message_attachments ma JOIN messages m ON m.id = ma.message_id
        WHERE m.conversation_id = ?`,
    );
    return [...new Set(conversationIds.flatMap((c) => stmt.all(c).map((r) => r.id)))];
  }

  /** After their messages are gone: removes those of `ids` no message uses any more, rows first, then their files. */
  release(ids: readonly string[]): number {
    if (!ids.length) return 0;
    const gone: string[] = [];
    this.store.mutate(() => {
      const unused = this.store.db.prepare<[string], { sha256: string }>(
        'SELECT sha256 FROM attachments WHERE id = ? AND id NOT IN (SELECT attachment_id FROM message_attachments)',
      );
      const del = this.store.db.prepare('DELETE FROM attachments WHERE id = ?');
      for (const id of ids) {
        const r = unused.get(id);
        if (!r) continue;
        del.run(id);
        gone.push(r.sha256);
      }
    });
    // The rows are gone before the files: a process killed in between leaves only files, which the next start collects.
    const still = this.store.db.prepare<[string], { n: number }>('SELECT count(*) AS n FROM attachments WHERE sha256 = ?');
    let files = 0;
    for (const sha of new Set(gone)) {
      if (still.get(sha)!.n > 0) continue;
      fs.rmSync(this.fileOf(sha), { force: true });
      files++;
    }
    return files;
  }

  /** Whether any message carries a file (the archive is then a .zip). */
  anyLinked(): boolean {
    return Boolean(this.store.db.prepare('SELECT 1 FROM message_attachments LIMIT 1').get());
  }

  /** Every attachment some message uses, with those messages: the archive's index. */
  *linked(): Generator<AttachmentRow & { messages: { message_id: string; ord: number }[] }> {
    const rows = this.store.db
      .prepare<[], AttachmentRow>(
        'SELECT * FROM attachments WHERE id IN (SELECT attachment_id FROM message_attachments) ORDER BY created_at, id',
      )
      .all();
    const uses = this.store.db.prepare<[string], { message_id: string; ord: number }>(
      'SELECT message_id, ord FROM message_attachments WHERE attachment_id = ? ORDER BY message_id, ord',
    );
    for (const r of rows) yield { ...r, messages: uses.all(r.id) };
  }

  /** The stored bytes of a content hash (for the archive). */
  bytesOf(sha256: string): Buffer {
    return fs.readFileSync(this.fileOf(sha256));
  }

  /**
   * Brings back an attachment from an archive under its own id, linked to those of its messages that exist here: the
   * file is fsynced before the rows commit, as for an upload. Returns whether anything was added.
   */
  restore(row: AttachmentRow, links: { message_id: string; ord: number }[], data: Buffer): boolean {
    const present = links.filter((l) => this.store.findMessage(l.message_id));
    if (!present.length || this.find(row.id)) return false;
    checkContent(row.mime, data);
    this.writeFile(row.sha256, data);
    this.store.mutate(() => {
      const { lastInsertRowid } = this.store.db
        .prepare(
          'INSERT INTO attachments (id, sha256, name, mime, size, created_at) VALUES (@id, @sha256, @name, @mime, @size, @created_at)',
        )
        .run({ id: row.id, sha256: row.sha256, name: cleanName(row.name), mime: row.mime, size: data.length, created_at: row.created_at });
      if (kindOf(row.mime) === 'text')
        this.store.db.prepare('INSERT INTO attachments_fts (rowid, text) VALUES (?, ?)').run(lastInsertRowid, data.toString('utf8'));
      const link = this.store.db.prepare('INSERT OR IGNORE INTO message_attachments (message_id, attachment_id, ord) VALUES (?, ?, ?)');
      for (const l of present) {
        link.run(l.message_id, row.id, l.ord);
        this.store.touch('message', l.message_id); // every window re-reads the message with its file
      }
    });
    return true;
  }

  private fileOf(sha256: string): string {
    return path.join(this.dir, sha256.slice(0, 2), sha256);
  }

  /** Temp name, write, fsync, rename, fsync the folder: after this returns the file survives a power cut whole. */
  private writeFile(sha256: string, data: Buffer): void {
    const file = this.fileOf(sha256);
    const folder = path.dirname(file);
    if (fs.existsSync(file) && fs.statSync(file).size === data.length) return; // the same content is kept once
    fs.mkdirSync(folder, { recursive: true });
    const temp = path.join(folder, `${TEMP_PREFIX}${crypto.randomUUID()}`);
    const fd = fs.openSync(temp, 'w', 0o600);
    try {
      fs.writeSync(fd, data);
      fs.fsyncSync(fd);
    } catch (err) {
      fs.closeSync(fd);
      fs.rmSync(temp, { force: true });
      throw err;
    }
    fs.closeSync(fd);
    fs.renameSync(temp, file);
    fsyncDir(folder);
    fsyncDir(this.dir);
  }
}

function fsyncDir(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

function safeList(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch {
    return [];
  }
}

/**
 * A name to show and to write beside an export: no folders, no control characters, no direction overrides (which make
 * `invoice\u202Etxt.exe` read as "invoiceexe.txt"), no half characters, not `.` or `..`, bounded with its extension kept.
 */
function cleanName(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? '';
  const clean = cutFileName(
    base
      .replace(/[\x00-\x1f\x7f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, '')
      .replace(/\p{Cs}/gu, '\ufffd')
      .trim(),
    255,
  );
  return /^\.*$/.test(clean) ? 'file' : clean;
}

const MAGIC: Record<string, (b: Buffer) => boolean> = {
  'image/png': (b) => b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])),
  'image/jpeg': (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff,
  'image/gif': (b) => /^GIF8[79]a/.test(b.subarray(0, 6).toString('latin1')),
  'image/webp': (b) => b.subarray(0, 4).toString('latin1') === 'RIFF' && b.subarray(8, 12).toString('latin1') === 'WEBP',
  [PDF_TYPE]: (b) => b.subarray(0, 1024).includes('%PDF-'),
};

/** The image or PDF type the bytes' signature shows, for files whose export named no type (ChatGPT's `file_….dat`). */
export function sniffType(data: Buffer): string | undefined {
  return Object.keys(MAGIC).find((mime) => MAGIC[mime]!(data));
}

/** The bytes must be what the type says: an image or PDF by its signature, a text file as UTF-8 without NUL bytes. */
function checkContent(mime: string, data: Buffer): void {
  const kind = kindOf(mime);
  if (!kind)
    throw new HoldfastError(
      'invalid_input',
      `Files of type ${mime} are not accepted: attach an image (PNG, JPEG, GIF, WebP), a PDF, or a text file`,
    );
  const magic = MAGIC[mime];
  if (magic && !magic(data)) throw new HoldfastError('invalid_input', `The file is not a readable ${mime} (its first bytes do not match)`);
  if (kind === 'text') {
    if (data.includes(0)) throw new HoldfastError('invalid_input', 'The file is not text: it holds NUL bytes');
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(data);
    } catch {
      throw new HoldfastError('invalid_input', 'The text file is not valid UTF-8');
    }
  }
}
