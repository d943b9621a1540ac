/** Import and export as the core offers them: files in (streamed, with progress for every window), files out. */
import fs from 'node:fs';
import path from 'node:path';
import type { ImportResult } from '../../../shared/exchange';
import { HoldfastError } from '../../../shared/errors';
import type { Store } from '../store/store';
import type { Attachments } from '../store/attachments';
import type { Conversations } from '../conversations';
import type { SyncHub } from '../sync/hub';
import { Importer } from './import';
import { removeImportLeftovers } from './zip';
import { EXPORT_VERSION, toHtml, toJson, toMarkdown } from './export';
import { ARCHIVE_JSON, ARCHIVE_ZIP_VERSION, ATTACHMENT_INDEX, readArchiveAttachments, readReferencedFiles, zipStream } from './archive-zip';
import type { StagedFile } from './import';
import { sniffType } from '../store/attachments';
import { cutFileName, cutText } from '../../../shared/text';
import type { Conversation, Message } from '../../../shared/model';

/** The whole archive as a file: `zip` when messages carry files (then `body` is the .zip's bytes). */
export interface ArchiveFile {
  zip: boolean;
  filename: string;
  mime: string;
  body: Iterable<string | Buffer>;
}

/** One conversation's export: text, or (`encoding: 'base64'`) the bytes of a .zip. */
export interface ConversationFile {
  filename: string;
  mime: string;
  content: string;
  encoding?: 'base64';
}

/** What the exchange needs of the core, and no more: the store, the files, the thread shown, progress events, a data folder. */
export interface ExchangeContext {
  store: Store;
  attachments: Attachments;
  conversations: Pick<Conversations, 'thread'>;
  sync: Pick<SyncHub, 'publish' | 'seq'>;
  /** `markdownZipBytes`: the most file bytes a Markdown export's .zip carries (MAX_MARKDOWN_ZIP_BYTES when absent). */
  options: { dataDir: string; log?: (line: string) => void; markdownZipBytes?: number };
}

/**
 * A Markdown export with its files is built whole in memory and crosses the contract as one base64 string (which V8
 * caps near 512 MB): past this many bytes of files it is refused, naming the archive, which streams its files.
 */
export const MAX_MARKDOWN_ZIP_BYTES = 256 * 1024 * 1024;

export class Exchange {
  private readonly importer: Importer;

  constructor(private readonly core: ExchangeContext) {
    const tmp = path.join(core.options.dataDir, 'tmp');
    // At start no import runs yet: whatever one left in tmp/ was interrupted or killed.
    const removed = removeImportLeftovers(tmp);
    if (removed.length) core.options.log?.(`removed ${removed.length} file(s) an interrupted import left in tmp/`);
    this.importer = new Importer(core.store, tmp, { log: core.options.log });
  }

  /** Imports a file (streamed), publishing progress to every window. */
  async importFile(file: string): Promise<ImportResult> {
    const progress = (p: { bytes: number; total: number; conversations: number }, done: boolean) =>
      this.core.sync.publish({ type: 'exchange.didProgress', seq: this.core.sync.seq(), ...p, done });
    // A zip's listed files are checked (present, within the limit, matching their hash) before anything is imported:
    // a bad file refuses the whole archive, as any malformed file does.
    const zipped = isZip(file);
    if (zipped)
      await readArchiveAttachments(
        file,
        () => true,
        () => undefined,
      );
    let staged: StagedFile[] = [];
    const result = await this.importer.importFile(
      file,
      (p) => progress(p, false),
      (files) => (staged = files),
    );
    // Another app's export .zip (ChatGPT): the uploaded images and files it holds are kept with their messages.
    if (zipped && staged.length) await this.keepExportFiles(file, staged, result.notes);
    // A Holdfast archive .zip: its files come back once their messages are in (a second import repairs a killed one).
    if (result.format === 'holdfast' && zipped) {
      const { attachments } = this.core;
      const restored = await readArchiveAttachments(
        file,
        (line) => !attachments.find(line.id) && line.messages.some((l) => this.core.store.findMessage(l.message_id)),
        (line, data) => attachments.restore(line, line.messages, data),
      );
      if (restored) result.notes.push(`${restored} attached file(s) restored`);
    }
    progress({ bytes: 1, total: 1, conversations: result.conversations }, true);
    return result;
  }

