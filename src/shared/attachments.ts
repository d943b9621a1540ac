/** Attachments: the files a person adds to a message (images, PDFs, text files), their limits and their contract. */
import { z } from 'zod';
import { Id } from './model';
import type { ContractDomain } from './rpc';

/** The largest file Holdfast keeps (25 MB): `POST /api/attachments` answers 413 past it. */
export const MAX_ATTACHMENT_BYTES = 25 * 1024 * 1024;
/** How many files one message may carry. */
export const MAX_ATTACHMENTS_PER_MESSAGE = 20;

/** What a message lists about each of its files (the bytes are fetched apart). */
export const AttachmentRef = z.object({ id: z.string(), name: z.string(), mime: z.string(), size: z.number() });
export type AttachmentRef = z.infer<typeof AttachmentRef>;

/** What an upload answers: the reference and the content's SHA-256 (hex). */
export const AttachmentInfo = AttachmentRef.extend({ sha256: z.string() });
export type AttachmentInfo = z.infer<typeof AttachmentInfo>;

export type AttachmentKind = 'image' | 'document' | 'text';

/** Images the providers read, and served with their own type (they cannot run script). */
export const IMAGE_TYPES = ['image/png', 'image/jpeg', 'image/gif', 'image/webp'] as const;
export const PDF_TYPE = 'application/pdf';

/** Types that are text whatever their name says (code, data, markup): kept and sent as text, never rendered. */
const TEXT_TYPES = new Set([
  'application/json',
  'application/xml',
  'application/javascript',
  'application/typescript',
  'application/x-yaml',
  'application/yaml',
  'application/toml',
  'application/x-sh',
  'application/sql',
  'image/svg+xml',
]);

/** A name's extension → its type, for uploads sent as `application/octet-stream` (a picker that could not tell). */
const BY_EXTENSION: Record<string, string> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  pdf: PDF_TYPE,
  svg: 'image/svg+xml',
  json: 'application/json',
  csv: 'text/csv',
  md: 'text/markdown',
  markdown: 'text/markdown',
  html: 'text/html',
  htm: 'text/html',
  xml: 'application/xml',
  yaml: 'application/x-yaml',
  yml: 'application/x-yaml',
  toml: 'application/toml',
  sql: 'application/sql',
  sh: 'application/x-sh',
};
const CODE_EXTENSIONS =
  /\.(txt|log|ts|tsx|js|jsx|mjs|cjs|py|rb|go|rs|java|kt|c|h|cc|cpp|hpp|cs|php|swift|css|scss|ini|cfg|conf|tex|r|lua|pl)$/i;

/**
 * The type to keep for an upload: the sent type without parameters, or one from the name when none was sent or the
 * sent one is not a type Holdfast takes. Systems type files by their own registries: Windows with Excel calls a .csv
 * `application/vnd.ms-excel`, and .ts is `video/mp2t` almost everywhere. The bytes are checked against the type after.
 */
export function normaliseMime(sent: string | undefined, name: string): string {
  const base = (sent ?? '').split(';')[0]!.trim().toLowerCase();
  if (base && base !== 'application/octet-stream' && kindOf(base)) return base;
  const ext = /\.([a-z0-9]+)$/i.exec(name)?.[1]?.toLowerCase() ?? '';
  if (BY_EXTENSION[ext]) return BY_EXTENSION[ext];
  if (CODE_EXTENSIONS.test(name)) return 'text/plain';
  return base || 'application/octet-stream';
}

/** Which kind a type is, or null when Holdfast does not take it. */
export function kindOf(mime: string): AttachmentKind | null {
  if ((IMAGE_TYPES as readonly string[]).includes(mime)) return 'image';
  if (mime === PDF_TYPE) return 'document';
  if (mime.startsWith('text/') || TEXT_TYPES.has(mime)) return 'text';
  return null;
}

/** A type the app may show inline (an image tag); everything else is served as a download of plain bytes. */
export function isDisplayableImage(mime: string): boolean {
  return (IMAGE_TYPES as readonly string[]).includes(mime);
}

