/**
 * An image's width and height read from its header (PNG, JPEG, GIF, WebP) without decoding it, so the core can check a
 * provider's pixel limit with no native library. Bytes it cannot read give null, never a throw.
 */
export interface ImageSize {
  width: number;
  height: number;
}

export function imageSize(bytes: Uint8Array, mime: string): ImageSize | null {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const ascii = (at: number, n: number) => String.fromCharCode(...bytes.subarray(at, at + n));
  try {
    if (mime === 'image/png') {
      // Signature (8), then the IHDR chunk first: length (4), "IHDR" (4), width (4), height (4), big-endian.
      if (ascii(12, 4) !== 'IHDR') return null;
      return sized(view.getUint32(16), view.getUint32(20));
    }
    if (mime === 'image/gif') {
      if (!/^GIF8[79]a$/.test(ascii(0, 6))) return null;
      return sized(view.getUint16(6, true), view.getUint16(8, true)); // the logical screen
    }
    if (mime === 'image/webp') return webpSize(bytes, view, ascii);
    if (mime === 'image/jpeg') return jpegSize(bytes, view);
  } catch {
    return null; // a header cut short: a RangeError from the DataView
  }
  return null;
}

function sized(width: number, height: number): ImageSize | null {
  return width > 0 && height > 0 ? { width, height } : null;
}

function webpSize(bytes: Uint8Array, view: DataView, ascii: (at: number, n: number) => string): ImageSize | null {
  if (ascii(0, 4) !== 'RIFF' || ascii(8, 4) !== 'WEBP') return null;
  const chunk = ascii(12, 4);
  if (chunk === 'VP8X') {
    // Extended: canvas width - 1 and height - 1, 24 bits little-endian each.
    const u24 = (at: number) => bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16);
    return sized(u24(24) + 1, u24(27) + 1);
  }
  if (chunk === 'VP8 ') {
    // Lossy: a key frame's start code 9d 01 2a, then 14-bit width and height (2 bits of scale above them).
    if (bytes[23] !== 0x9d || bytes[24] !== 0x01 || bytes[25] !== 0x2a) return null;
    return sized(view.getUint16(26, true) & 0x3fff, view.getUint16(28, true) & 0x3fff);
  }
  if (chunk === 'VP8L') {
    // Lossless: signature 0x2f, then width - 1 and height - 1 in 14 bits each.
    if (bytes[20] !== 0x2f) return null;
    const bits = view.getUint32(21, true);
    return sized((bits & 0x3fff) + 1, ((bits >>> 14) & 0x3fff) + 1);
  }
  return null;
}

/** The first start-of-frame segment's size; every other segment is skipped by its length (EXIF thumbnails included). */
function jpegSize(bytes: Uint8Array, view: DataView): ImageSize | null {
  if (bytes[0] !== 0xff || bytes[1] !== 0xd8) return null;
  let at = 2;
  while (at + 4 <= bytes.length) {
    if (bytes[at] !== 0xff) return null;
    const marker = bytes[at + 1]!;
    if (marker === 0xff) {
      at++; // fill byte
      continue;
    }
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      at += 2; // markers without a length
      continue;
    }
    if (marker === 0xd9 || marker === 0xda) return null; // end of image, or the scan began before any frame header
    const length = view.getUint16(at + 2);
    // SOF0–SOF15, except DHT (C4), JPG (C8) and DAC (CC): precision (1), height (2), width (2).
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc)
      return sized(view.getUint16(at + 7), view.getUint16(at + 5));
    if (length < 2) return null;
    at += 2 + length;
  }
  return null;
}
