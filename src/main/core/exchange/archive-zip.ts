/**
 * The archive as a .zip when messages carry files: the JSON archive as it always was (`holdfast-archive.json`), an
 * index of the attachments (`attachments/index.jsonl`, one per line with the messages using it) and each file once,
 * by its SHA-256 (`attachments/<sha256>`). Written as a stream (stored entries, sizes in data descriptors); read back
 * after the JSON part is imported, checking every file against its hash.
 */
import crypto from 'node:crypto';
import zlib from 'node:zlib';
import yauzl from 'yauzl';
import { z } from 'zod';
import { HoldfastError } from '../../../shared/errors';
import { MAX_ATTACHMENT_BYTES } from '../../../shared/attachments';

export const ARCHIVE_JSON = 'holdfast-archive.json';
export const ATTACHMENT_INDEX = 'attachments/index.jsonl';
/** Version of the zip layout (the JSON inside keeps its own `version`). */
export const ARCHIVE_ZIP_VERSION = 1;

export const IndexLine = z.object({
  id: z.string().min(1).max(128),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  name: z.string().min(1).max(255),
  mime: z.string().min(1).max(200),
  size: z.number().int().min(1).max(MAX_ATTACHMENT_BYTES),
  created_at: z.number(),
  messages: z.array(z.object({ message_id: z.string().min(1).max(128), ord: z.number().int().min(0).max(1000) })),
});
export type IndexLine = z.infer<typeof IndexLine>;

interface Entry {
  name: string;
  crc: number;
  size: number;
  offset: number;
}

/** A streamed zip of stored entries; each entry's body is produced piece by piece. */
export function* zipStream(entries: Iterable<{ name: string; body: Iterable<string | Buffer> }>): Generator<Buffer> {
  const written: Entry[] = [];
  let offset = 0;
  const FLAGS = 0x0808; // sizes in a data descriptor after the body; names in UTF-8
  const DOS_DATE = (1 << 5) | 1; // 1980-01-01: the archive carries its own dates inside the JSON
  for (const { name, body } of entries) {
    const nameBuf = Buffer.from(name, 'utf8');
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(FLAGS, 6);
    local.writeUInt16LE(0, 8);
    local.writeUInt16LE(0, 10);
    local.writeUInt16LE(DOS_DATE, 12);
    local.writeUInt16LE(nameBuf.length, 26);
    const entry: Entry = { name, crc: 0, size: 0, offset };
    yield local;
    yield nameBuf;
    offset += 30 + nameBuf.length;
    for (const piece of body) {
      const buf = typeof piece === 'string' ? Buffer.from(piece, 'utf8') : piece;
      entry.crc = zlib.crc32(buf, entry.crc);
      entry.size += buf.length;
      yield buf;
    }
    offset += entry.size;
    const desc = Buffer.alloc(16);
    desc.writeUInt32LE(0x08074b50, 0);
    desc.writeUInt32LE(entry.crc >>> 0, 4);
    desc.writeUInt32LE(entry.size, 8);
    desc.writeUInt32LE(entry.size, 12);
    yield desc;
    offset += 16;
    // No zip64: past 4 GiB the offsets no longer fit; say so rather than write a broken file.
    if (offset > 0xffffffff)
      throw new HoldfastError('too_large', 'The archive would be over 4 GiB, which a .zip without zip64 cannot hold');
    written.push(entry);
  }
  const start = offset;
  for (const e of written) {
    const nameBuf = Buffer.from(e.name, 'utf8');
    const c = Buffer.alloc(46);
    c.writeUInt32LE(0x02014b50, 0);
    c.writeUInt16LE(20, 4);
    c.writeUInt16LE(20, 6);
    c.writeUInt16LE(FLAGS, 8);
    c.writeUInt16LE(0, 10);
    c.writeUInt16LE(0, 12);
    c.writeUInt16LE(DOS_DATE, 14);
    c.writeUInt32LE(e.crc >>> 0, 16);
    c.writeUInt32LE(e.size, 20);
    c.writeUInt32LE(e.size, 24);
    c.writeUInt16LE(nameBuf.length, 28);
    c.writeUInt32LE(e.offset, 42);
    yield c;
    yield nameBuf;
    offset += 46 + nameBuf.length;
  }
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(written.length, 8);
  end.writeUInt16LE(written.length, 10);
  end.writeUInt32LE(offset - start, 12);
  end.writeUInt32LE(start, 16);
  yield end;
}

/**
 * Reads a Holdfast archive zip's attachments: the index, then each file (at most the per-file limit, checked against
 * its SHA-256) handed to `take` one at a time. A zip without the index yields nothing (another app's export).
 */
