/**
 * Fits a conversation's files into one request's totals (images per request, PDF pages and bytes per request): the
 * newest files are kept first, and an older one that no longer fits is replaced in the request by a short note naming
 * it and the limit, so a long conversation goes on instead of failing every later turn. Nothing is removed from the
 * database: the note only stands in for the file in what is sent.
 */
import type { ProviderAttachment, ProviderMessage } from './provider';

/** A request's totals; each is absent when the provider has none. */
export interface RequestTotals {
  /** Images per request. */
  images?: number;
  /** PDF pages per request, summed over the PDFs (a PDF whose pages cannot be counted counts none). */
  pdfPages?: number;
  /** PDF bytes per request, summed over the PDFs. */
  pdfBytes?: number;
}

/** How a file is counted: its pages are asked only for PDFs, and only when there is a page total. */
export type PageCounter = (data: Buffer) => number | null;

/**
 * The messages with every file that fits the totals, newest first; the rest are notes at the start of their message's
 * text, e.g. `[image shot.png not resent: at most 100 images per request]`.
 */
export function fitToRequest(messages: ProviderMessage[], totals: RequestTotals, pages: PageCounter): ProviderMessage[] {
  const used = { images: 0, pdfPages: 0, pdfBytes: 0 };
  const out = messages.map((m) => ({ ...m }));
  for (let i = out.length - 1; i >= 0; i--) {
    const m = out[i]!;
    if (!m.attachments?.length) continue;
    const kept: ProviderAttachment[] = [];
    const notes: string[] = [];
    // Within one message the later files are kept first too (the same age; the order is the person's).
    for (let j = m.attachments.length - 1; j >= 0; j--) {
      const a = m.attachments[j]!;
      const why = overTotal(a, totals, used, pages);
      if (why) notes.unshift(`[${a.kind === 'image' ? 'image' : 'file'} ${a.name} not resent: ${why}]`);
      else kept.unshift(a);
    }
    if (!notes.length) continue;
    m.attachments = kept;
    m.content = [notes.join('\n'), m.content].filter(Boolean).join('\n\n');
  }
  return out;
}

/** Why this file breaks a total (counting it in when it fits), or null. */
function overTotal(
  a: ProviderAttachment,
  totals: RequestTotals,
  used: Record<keyof Required<RequestTotals>, number>,
  pages: PageCounter,
): string | null {
  if (a.kind === 'image' && totals.images !== undefined) {
    if (used.images + 1 > totals.images) return `at most ${totals.images} images per request`;
    used.images++;
  }
  if (a.kind === 'document' && a.mime === 'application/pdf') {
    const n = totals.pdfPages !== undefined ? (pages(a.data) ?? 0) : 0;
    if (totals.pdfPages !== undefined && used.pdfPages + n > totals.pdfPages) return `at most ${totals.pdfPages} PDF pages per request`;
    if (totals.pdfBytes !== undefined && used.pdfBytes + a.data.length > totals.pdfBytes)
      return `at most ${Math.round(totals.pdfBytes / (1024 * 1024))} MB of PDFs per request`;
    used.pdfPages += n;
    used.pdfBytes += a.data.length;
  }
  return null;
}

/** How many of each total these files alone use: a new message whose own files break a total is refused when sent. */
export function totalsBroken(files: ProviderAttachment[], totals: RequestTotals, pages: PageCounter): string | null {
  const used = { images: 0, pdfPages: 0, pdfBytes: 0 };
  for (const a of files) {
    const why = overTotal(a, totals, used, pages);
    if (why) return why;
  }
  return null;
}