  /**
   * Keeps the files another app's export .zip holds with their messages, and rewrites the text that stood for them: a
   * kept file's placeholder goes (the attachment shows it); one the zip lacks, or that could not be kept, says so.
   */
  private async keepExportFiles(file: string, staged: StagedFile[], notes: string[]): Promise<void> {
    const { attachments, store } = this.core;
    const byRef = new Map<string, StagedFile[]>();
    for (const f of staged) byRef.set(f.ref, [...(byRef.get(f.ref) ?? []), f]);
    let kept = 0;
    const refused: string[] = [];
    const outcome = new Map<StagedFile, string | null>(); // null: kept; else the line its placeholders become
    const missing = await readReferencedFiles(file, [...byRef.keys()], (ref, data) => {
      for (const f of byRef.get(ref)!) {
        try {
          // An export that names no type (an image kept as `file_….dat`) is read by its signature, and named to match.
          const sniffed = f.mime ? undefined : sniffType(data);
          const name = sniffed ? `${f.name.replace(/\.(png|dat)$/i, '')}.${EXTENSIONS[sniffed] ?? 'bin'}` : f.name;
          const added = attachments.add({ name, mime: f.mime ?? sniffed, data });
          store.mutate(() => {
            attachments.link(f.message_id, [added.id], f.ord);
            store.touch('message', f.message_id);
          });
          kept++;
          outcome.set(f, null);
        } catch (err) {
          const reason = err instanceof Error ? err.message : String(err);
          refused.push(`${f.name} (${reason})`);
          outcome.set(f, `[${labelOf(f)}: ${f.name} — not kept: ${reason}]`);
        }
      }
    });
    for (const ref of missing) for (const f of byRef.get(ref)!) outcome.set(f, `[${labelOf(f)}: ${f.name} — not in the export]`);
    const byMessage = new Map<string, [StagedFile, string | null][]>();
    for (const [f, line] of outcome) byMessage.set(f.message_id, [...(byMessage.get(f.message_id) ?? []), [f, line]]);
    store.mutate(() => {
      for (const [id, files] of byMessage) {
        const message = store.findMessage(id);
        if (!message) continue;
        const content = replacePlaceholders(message.content, files);
        if (content === message.content) continue;
        attachments.setImportedText(id, content);
        store.touch('message', id);
      }
    });
    if (kept) notes.push(`${kept} uploaded file(s) kept from the export`);
    if (missing.length) notes.push(`${missing.length} file(s) the export names are not in the zip; their placeholders say so`);
    if (refused.length) notes.push(`Not kept (their placeholders say why): ${refused.slice(0, 5).join('; ')}`);
  }

  /** Imports text handed over the contract (files up to MAX_IMPORT_TEXT). */
  async importText(text: string): Promise<ImportResult> {
    const tmp = path.join(this.core.options.dataDir, 'tmp', `upload-${this.core.store.newId()}`);
    fs.mkdirSync(path.dirname(tmp), { recursive: true });
    fs.writeFileSync(tmp, text);
    try {
      return await this.importFile(tmp);
    } finally {
      fs.rmSync(tmp, { force: true });
    }
  }

  exportConversation(id: string, format: 'md' | 'html' | 'json'): ConversationFile {
    const conv = this.core.store.conversation(id);
    // Cut by whole characters: half of one would make the download's name unencodable (a 500 for every format).
    const base = cutText((conv.title || 'conversation').replace(/[^\p{L}\p{N} _-]+/gu, '').trim(), 60).trim() || 'conversation';
    if (format === 'json')
      return {
        filename: `${base}.json`,
        mime: 'application/json',
        content: JSON.stringify(toJson(conv, this.core.store.messagesOf(id)), null, 2),
      };
    const thread = this.core.conversations.thread(id).messages;
    if (format === 'md') return this.markdownExport(conv, thread, base);
    const images = (attachmentId: string) => {
      try {
        const { info, data } = this.core.attachments.read(attachmentId);
        return { mime: info.mime, data };
      } catch {
        return undefined; // a file gone from the data folder is named instead of shown
      }
    };
    return { filename: `${base}.html`, mime: 'text/html; charset=utf-8', content: toHtml(conv, thread, images) };
  }

