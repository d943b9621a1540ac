/** Holdfast's own archive and single-conversation export: ids, trees and settings kept as they are. */
import { z } from 'zod';
import { Conversation, Message } from '../../../../shared/model';
import type { ImportedConversation } from './types';

export const HoldfastConversation = z.object({
  conversation: Conversation,
  messages: z.array(Message.extend({ thinking: z.string().nullable().default(null) })),
});

export function fromHoldfast(raw: unknown): ImportedConversation[] {
  const { conversation: c, messages } = HoldfastConversation.parse(raw);
  return [
    {
      source_id: c.id,
      title: c.title,
      created_at: c.created_at,
      updated_at: c.updated_at,
      current_leaf_source_id: c.current_leaf_id,
      keepIds: true,
      extra: { model: c.model, system_prompt: c.system_prompt, max_tokens: c.max_tokens, temperature: c.temperature, pinned: c.pinned },
      messages: messages.map((m) => ({
        source_id: m.id,
        parent_source_id: m.parent_id,
        role: m.role,
        content: m.content,
        thinking: m.thinking,
        created_at: m.created_at,
        reaction: m.reaction,
        reaction_comment: m.reaction_comment,
        model: m.model,
        provider_id: m.provider_id ?? null,
        error: m.error,
        stop_reason: m.stop_reason,
        input_tokens: m.input_tokens,
        output_tokens: m.output_tokens,
        // An answer that was streaming when exported is kept as an interrupted one, not resumed.
        status: m.status === 'generating' || m.status === 'queued' ? 'error' : m.status,
      })),
    },
  ];
}
