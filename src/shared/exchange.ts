/** Search, export, import and backups: the methods that take data in and out. */
import { z } from 'zod';
import { Id } from './model';
import type { ContractDomain } from './rpc';

export const SearchResult = z.object({
  message_id: z.string(),
  conversation_id: z.string(),
  conversation_title: z.string(),
  role: z.string(),
  /** HTML: the text escaped, the hits in <mark>. */
  snippet: z.string(),
  created_at: z.number(),
});
export type SearchResult = z.infer<typeof SearchResult>;

export const ExportFormat = z.enum(['md', 'html', 'json']);
/** Every file format import recognises. */
export const ImportFormat = z.enum(['chatgpt', 'claude', 'holdfast', 'openwebui', 'librechat', 'chatbox', 'lobechat']);
export type ImportFormat = z.infer<typeof ImportFormat>;

export const ImportResult = z.object({
  format: ImportFormat,
  conversations: z.number(),
  messages: z.number(),
  /** Conversations already imported before (by their source id): nothing is added twice. */
  skipped: z.number(),
  /** Conversations with no user or assistant text, skipped. */
  skipped_empty: z.number(),
  /** Conversations whose id came earlier in the file, or whose message ids are taken here, skipped. */
  skipped_duplicate: z.number(),
  /** Messages left out because their id came earlier in the same conversation. */
  dropped_messages: z.number(),
  /** Parent links cut because messages were each other's ancestors (or their own parent). */
  cycles_broken: z.number(),
  /** Lone UTF-16 surrogates in the text, replaced with U+FFFD. */
  replaced_characters: z.number(),
  /** The first reasons for the numbers above, readable. */
  notes: z.array(z.string()),
});
export type ImportResult = z.infer<typeof ImportResult>;

/**
 * The one line a person reads after an import (the window's notice, the desktop app's dialog): what was added, then
 * every count of what was left out or repaired, each only when it is not zero.
 */
export function describeImport(r: ImportResult): string {
  const n = (count: number, one: string, many = `${one}s`) => `${count} ${count === 1 ? one : many}`;
  const more = [
    r.skipped > 0 && `${r.skipped} already here, skipped`,
    r.skipped_empty > 0 && `${n(r.skipped_empty, 'conversation')} without text skipped`,
    r.skipped_duplicate > 0 && `${n(r.skipped_duplicate, 'conversation')} with repeated or taken ids skipped`,
    r.dropped_messages > 0 && `${n(r.dropped_messages, 'repeated message')} left out`,
    r.cycles_broken > 0 && `${n(r.cycles_broken, 'parent cycle')} cut`,
    r.replaced_characters > 0 && `${n(r.replaced_characters, 'broken character')} replaced`,
  ].filter((part): part is string => typeof part === 'string');
  return `Imported ${n(r.conversations, 'conversation')} (${n(r.messages, 'message')}) from ${r.format}${more.length ? `; ${more.join('; ')}` : ''}.`;
}

/** Files up to this size can be imported through the contract; larger ones go through POST /api/import or the File menu. */
export const MAX_IMPORT_TEXT = 50 * 1024 * 1024;

export const exchange = {
  'search.query': {
    input: z.object({ q: z.string().max(500), limit: z.number().int().min(1).max(100).optional() }).strict(),
    output: z.object({ results: z.array(SearchResult) }),
    http: { method: 'GET', path: '/api/search', query: { q: 'string', limit: 'number' }, defaults: { q: '' } },
  },
  'exchange.export': {
    input: z.object({ conversation_id: Id, format: ExportFormat }).strict(),
    /** `encoding: 'base64'`: `content` is a binary file (a Markdown export with its files is a .zip). */
    output: z.object({ filename: z.string(), mime: z.string(), content: z.string(), encoding: z.literal('base64').optional() }),
    http: {
      method: 'GET',
      path: '/api/sessions/:id/export',
      id: 'conversation_id',
      query: { format: 'string' },
      defaults: { format: 'md' },
      download: true,
    },
  },
  'exchange.importText': {
    input: z.object({ name: z.string().max(500).optional(), text: z.string().min(1).max(MAX_IMPORT_TEXT) }).strict(),
    output: ImportResult,
  },
  'backup.create': {
    input: z.object({}).strict(),
    output: z.object({ path: z.string() }),
    http: { method: 'POST', path: '/api/backup', body: false },
  },
} satisfies ContractDomain;