  /**
   * Markdown of the current thread. When its messages carry files: a .zip (base64 over the contract) holding
   * `<title>.md` and each file under `attachments/`, which the Markdown links to by relative path; else the .md alone.
   */
  private markdownExport(conv: Conversation, thread: Message[], base: string): ConversationFile {
    const refs = thread.flatMap((m) => m.attachments ?? []);
    if (!refs.length) return { filename: `${base}.md`, mime: 'text/markdown; charset=utf-8', content: toMarkdown(conv, thread) };
    const files = new Map<string, { path: string; data: Buffer }>(); // by attachment id: a file sent twice is written once
    const taken = new Set<string>();
    const limit = this.core.options.markdownZipBytes ?? MAX_MARKDOWN_ZIP_BYTES;
    const total = [...new Map(refs.map((a) => [a.id, a.size])).values()].reduce((sum, n) => sum + n, 0);
    if (total > limit)
      throw new HoldfastError(
        'too_large',
        `This conversation's files come to ${megabytes(total)} MB; a Markdown export with its files holds at most ${megabytes(limit)} MB. Export everything as an archive instead (it streams the files), or this conversation as JSON`,
        { total_bytes: total, limit_bytes: limit },
      );
    for (const a of refs) {
      if (files.has(a.id)) continue;
      let data: Buffer;
      try {
        data = this.core.attachments.read(a.id).data;
      } catch {
        continue; // a file gone from the data folder is named without a link
      }
      files.set(a.id, { path: `attachments/${uniqueName(exportName(a.name, a.mime), taken)}`, data });
    }
    const md = toMarkdown(conv, thread, (a) => files.get(a.id)?.path);
    const zip = zipStream([{ name: `${base}.md`, body: [md] }, ...[...files.values()].map((f) => ({ name: f.path, body: [f.data] }))]);
    return { filename: `${base}.zip`, mime: 'application/zip', content: Buffer.concat([...zip]).toString('base64'), encoding: 'base64' };
  }

  /** The archive's name and type: a .zip when any message carries a file, else the JSON alone (as before). */
  archiveKind(): { zip: boolean; filename: string; mime: string } {
    const day = new Date(this.core.store.now()).toISOString().slice(0, 10);
    return this.core.attachments.anyLinked()
      ? { zip: true, filename: `holdfast-archive-${day}.zip`, mime: 'application/zip' }
      : { zip: false, filename: `holdfast-archive-${day}.json`, mime: 'application/json' };
  }

  /**
   * The archive as a file to save: its name, type and body (streamed). What `GET /api/export` serves and the desktop's
   * File ▸ Export all writes, byte for byte: a .zip with the files when any message carries one, the JSON alone otherwise.
   */
  archive(): ArchiveFile {
    const kind = this.archiveKind();
    return { ...kind, body: kind.zip ? this.exportArchiveZip() : this.exportArchive() };
  }

  /** The archive with its files, streamed: the JSON archive, the attachment index, then each file once. */
  *exportArchiveZip(): Generator<Buffer> {
    const { attachments } = this.core;
    const index = [...attachments.linked()];
    const shas = [...new Set(index.map((a) => a.sha256))];
    yield* zipStream([
      { name: ARCHIVE_JSON, body: this.exportArchive() },
      {
        name: ATTACHMENT_INDEX,
        body: (function* () {
          for (const a of index) yield `${JSON.stringify({ ...a, zip_version: ARCHIVE_ZIP_VERSION })}\n`;
        })(),
      },
      ...shas.map((sha) => ({ name: `attachments/${sha}`, body: [attachments.bytesOf(sha)] })),
    ]);
  }

