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
  /** Reasoning shown apart from the answer (imported Claude thinking blocks). */
  thinking: z.string().nullable(),
  status: MessageStatus,
  error: z.string().nullable(),
  model: z.string().nullable(),
  stop_reason: z.string().nullable(),
  input_tokens: z.number().nullable(),
  output_tokens: z.number().nullable(),
  reaction: Reaction.nullable(),
  reaction_comment: z.string().nullable(),
  created_at: z.number(),
  last_updated: z.number(),
});
export type Message = z.infer<typeof Message>;

export const Conversation = z.object({
  id: z.string(),
  title: z.string(),
  created_at: z.number(),
  updated_at: z.number(),
  current_leaf_id: z.string().nullable(),
  model: z.string().nullable(),
  system_prompt: z.string().nullable(),
  max_tokens: z.number().nullable(),
  temperature: z.number().nullable(),
  pinned: z.boolean(),
  deleted_at: z.number().nullable(),
});
export type Conversation = z.infer<typeof Conversation>;

export const NetworkState = z.enum(['online', 'offline']);
export type NetworkState = z.infer<typeof NetworkState>;

export const DEMO_MODEL = 'demo';
/** How a model name is shown; the offline demo is always labelled as such. */
export function modelLabel(model: string | null | undefined): string {
  if (!model) return '';
  return model === DEMO_MODEL ? 'Demo (offline)' : model;
}