async function readAttachments(
  zipFile: string,
  wanted: (line: IndexLine) => boolean,
  take: (line: IndexLine, data: Buffer) => void,
): Promise<number> {
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) =>
    yauzl.open(zipFile, { lazyEntries: true, autoClose: false }, (err, z) => (err || !z ? reject(err ?? new Error('no zip')) : resolve(z))),
  );
  try {
    const entries = new Map<string, yauzl.Entry>();
    await new Promise<void>((resolve, reject) => {
      zip.on('entry', (e: yauzl.Entry) => {
        entries.set(e.fileName, e);
        zip.readEntry();
      });
      zip.on('end', resolve);
      zip.on('error', reject);
      zip.readEntry();
    });
    const index = entries.get(ATTACHMENT_INDEX);
    if (!index) return 0;
    if (index.uncompressedSize > 64 * 1024 * 1024) throw new HoldfastError('invalid_input', 'The archive’s attachment index is too large');
    const lines = (await read(zip, index, 64 * 1024 * 1024)).toString('utf8').split('\n').filter(Boolean);
    let restored = 0;
    for (const [i, text] of lines.entries()) {
      let line: IndexLine;
      try {
        line = IndexLine.parse(JSON.parse(text));
      } catch {
        throw new HoldfastError('invalid_input', `Line ${i + 1} of ${ATTACHMENT_INDEX} is not a valid attachment`);
      }
      if (!wanted(line)) continue;
      const entry = entries.get(`attachments/${line.sha256}`);
      if (!entry) throw new HoldfastError('invalid_input', `The archive lists ${line.name} but does not hold its file`);
      if (entry.uncompressedSize > MAX_ATTACHMENT_BYTES)
        throw new HoldfastError('invalid_input', `${line.name} in the archive is too large`);
      const data = await read(zip, entry, MAX_ATTACHMENT_BYTES);
      if (crypto.createHash('sha256').update(data).digest('hex') !== line.sha256)
        throw new HoldfastError('invalid_input', `${line.name} in the archive does not match its SHA-256`);
      take(line, data);
      restored++;
    }
    return restored;
  } finally {
    zip.close();
  }
}

export async function readArchiveAttachments(
  zipFile: string,
  wanted: (line: IndexLine) => boolean,
  take: (line: IndexLine, data: Buffer) => void,
): Promise<number> {
  try {
    return await readAttachments(zipFile, wanted, take);
  } catch (err) {
    // A damaged zip is bad input with its reason, never an internal error.
    if (err instanceof HoldfastError) throw err;
    throw new HoldfastError('invalid_input', `The zip file is damaged: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/**
 * Reads the zip entries another app's export holds for `refs` (a file whose name is the ref, or starts with `ref-` or
 * `ref.`, in any folder), each at most the per-file limit, handing each to `take`; returns the refs not found.
 */
export async function readReferencedFiles(zipFile: string, refs: string[], take: (ref: string, data: Buffer) => void): Promise<string[]> {
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) =>
    yauzl.open(zipFile, { lazyEntries: true, autoClose: false }, (err, z) => (err || !z ? reject(err ?? new Error('no zip')) : resolve(z))),
  );
  try {
    const byRef = new Map<string, yauzl.Entry>();
    const wanted = new Set(refs);
    await new Promise<void>((resolve, reject) => {
      zip.on('entry', (e: yauzl.Entry) => {
        const base = e.fileName.split('/').pop() ?? '';
        const ref = /^(file[-_][A-Za-z0-9]+)/.exec(base)?.[1];
        const match = ref && [...wanted].find((r) => base === r || base.startsWith(`${r}-`) || base.startsWith(`${r}.`));
        if (match && !byRef.has(match) && !/(^|\/)__MACOSX\//.test(e.fileName)) byRef.set(match, e);
        zip.readEntry();
      });
      zip.on('end', resolve);
      zip.on('error', reject);
      zip.readEntry();
    });
    const missing: string[] = [];
    for (const ref of wanted) {
      const entry = byRef.get(ref);
      if (!entry || entry.uncompressedSize > MAX_ATTACHMENT_BYTES) {
        missing.push(ref);
        continue;
      }
      take(ref, await read(zip, entry, MAX_ATTACHMENT_BYTES));
    }
    return missing;
  } finally {
    zip.close();
  }
}

function read(zip: yauzl.ZipFile, entry: yauzl.Entry, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    zip.openReadStream(entry, (err, stream) => {
      if (err || !stream) return reject(err ?? new Error('no stream'));
      const parts: Buffer[] = [];
      let size = 0;
      stream.on('data', (c: Buffer) => {
        size += c.length;
        if (size > limit) {
          stream.destroy();
          reject(new HoldfastError('invalid_input', `${entry.fileName} in the archive expands past ${limit} bytes`));
        } else parts.push(c);
      });
      stream.on('end', () => resolve(Buffer.concat(parts)));
      stream.on('error', reject);
    });
  });
}
