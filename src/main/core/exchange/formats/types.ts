/** The shape every importer produces, whatever the source app: conversations of messages linked by their source ids. */
import type { Conversation, Message } from '../../../../shared/model';
import type { ImportFormat } from '../../../../shared/exchange';

export type { ImportFormat };

export interface ImportedMessage {
  source_id: string;
  parent_source_id: string | null;
  role: 'user' | 'assistant';
  content: string;
  thinking: string | null;
  created_at: number;
  reaction?: 'like' | 'dislike' | null;
  reaction_comment?: string | null;
  status?: Message['status'];
  model?: string | null;
  /** The provider that wrote an answer (Holdfast archives only). */
  provider_id?: string | null;
  error?: string | null;
  stop_reason?: string | null;
  input_tokens?: number | null;
  output_tokens?: number | null;
  /** Files the message carried, by the export's own reference (a ChatGPT file id): brought in when the zip holds them. */
  files?: ImportedFile[];
}

export interface ImportedFile {
  ref: string;
  name: string;
  mime: string | null;
  /** The lines the message's text holds for this file (`[image]`, `[file: name]`): dropped once the file is kept. */
  placeholders?: string[];
}

export interface ImportedConversation {
  source_id: string;
  title: string;
  created_at: number;
  updated_at: number;
  current_leaf_source_id: string | null;
  messages: ImportedMessage[];
  keepIds: boolean;
  extra?: Partial<Conversation>;
  /** Cycles the format's own walk had to break (counted in the import result). */
  cyclesBroken?: number;
}

/** Milliseconds from an ISO date, epoch seconds or epoch milliseconds; `fallback` when there is none. */
export function toMs(value: unknown, fallback = 0): number {
  if (typeof value === 'number' && Number.isFinite(value)) return value < 1e11 ? Math.round(value * 1000) : Math.round(value);
  if (typeof value === 'string' && value) {
    if (/^\d+(\.\d+)?$/.test(value)) return toMs(Number(value), fallback);
    const t = Date.parse(value);
    if (Number.isFinite(t)) return t;
  }
  return fallback;
}

/** Parts joined as separate paragraphs, empty ones left out. */
export const paragraphs = (parts: (string | null | undefined)[]): string =>
  parts
    .map((p) => (p ?? '').trim())
    .filter(Boolean)
    .join('\n\n');

export const isRecord = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);