/**
 * The largest image each provider kind takes. Anthropic refuses an image over 8000 px on its long edge or over 5 MB of
 * base64 (its documentation: vision); OpenAI documents 20 MB per image and no pixel limit (it scales large images itself).
 * Past these the composer downscales the image before it is stored and says so on the file; the core refuses a send
 * that carries one (`400` naming the limit).
 */
export interface ImageLimit {
  provider: string;
  /** Pixels on the long edge; null: no limit. */
  maxEdge: number | null;
  /** Bytes of the file as sent: base64 when `base64`, else the file itself. */
  maxBytes: number;
  base64: boolean;
}

export const IMAGE_LIMITS: Record<'anthropic' | 'openai-compatible', ImageLimit> = {
  anthropic: { provider: 'Anthropic', maxEdge: 8000, maxBytes: 5 * 1024 * 1024, base64: true },
  'openai-compatible': { provider: 'OpenAI-compatible endpoints', maxEdge: null, maxBytes: 20 * 1024 * 1024, base64: false },
};

/** The limit for a provider kind; null for a kind that reads no images (the demo). */
export function imageLimitOf(kind: string | undefined): ImageLimit | null {
  return kind === 'anthropic' || kind === 'openai-compatible' ? IMAGE_LIMITS[kind] : null;
}

/** Bytes as the limit counts them (base64 is 4 bytes for every 3). */
export function sentBytes(limit: ImageLimit, bytes: number): number {
  return limit.base64 ? Math.ceil(bytes / 3) * 4 : bytes;
}

/** The limit in words, for notices and errors: "Anthropic's limit of 8000 px on the long edge and 5 MB (base64)". */
export function describeLimit(limit: ImageLimit): string {
  const mb = `${Math.round(limit.maxBytes / (1024 * 1024))} MB${limit.base64 ? ' (base64)' : ''}`;
  return `${limit.provider}'s limit of ${limit.maxEdge ? `${limit.maxEdge} px on the long edge and ` : ''}${mb}`;
}

/** Why an image of this size breaks the limit, or null when it fits. */
export function imageOverLimit(
  limit: ImageLimit,
  name: string,
  size: { width: number; height: number } | null,
  bytes: number,
): string | null {
  if (size && limit.maxEdge && Math.max(size.width, size.height) > limit.maxEdge)
    return `${name} is ${size.width}×${size.height} px; ${limit.provider} takes images of at most ${limit.maxEdge} px on the long edge`;
  const sent = sentBytes(limit, bytes);
  if (sent > limit.maxBytes)
    return `${name} is ${(sent / (1024 * 1024)).toFixed(1)} MB${limit.base64 ? ' as base64' : ''}; ${limit.provider} takes images of at most ${Math.round(limit.maxBytes / (1024 * 1024))} MB${limit.base64 ? ' (base64)' : ''}`;
  return null;
}

export const AddAttachmentInput = z
  .object({
    // Longer names than a file system allows are cut when kept (extension kept), never refused: the window sends the
    // picked file's own name.
    name: z.string().trim().min(1, 'name must not be empty').max(4096),
    mime: z.string().max(200),
    /** The file's bytes, base64 (the desktop bridge and the WebSocket carry no raw bytes; REST takes the body). */
    data: z.string().max(Math.ceil(MAX_ATTACHMENT_BYTES / 3) * 4 + 4),
  })
  .strict();

export const attachments = {
  /** Stores a file (content-addressed, fsynced) for a message to come: REST uses `POST /api/attachments` instead. */
  'attachments.add': { input: AddAttachmentInput, output: AttachmentInfo },
  /** A file's bytes (base64), for windows that cannot fetch `GET /api/attachments/:id` (the desktop app). */
  'attachments.get': {
    input: z.object({ id: Id }).strict(),
    output: AttachmentInfo.extend({ data: z.string() }),
  },
} satisfies ContractDomain;
