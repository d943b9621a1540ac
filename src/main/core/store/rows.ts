/** Maps SQLite rows to the contract's entity shapes. */
import type { Conversation, Message, MessageStatus, Reaction, Role } from '../../../shared/model';

export interface ConversationRow {
  id: string;
  title: string;
  created_at: number;
  updated_at: number;
  current_leaf_id: string | null;
  model: string | null;
  system_prompt: string | null;
  max_tokens: number | null;
  temperature: number | null;
  pinned: number;
  deleted_at: number | null;
}
export interface MessageRow {
  id: string;
  conversation_id: string;
  parent_id: string | null;
  role: Role;
  content: string;
  thinking: string | null;
  status: MessageStatus;
  error: string | null;
  model: string | null;
  stop_reason: string | null;
  input_tokens: number | null;
  output_tokens: number | null;
  reaction: Reaction | null;
  reaction_comment: string | null;
  created_at: number;
  last_updated: number;
}

export const toConversation = (r: ConversationRow): Conversation => ({ ...r, pinned: r.pinned === 1 });
export const toMessage = (r: MessageRow): Message => ({ ...r });

/** Full text of a message: folded content plus whatever is still in the chunk journal. */
export const MESSAGE_COLUMNS = `m.id, m.conversation_id, m.parent_id, m.role,
  m.content || coalesce((SELECT group_concat(c.text, '' ORDER BY c.ord) FROM chunks c WHERE c.message_id = m.id), '') AS content,
  m.thinking, m.status, m.error, m.model, m.stop_reason, m.input_tokens, m.output_tokens, m.reaction, m.reaction_comment,
  m.created_at, m.last_updated`;
