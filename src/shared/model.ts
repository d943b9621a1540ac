/** Entity shapes shared by the core and every window: what a row looks like on the wire. */
import { z } from 'zod';

export const MessageStatus = z.enum(['queued', 'generating', 'completed', 'error', 'cancelled']);
export type MessageStatus = z.infer<typeof MessageStatus>;

export const Role = z.enum(['user', 'assistant']);
export type Role = z.infer<typeof Role>;

export const Reaction = z.enum(['like', 'dislike']);
export type Reaction = z.infer<typeof Reaction>;

/** Ids are ULIDs/UUIDv7-like strings; validated loosely so imported ids fit too. */
export const Id = z.string().min(1).max(128);

export const Message = z.object({
  id: z.string(),
  conversation_id: z.string(),
  parent_id: z.string().nullable(),
  role: Role,
  content: z.string(),
  /** Reasoning shown apart from the answer (streamed extended thinking, imported thinking blocks); never sent back as text. */
  thinking: z.string().nullable(),
  /** How long the model thought, summed over attempts (null or absent: unknown, or no thinking). Optional: older rows and files lack it. */
  thinking_ms: z.number().nullable().optional(),
  /** The provider redacted some of the reasoning (its encrypted data is kept, never shown). */
  thinking_redacted: z.boolean().optional(),
  status: MessageStatus,
  error: z.string().nullable(),
  model: z.string().nullable(),
  /** The provider that actually wrote this answer (the conversation's, or the offline fallback); absent in older files. */
  provider_id: z.string().nullable().optional(),
  stop_reason: z.string().nullable(),
  input_tokens: z.number().nullable(),
  output_tokens: z.number().nullable(),
  reaction: Reaction.nullable(),
  reaction_comment: z.string().nullable(),
  created_at: z.number(),
  last_updated: z.number(),
  /** The files attached to this message, in order (the store always lists them; absent only in older files). */
  attachments: z.array(z.object({ id: z.string(), name: z.string(), mime: z.string(), size: z.number() })).optional(),
});
export type Message = z.infer<typeof Message>;

/** Extended thinking for a conversation: a token budget (at least 1024, below max_tokens), or adaptive where the model has it. */
export const ThinkingSetting = z.discriminatedUnion('type', [
  z.object({ type: z.literal('enabled'), budget_tokens: z.number().int().min(1024).max(128_000) }).strict(),
  z.object({ type: z.literal('adaptive') }).strict(),
]);
export type ThinkingSetting = z.infer<typeof ThinkingSetting>;

export const Conversation = z.object({
  id: z.string(),
  title: z.string(),
  created_at: z.number(),
  updated_at: z.number(),
  current_leaf_id: z.string().nullable(),
  model: z.string().nullable(),
  /** The conversation's provider; null: the default provider. Absent in older files. */
  provider_id: z.string().nullable().optional(),
  system_prompt: z.string().nullable(),
  max_tokens: z.number().nullable(),
  temperature: z.number().nullable(),
  /** Extended thinking; null: off. */
  thinking: ThinkingSetting.nullable().optional(),
  pinned: z.boolean(),
  deleted_at: z.number().nullable(),
});
export type Conversation = z.infer<typeof Conversation>;

export const NetworkState = z.enum(['online', 'offline']);
export type NetworkState = z.infer<typeof NetworkState>;

/** Stop reasons after which the same answer can be extended with Continue. */
export const CONTINUABLE_STOP_REASONS: readonly string[] = ['max_tokens', 'pause_turn'];

export const DEMO_MODEL = 'demo';
/** How a model name is shown; the offline demo is always labelled as such. */
export function modelLabel(model: string | null | undefined): string {
  if (!model) return '';
  return model === DEMO_MODEL ? 'Demo (offline)' : model;
}
