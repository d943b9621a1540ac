/** Conversations in Holdfast's own archive format, one chain of completed messages each: for the window benchmarks and the tests that import long histories. */
import type { Conversation, Message } from '../../src/shared/model';

/** A conversation row as the core sends it; fields a test does not name take their defaults. */
export const conversationRow = (o: Partial<Conversation> & { id: string }): Conversation =>
  ({
    title: o.id,
    created_at: 1,
    updated_at: 1,
    current_leaf_id: null,
    model: null,
    system_prompt: null,
    max_tokens: null,
    temperature: null,
    pinned: false,
    deleted_at: null,
    ...o,
  }) as Conversation; // a cast: optional fields (thinking, provider…) stay undefined in these hand-made rows

/** A completed assistant message row in conversation `c1` unless the test says otherwise. */
export const messageRow = (o: Partial<Message> & { id: string }): Message =>
  ({
    conversation_id: 'c1',
    parent_id: null,
    role: 'assistant',
    content: '',
    thinking: null,
    status: 'completed',
    error: null,
    model: null,
    stop_reason: null,
    input_tokens: null,
    output_tokens: null,
    reaction: null,
    reaction_comment: null,
    created_at: 1,
    last_updated: 1,
    ...o,
  }) as Message; // a cast: optional fields stay undefined in these hand-made rows

export interface ChainOptions {
  /** Conversation id; message ids are `${prefix}${i}` (default `${id}m`). */
  id: string;
  title?: string;
  messages: number;
  content: (i: number) => string;
  prefix?: string;
  at?: number;
}

export function chainConversation({ id, title = id, messages, content, prefix = `${id}m`, at = Date.now() }: ChainOptions) {
  return {
    conversation: conversationRow({ id, title, created_at: at, updated_at: at, current_leaf_id: `${prefix}${messages - 1}` }),
    messages: Array.from({ length: messages }, (_, i) =>
      messageRow({
        id: `${prefix}${i}`,
        conversation_id: id,
        parent_id: i ? `${prefix}${i - 1}` : null,
        role: i % 2 ? 'assistant' : 'user',
        content: content(i),
        created_at: at + i,
        last_updated: at + i,
      }),
    ),
  };
}

export function archiveOf(conversations: ReturnType<typeof chainConversation>[]): string {
  return JSON.stringify({ format: 'holdfast-archive', version: 1, conversations });
}
