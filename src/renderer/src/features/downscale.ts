/**
 * Images past the answering provider's limit are downscaled here, before they are stored, and the composer says so:
 * nothing is resized silently. PNG, JPEG and WebP keep their type; a GIF (which canvases cannot write) becomes a PNG of
 * its first frame, and the notice says that too. An image that cannot be decoded or brought under the limit is left as
 * it is: the core then refuses the send with the limit named.
 */
import { describeLimit, imageLimitOf, imageOverLimit, sentBytes, type ImageLimit } from '../../../shared/attachments';
import { actions } from '../api/client';
import { useHoldfast } from '../state/store';

export interface FittedImage {
  file: File;
  /** "Resized from 9000×100 to 8000×89 to fit Anthropic's limit of …", when it was. */
  notice?: string;
}

const RESIZABLE = new Set(['image/png', 'image/jpeg', 'image/webp', 'image/gif']);

export async function fitImage(file: File, limit: ImageLimit | null): Promise<FittedImage> {
  if (!limit || !RESIZABLE.has(file.type)) return { file };
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(file);
  } catch {
    return { file }; // not decodable here: the core checks its header and says what is wrong
  }
  try {
    const { width, height } = bitmap;
    if (!imageOverLimit(limit, file.name, { width, height }, file.size)) return { file };
    const type = file.type === 'image/gif' ? 'image/png' : file.type;
    let scale = limit.maxEdge ? Math.min(1, limit.maxEdge / Math.max(width, height)) : 1;
    // Pixels first; then, while the encoded file is still too large, smaller by the square root of the excess.
    for (let attempt = 0; attempt < 8; attempt++) {
      const w = Math.max(1, Math.min(Math.round(width * scale), limit.maxEdge ?? Infinity));
      const h = Math.max(1, Math.min(Math.round(height * scale), limit.maxEdge ?? Infinity));
      const canvas = new OffscreenCanvas(w, h);
      canvas.getContext('2d')!.drawImage(bitmap, 0, 0, w, h);
      const blob = await canvas.convertToBlob({ type, quality: 0.9 });
      const sent = sentBytes(limit, blob.size);
      if (sent <= limit.maxBytes) {
        const name = type === file.type ? file.name : `${file.name.replace(/\.gif$/i, '')}.png`;
        const asPng = type === file.type ? '' : ' (as a PNG of its first frame)';
        const what =
          w === width && h === height
            ? `Re-encoded at ${width}×${height}${type === 'image/png' ? '' : ', 90% quality,'}${asPng}`
            : `Resized from ${width}×${height} to ${w}×${h}${asPng}`;
        return { file: new File([blob], name, { type }), notice: `${what} to fit ${describeLimit(limit)}` };
      }
      scale *= Math.sqrt(limit.maxBytes / sent) * 0.95;
    }
    return { file };
  } catch {
    return { file }; // a canvas past the browser's own size limits: the original goes on, and the core names the limit
  } finally {
    bitmap.close();
  }
}

/** The image limit of the provider that will answer in the open conversation (its own, else the default). */
export async function currentImageLimit(): Promise<ImageLimit | null> {
  const s = useHoldfast.getState();
  const own = s.currentId ? s.conversations[s.currentId]?.provider_id : null;
  try {
    const [list, settings] = await Promise.all([actions.listProviders(), own ? null : actions.getSettings()]);
    const id = own ?? settings?.default_provider_id;
    return imageLimitOf(list?.providers.find((p) => p.id === id)?.kind);
  } catch {
    return null; // unknown: nothing is resized, and the core still refuses a send over the limit, naming it
  }
}
