/** Image sizes read from headers: real files from Chromium's encoders, hand-made headers for the other WebP forms, and damaged bytes. */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { imageSize } from '../../src/shared/image-size';
import { IMAGE_LIMITS, imageOverLimit } from '../../src/shared/attachments';
import { gifOf, pngOf } from '../support/files';

// Written by Chromium's canvas encoders (OffscreenCanvas.convertToBlob), 301×20 px: the JPEG carries an ICC segment before
// its frame header, and Chromium writes both WebPs in the extended (VP8X) form.
const fixture = (name: string) => fs.readFileSync(path.join(import.meta.dirname, '../fixtures/images', name));

function riff(chunk: string, body: number[]): Uint8Array {
  return new Uint8Array([...Buffer.from('RIFF'), 0, 0, 0, 0, ...Buffer.from('WEBP'), ...Buffer.from(chunk), 0, 0, 0, 0, ...body]);
}

describe('imageSize', () => {
  it('reads PNG, JPEG and WebP files as Chromium writes them', () => {
    expect(imageSize(fixture('chromium-301x20-png.png'), 'image/png')).toEqual({ width: 301, height: 20 });
    expect(imageSize(fixture('chromium-301x20-jpg.jpeg'), 'image/jpeg')).toEqual({ width: 301, height: 20 });
    expect(imageSize(fixture('chromium-301x20-webpLossy.webp'), 'image/webp')).toEqual({ width: 301, height: 20 });
    expect(imageSize(fixture('chromium-301x20-webpLossless.webp'), 'image/webp')).toEqual({ width: 301, height: 20 });
  });

  it('reads GIF screens, simple lossy and lossless WebP, and a progressive JPEG after an EXIF segment', () => {
    expect(imageSize(new Uint8Array([...Buffer.from('GIF89a'), 0x28, 0x23, 0x10, 0x00]), 'image/gif')).toEqual({ width: 9000, height: 16 });
    expect(imageSize(gifOf(9000, 10), 'image/gif')).toEqual({ width: 9000, height: 10 });
    expect(imageSize(pngOf(9000, 100), 'image/png')).toEqual({ width: 9000, height: 100 });
    // VP8: frame tag (3), start code 9d 01 2a, width 9000 and height 100, 14 bits each.
    const vp8 = riff('VP8 ', [0, 0, 0, 0x9d, 0x01, 0x2a, 0x28, 0x23, 0x64, 0x00]);
    expect(imageSize(vp8, 'image/webp')).toEqual({ width: 9000, height: 100 });
    // VP8L: signature 0x2f, then (width - 1) | (height - 1) << 14, little-endian.
    const bits = (640 - 1) | ((480 - 1) << 14);
    const vp8l = riff('VP8L', [0x2f, bits & 0xff, (bits >> 8) & 0xff, (bits >> 16) & 0xff, (bits >>> 24) & 0xff]);
    expect(imageSize(vp8l, 'image/webp')).toEqual({ width: 640, height: 480 });
    const exif = [0xff, 0xe1, 0x00, 0x08, ...Buffer.from('Exif'), 0, 0];
    const sof2 = [0xff, 0xc2, 0x00, 0x11, 0x08, 0x00, 0x64, 0x23, 0x28, 0x03];
    expect(imageSize(new Uint8Array([0xff, 0xd8, ...exif, 0xff, ...sof2]), 'image/jpeg')).toEqual({ width: 9000, height: 100 });
  });

  it('answers null for bytes cut short, of another type, or without a frame header, and never throws', () => {
    const png = fixture('chromium-301x20-png.png');
    expect(imageSize(png.subarray(0, 18), 'image/png')).toBeNull();
    expect(imageSize(png, 'image/jpeg')).toBeNull();
    expect(imageSize(new Uint8Array([0xff, 0xd8, 0xff, 0xda, 0, 2]), 'image/jpeg')).toBeNull();
    expect(imageSize(new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0xff, 0xff]), 'image/jpeg')).toBeNull();
    expect(imageSize(riff('VP8 ', [0, 0, 0, 1, 2, 3]), 'image/webp')).toBeNull();
    expect(imageSize(new Uint8Array(), 'image/gif')).toBeNull();
  });
});

describe('imageOverLimit', () => {
  it('names the provider and the limit that an image breaks, pixels first, and passes one that fits', () => {
    const anthropic = IMAGE_LIMITS.anthropic;
    expect(imageOverLimit(anthropic, 'wide.png', { width: 9000, height: 100 }, 1000)).toBe(
      'wide.png is 9000×100 px; Anthropic takes images of at most 8000 px on the long edge',
    );
    // 5 MB of base64 is 3.75 MB of file.
    expect(imageOverLimit(anthropic, 'big.jpg', { width: 4000, height: 3000 }, 4 * 1024 * 1024)).toBe(
      'big.jpg is 5.3 MB as base64; Anthropic takes images of at most 5 MB (base64)',
    );
    expect(imageOverLimit(anthropic, 'ok.jpg', { width: 8000, height: 8000 }, 3 * 1024 * 1024)).toBeNull();
    expect(imageOverLimit(IMAGE_LIMITS['openai-compatible'], 'wide.png', { width: 9000, height: 100 }, 4 * 1024 * 1024)).toBeNull();
  });
});
