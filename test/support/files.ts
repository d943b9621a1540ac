/** Small real files for attachment tests: each call gives new content, so no two tests share a stored file. */
import crypto from 'node:crypto';
import zlib from 'node:zlib';

/** A real 1×1 PNG plus random bytes after IEND (readers ignore them). */
export function png(extra = 16): Buffer {
  const base = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');
  return Buffer.concat([base, crypto.randomBytes(extra)]);
}

/** A minimal PDF with `pages` page objects (what the page count reads). */
export function pdf(pages: number): Buffer {
  return Buffer.from(`%PDF-1.4\n${Array.from({ length: pages }, (_, i) => `${i + 3} 0 obj << /Type /Page >> endobj\n`).join('')}%%EOF\n`);
}

/**
 * A PDF 1.5 that keeps its page objects in a Flate-compressed object stream (`/Type /ObjStm`), as most PDF writers
 * since Acrobat 6 do: the page objects never appear as plain text in the file.
 */
export function pdfWithObjectStream(pages: number): Buffer {
  const objects = Array.from({ length: pages }, () => '<< /Type /Page /Parent 2 0 R >>').join('\n');
  const offsets = Array.from({ length: pages }, (_, i) => `${i + 3} 0`).join(' ');
  const packed = zlib.deflateSync(Buffer.from(`${offsets}\n${objects}`, 'latin1'));
  const head = `%PDF-1.5\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Count ${pages} >> endobj\n`;
  const dict = `${pages + 3} 0 obj << /Type /ObjStm /N ${pages} /First ${offsets.length + 1} /Filter /FlateDecode /Length ${packed.length} >> stream\n`;
  return Buffer.concat([Buffer.from(head + dict, 'latin1'), packed, Buffer.from('\nendstream\nendobj\n%%EOF\n', 'latin1')]);
}

export const sha256 = (b: Buffer): string => crypto.createHash('sha256').update(b).digest('hex');

/** A real, decodable RGB PNG of `width`×`height` (a gradient), for tests of pixel limits and downscaling. */
export function pngOf(width: number, height: number): Buffer {
  const chunk = (type: string, body: Buffer) => {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(body.length, 0);
    head.write(type, 4, 'latin1');
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(zlib.crc32(Buffer.concat([head.subarray(4), body])) >>> 0, 0);
    return Buffer.concat([head, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8 bits per channel, RGB, no interlace
  const rows = Buffer.alloc((1 + width * 3) * height);
  for (let y = 0; y < height; y++) {
    const row = y * (1 + width * 3);
    for (let x = 0; x < width; x++) rows.set([x % 256, y % 256, (x >> 8) % 256], row + 1 + x * 3);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(rows)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/**
 * A real, decodable two-colour GIF of `width`×`height` (stripes). Its LZW stream is left uncompressed: a clear code
 * before every two pixels keeps the code width at 3 bits, which every decoder reads.
 */
export function gifOf(width: number, height: number): Buffer {
  const head = Buffer.alloc(13);
  head.write('GIF89a', 0, 'latin1');
  head.writeUInt16LE(width, 6);
  head.writeUInt16LE(height, 8);
  head[10] = 0x80; // a global colour table of 2 entries
  const palette = Buffer.from([0x20, 0x60, 0xc0, 0xff, 0xd0, 0x40]);
  const descriptor = Buffer.alloc(10);
  descriptor[0] = 0x2c;
  descriptor.writeUInt16LE(width, 5);
  descriptor.writeUInt16LE(height, 7);
  const CLEAR = 4;
  const END = 5;
  const bytes: number[] = [];
  let acc = 0;
  let bits = 0;
  const put = (code: number) => {
    acc |= code << bits;
    bits += 3;
    while (bits >= 8) {
      bytes.push(acc & 0xff);
      acc >>= 8;
      bits -= 8;
    }
  };
  const pixels = width * height;
  for (let i = 0; i < pixels; i++) {
    if (i % 2 === 0) put(CLEAR);
    put(Math.floor((i % width) / 16) % 2);
  }
  put(END);
  if (bits) bytes.push(acc & 0xff);
  const blocks: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += 255) {
    const piece = bytes.slice(at, at + 255);
    blocks.push(Buffer.from([piece.length, ...piece]));
  }
  return Buffer.concat([head, palette, descriptor, Buffer.from([2]), ...blocks, Buffer.from([0, 0x3b])]);
}