  /** Every conversation as one versioned archive, produced piece by piece (never one huge string). */
  *exportArchive(): Generator<string> {
    yield `{"format":"holdfast-archive","version":${EXPORT_VERSION},"exported_at":${this.core.store.now()},"conversations":[\n`;
    let first = true;
    for (const c of this.core.store.allConversations()) {
      yield `${first ? '' : ',\n'}${JSON.stringify({ conversation: c, messages: this.core.store.messagesOf(c.id) })}`;
      first = false;
    }
    yield '\n]}\n';
  }
}

function megabytes(bytes: number): string {
  return (bytes / (1024 * 1024)).toFixed(1).replace(/\.0$/, '');
}

const EXTENSIONS: Record<string, string> = {
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/gif': 'gif',
  'image/webp': 'webp',
  'application/pdf': 'pdf',
};

/** What a staged file's placeholder called it: an image part, or a listed file. */
function labelOf(f: StagedFile): 'image' | 'file' {
  return f.placeholders && (JSON.parse(f.placeholders) as string[])[0] === '[image]' ? 'image' : 'file';
}

/**
 * A message's text with each file's placeholder lines dropped (the file was kept) or its first one replaced by `line`
 * (it was not). Whole lines only, and each line once, so the person's own words are never touched.
 */
function replacePlaceholders(content: string, files: [StagedFile, string | null][]): string {
  const lines: (string | null)[] = content.split('\n');
  for (const [f, line] of files) {
    let replaced = false;
    for (const placeholder of f.placeholders ? (JSON.parse(f.placeholders) as string[]) : []) {
      const at = lines.indexOf(placeholder);
      if (at < 0) continue;
      lines[at] = line !== null && !replaced ? line : null;
      replaced ||= line !== null;
    }
  }
  return lines
    .filter((l) => l !== null)
    .join('\n')
    .trim();
}

/** Markup a browser runs as a page (script included) when the file is opened: written as text beside the Markdown. */
const PAGE_TYPES = new Set(['text/html', 'image/svg+xml', 'application/xhtml+xml', 'application/xml', 'text/xml']);
const PAGE_NAMES = /\.(html?|xhtml|shtml|svgz?|xml|xsl|mht(ml)?|hta)$/i;

/**
 * A file name safe to write in a zip on any system: no folders, no characters Windows refuses, not a dot name; a page
 * (HTML, SVG, XML) gets `.txt` after its name, so following its link from the Markdown shows its text and runs nothing.
 */
function exportName(name: string, mime: string): string {
  const clean = name.replace(/[\x00-\x1f\x7f<>:"/\\|?*]/g, '_').replace(/^[.\s]+|[.\s]+$/g, '');
  // File systems count a name's UTF-8 bytes (255 on Linux and macOS): 116 characters of Chinese are 348. 200 leaves room
  // for " (2)" and ".txt".
  let cut = cutFileName(clean, 116);
  for (let max = 115; Buffer.byteLength(cut) > 200; max--) cut = cutFileName(clean, max);
  cut ||= 'file';
  return PAGE_TYPES.has(mime) || PAGE_NAMES.test(cut) ? `${cut}.txt` : cut;
}

/** `name`, or `name (2).ext`… when a file of that name (case aside) is already in the folder. */
function uniqueName(name: string, taken: Set<string>): string {
  const dot = name.lastIndexOf('.');
  const [stem, ext] = dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, ''];
  let candidate = name;
  for (let n = 2; taken.has(candidate.toLowerCase()); n++) candidate = `${stem} (${n})${ext}`;
  taken.add(candidate.toLowerCase());
  return candidate;
}

function isZip(file: string): boolean {
  const fd = fs.openSync(file, 'r');
  try {
    const head = Buffer.alloc(4);
    fs.readSync(fd, head, 0, 4, 0);
    return head.readUInt32LE(0) === 0x04034b50;
  } finally {
    fs.closeSync(fd);
  }
}
