/** Maps SQLite rows to the contract's entity shapes. */
import { ThinkingSetting, type Conversation, type Message, type MessageStatus, type Reaction, type Role } from '../../../shared/model';

export interface ConversationRow {
  id: string;
  title: string;
  created_at: number;
  updated_at: number;
  current_leaf_id: string | null;
  model: string | null;
  provider_id: string | null;
  system_prompt: string | null;
  max_tokens: number | null;
  temperature: number | null;
  /** JSON of a ThinkingSetting, or null. */
  thinking: string | null;
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
  thinking_ms: number | null;
  thinking_redacted: number;
  status: MessageStatus;
  error: string | null;
  model: string | null;
  provider_id: string | null;
  stop_reason: string | null;
  input_tokens: number | null;
  output_tokens: number | null;
  reaction: Reaction | null;
  reaction_comment: string | null;
  created_at: number;
  last_updated: number;
  /** JSON array of the message's attachments ({id, name, mime, size}), in order. */
  attachments: string | null;
}

export const toConversation = (r: ConversationRow): Conversation => ({
  ...r,
  pinned: r.pinned === 1,
  thinking: thinkingSetting(r.thinking),
});
export const toMessage = (r: MessageRow): Message => ({
  ...r,
  thinking_redacted: r.thinking_redacted === 1,
  attachments: r.attachments ? (JSON.parse(r.attachments) as NonNullable<Message['attachments']>) : [],
});

function thinkingSetting(json: string | null): ThinkingSetting | null {
  if (!json) return null;
  try {
    const parsed = ThinkingSetting.safeParse(JSON.parse(json));
    return parsed.success ? parsed.data : null;
  } catch {
    return null; // a damaged setting reads as "off" rather than making the conversation unreadable
  }
}

/**
 * Full text and thinking of a message: what is folded plus whatever is still in the chunk journal, by kind. Only a
 * streaming message has journal rows, so one probe per message decides whether the per-kind subqueries run at all.
 */
const JOURNALED = `EXISTS (SELECT 1 FROM chunks c WHERE c.message_id = m.id)`;
const journal = (kinds: string) =>
  `coalesce((SELECT group_concat(c.text, '' ORDER BY c.ord) FROM chunks c WHERE c.message_id = m.id AND c.kind IN (${kinds})), '')`;
export const MESSAGE_COLUMNS = `m.id, m.conversation_id, m.parent_id, m.role,
  CASE WHEN ${JOURNALED} THEN m.content || ${journal("'text'")} ELSE m.content END AS content,
  CASE WHEN ${JOURNALED} AND ${journal("'thinking', 'break'")} != '' THEN coalesce(m.thinking, '') || ${journal("'thinking', 'break'")}
    ELSE m.thinking END AS thinking,
  m.thinking_ms,
  (m.thinking_redacted OR (${JOURNALED} AND EXISTS (SELECT 1 FROM chunks c WHERE c.message_id = m.id AND c.kind = 'redacted'))) AS thinking_redacted,
  m.status, m.error, m.model, m.provider_id, m.stop_reason, m.input_tokens, m.output_tokens, m.reaction, m.reaction_comment,
  m.created_at, m.last_updated,
  (SELECT json_group_array(json_object('id', a.id, 'name', a.name, 'mime', a.mime, 'size', a.size) ORDER BY ma.ord)
    FROM message_attachments ma JOIN attachments a ON a.id = ma.attachment_id WHERE ma.message_id = m.id) AS attachments`;
