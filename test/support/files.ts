/** Small real files for attachment tests: each call gives new content, so no two tests share a stored file. */
import crypto from 'node:crypto';

/** A real 1×1 PNG plus random bytes after IEND (readers ignore them). */
export function png(extra = 16): Buffer {
  const base = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');
  return Buffer.concat([base, crypto.randomBytes(extra)]);
}

/** A minimal PDF with `pages` page objects (what the page count reads). */
export function pdf(pages: number): Buffer {
  return Buffer.from(`%PDF-1.4\n${Array.from({ length: pages }, (_, i) => `${i + 3} 0 obj << /Type /Page >> endobj\n`).join('')}%%EOF\n`);
}

export const sha256 = (b: Buffer): string => crypto.createHash('sha256').update(b).digest('hex');
