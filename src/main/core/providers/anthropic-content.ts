/**
 * A conversation's turns as the Anthropic Messages API takes them: text, plus `image` blocks (base64 PNG, JPEG, GIF,
 * WebP) and `document` blocks (PDF base64, text files as plain-text sources). Its limits are checked here, before
 * anything is sent, and a file that breaks one fails the answer with a reason naming the limit. The request's totals
 * (images, PDF pages and bytes) are met by sending the newest files and a note in place of each older one that no
 * longer fits: a long conversation goes on, and nothing leaves the database.
 */
import { inflateSync } from 'node:zlib';
import type { MessageParam } from '@anthropic-ai/sdk/resources/messages';
import { ProviderError, type ProviderAttachment, type ProviderMessage } from './provider';
import { fitToRequest, type RequestTotals } from './request-fit';
import { IMAGE_LIMITS, imageOverLimit } from '../../../shared/attachments';
import { imageSize } from '../../../shared/image-size';

/** The API's limits (its documentation: images and PDF support). */
export const ANTHROPIC_LIMITS = {
  imagesPerRequest: 100,
  pdfBytes: 32 * 1024 * 1024,
  pdfPages: 100,
};

/** The totals of one request (its documentation: 100 images; PDFs: 32 MB and 100 pages per request). */
export const ANTHROPIC_TOTALS: RequestTotals = {
  images: ANTHROPIC_LIMITS.imagesPerRequest,
  pdfPages: ANTHROPIC_LIMITS.pdfPages,
  pdfBytes: ANTHROPIC_LIMITS.pdfBytes,
};

/** Models from before Claude 3 read no images or PDFs. */
export function hasVision(model: string): boolean {
  return !/^claude-(instant|2)/.test(model);
}

export function toAnthropicMessages(messages: ProviderMessage[], model: string): MessageParam[] {
  // The newest turn's files fail the answer when one breaks a per-file limit. Its files together were checked against the
  // request's totals when it was sent; here turns merged after failed answers may hold more, so they are fitted too.
  const newest = messages.findLastIndex((m) => m.role === 'user');
  for (const a of messages[newest]?.attachments ?? []) check(a, model);
  return fitToRequest(messages, ANTHROPIC_TOTALS, pdfPages).map((m, i) => {
    // An older turn's file this model or API cannot take (stored for another provider, or before a limit was checked at
    // send) goes as a note, as files past the totals do: it would otherwise fail every later answer of the conversation.
    if (i !== newest && m.attachments?.length) m = withoutRefused(m, model);
    if (!m.attachments?.length) return { role: m.role, content: m.content };
    const blocks = m.attachments.map((a) => block(a, model));
    // Files first, then the question: the order the API's documentation recommends.
    return { role: m.role, content: [...blocks, ...(m.content ? [{ type: 'text' as const, text: m.content }] : [])] };
  });
}

function block(a: ProviderAttachment, model: string) {
  check(a, model);
  if (a.kind === 'text') {
    return {
      type: 'document' as const,
      source: { type: 'text' as const, media_type: 'text/plain' as const, data: a.data.toString('utf8') },
      title: a.name,
    };
  }
  if (a.kind === 'image') {
    return {
      type: 'image' as const,
      source: {
        type: 'base64' as const,
        media_type: a.mime as 'image/png' | 'image/jpeg' | 'image/gif' | 'image/webp',
        data: a.data.toString('base64'),
      },
    };
  }
  return {
    type: 'document' as const,
    source: { type: 'base64' as const, media_type: 'application/pdf' as const, data: a.data.toString('base64') },
    title: a.name,
  };
}

/** A file the model or the API cannot take fails the answer, naming the limit. */
function check(a: ProviderAttachment, model: string): void {
  const why = refusal(a, model);
  if (why) refuse(why);
}

/** Why the model or the API cannot take this file, or null. */
function refusal(a: ProviderAttachment, model: string): string | null {
  if (a.kind === 'text') return null;
  if (!hasVision(model)) return `${model} cannot read images or PDFs (${a.name}); choose a Claude 3 or later model`;
  if (a.kind === 'image') {
    // Also checked when the message is sent (the composer downscales); a file stored before that check is caught here.
    return imageOverLimit(IMAGE_LIMITS.anthropic, a.name, imageSize(a.data, a.mime), a.data.length) ?? null;
  }
  if (a.data.length > ANTHROPIC_LIMITS.pdfBytes)
    return `${a.name} is ${mb(a.data.length)}; Anthropic takes PDFs of at most ${mb(ANTHROPIC_LIMITS.pdfBytes)}`;
  const pages = pdfPages(a.data);
  if (pages !== null && pages > ANTHROPIC_LIMITS.pdfPages)
    return `${a.name} has ${pages} pages; Anthropic takes PDFs of at most ${ANTHROPIC_LIMITS.pdfPages} pages`;
  return null;
}

/** The message with the files this model cannot take replaced by a note naming each and why. */
function withoutRefused(m: ProviderMessage, model: string): ProviderMessage {
  const notes: string[] = [];
  const kept = (m.attachments ?? []).filter((a) => {
    const why = refusal(a, model);
    if (why) notes.push(`[${a.kind === 'image' ? 'image' : 'file'} ${a.name} not resent: ${why}]`);
    return !why;
  });
  if (!notes.length) return m;
  return { ...m, attachments: kept, content: [notes.join('\n'), m.content].filter(Boolean).join('\n\n') };
}

/** Pages counted cheaply from the page objects; null when the file keeps them in compressed object streams. */
export function pdfPages(data: Buffer): number | null {
  const text = data.toString('latin1');
  let n = pageObjects(text);
  // The inflated bytes of all streams together are bounded, not each stream's alone: a file of many small streams that
  // each inflate a thousandfold would otherwise hold the process for minutes, on every send that carries it.
  let budget = MAX_INFLATED;
  // PDF 1.5 and later may keep page objects inside compressed object streams: count those too.
  for (const m of text.matchAll(STREAM_START)) {
    if (budget <= 0) break; // past the budget the count is what was read (the API has the last word)
    if (!/\/Type\s*\/ObjStm\b/.test(m[1]!) || !/\/FlateDecode\b/.test(m[1]!)) continue;
    const start = m.index + m[0].length;
    const end = text.indexOf('endstream', start);
    if (end < 0) continue;
    try {
      const inflated = inflateSync(data.subarray(start, end), { maxOutputLength: budget });
      budget -= inflated.length;
      n += pageObjects(inflated.toString('latin1'));
    } catch (err) {
      // A damaged or differently encoded stream: counted as holding no pages (the API has the last word).
      if (err instanceof RangeError) budget = 0; // past the budget
    }
  }
  return n > 0 ? n : null;
}

/** The most bytes `pdfPages` inflates from one file's object streams, all of them together. */
const MAX_INFLATED = 64 * 1024 * 1024;

/** A stream's dictionary (group 1) up to the first byte of its data. */
const STREAM_START = /<<((?:[^<>]|<<[^<>]*>>)*)>>\s*stream\r?\n/g;

function pageObjects(text: string): number {
  return text.match(/\/Type\s*\/Page(?![a-zA-Z])/g)?.length ?? 0;
}

function mb(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1).replace(/\.0$/, '')} MB`;
}

function refuse(reason: string): never {
  throw new ProviderError('bad_request', reason);
}
