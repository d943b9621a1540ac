/**
 * The import formats, each turned into Holdfast's shape: ChatGPT's `mapping` tree, Claude's `parent_message_uuid`
 * links, and Holdfast's own archive. Every item is checked with zod; a bad one names where it is wrong.
 */
import { z } from 'zod';
import { Conversation, Message } from '../../../shared/model';

export type ImportFormat = 'chatgpt' | 'claude' | 'holdfast';

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
  error?: string | null;
  stop_reason?: string | null;
  input_tokens?: number | null;
  output_tokens?: number | null;
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
}

// ---- ChatGPT ----
const GptMessage = z
  .object({
    id: z.string(),
    author: z.object({ role: z.string(), name: z.string().nullish() }),
    create_time: z.number().nullish(),
    content: z.object({ content_type: z.string(), parts: z.array(z.unknown()).nullish(), text: z.string().nullish() }).passthrough(),
    metadata: z
      .object({
        is_visually_hidden_from_conversation: z.boolean().nullish(),
        attachments: z.array(z.object({ name: z.string().nullish() }).passthrough()).nullish(),
      })
      .passthrough()
      .nullish(),
    recipient: z.string().nullish(),
  })
  .passthrough();
const GptNode = z
  .object({ id: z.string(), message: GptMessage.nullish(), parent: z.string().nullish(), children: z.array(z.string()).nullish() })
  .passthrough();
export const GptConversation = z
  .object({
    title: z.string().nullish(),
    create_time: z.number().nullish(),
    update_time: z.number().nullish(),
    mapping: z.record(z.string(), GptNode),
    current_node: z.string().nullish(),
    conversation_id: z.string().nullish(),
    id: z.string().nullish(),
  })
  .passthrough();

function gptText(m: z.infer<typeof GptMessage>): string {
  const parts = (m.content.parts ?? (m.content.text != null ? [m.content.text] : [])).map((p) => {
    if (typeof p === 'string') return p;
    const type = (p as { content_type?: string })?.content_type ?? 'attachment';
    if (type === 'image_asset_pointer') return '[image]';
    if (type === 'audio_transcription') return (p as { text?: string }).text ?? '[audio]';
    return `[${type.replace(/_/g, ' ')}]`;
  });
  const files = (m.metadata?.attachments ?? []).map((a) => `[file: ${a.name ?? 'attachment'}]`);
  return [...parts, ...files]
    .filter((s) => s !== '')
    .join('\n')
    .trim();
}

function gptVisible(m: z.infer<typeof GptMessage> | null | undefined): m is z.infer<typeof GptMessage> {
  if (!m) return false;
  if (m.author.role !== 'user' && m.author.role !== 'assistant') return false; // system and tool output are not messages
  if (m.metadata?.is_visually_hidden_from_conversation) return false;
  if (m.recipient && m.recipient !== 'all') return false; // a tool call, not an answer
  if (!['text', 'multimodal_text'].includes(m.content.content_type)) return false;
  return gptText(m) !== '';
}

export function fromChatGpt(raw: unknown): ImportedConversation {
  const c = GptConversation.parse(raw);
  const created = Math.round((c.create_time ?? 0) * 1000);
  const messages: ImportedMessage[] = [];
  const keptAncestor = new Map<string, string | null>(); // node id → the nearest kept node at or above it
  const roots = Object.values(c.mapping).filter((n) => !n.parent || !c.mapping[n.parent]);
  const stack: [string, string | null][] = roots.map((r) => [r.id, null]);
  const seen = new Set<string>();
  while (stack.length) {
    const [id, above] = stack.pop()!;
    if (seen.has(id)) continue;
    seen.add(id);
    const node = c.mapping[id];
    if (!node) continue;
    let here = above;
    if (gptVisible(node.message)) {
      const m = node.message;
      messages.push({
        source_id: node.id,
        parent_source_id: above,
        role: m.author.role as 'user' | 'assistant',
        content: gptText(m),
        thinking: null,
        created_at: m.create_time ? Math.round(m.create_time * 1000) : created,
      });
      here = node.id;
    }
    keptAncestor.set(id, here);
    for (const child of [...(node.children ?? [])].reverse()) stack.push([child, here]);
  }
  const leaf = c.current_node ? (keptAncestor.get(c.current_node) ?? null) : null;
  return {
    source_id: c.conversation_id ?? c.id ?? `${c.title ?? ''}@${c.create_time ?? 0}`,
    title: c.title ?? '',
    created_at: created,
    updated_at: Math.round((c.update_time ?? c.create_time ?? 0) * 1000),
    current_leaf_source_id: leaf,
    messages,
    keepIds: false,
  };
}

// ---- Claude ----
const ROOT_UUID = '00000000-0000-4000-8000-000000000000';
const ClaudeBlock = z.object({ type: z.string(), text: z.string().nullish(), thinking: z.string().nullish() }).passthrough();
const ClaudeFile = z.object({ file_name: z.string().nullish() }).passthrough();
const ClaudeMessage = z
  .object({
    uuid: z.string(),
    text: z.string().nullish(),
    content: z.array(ClaudeBlock).nullish(),
    sender: z.enum(['human', 'assistant']),
    created_at: z.string(),
    parent_message_uuid: z.string().nullish(),
    attachments: z.array(ClaudeFile).nullish(),
    files: z.array(ClaudeFile).nullish(),
  })
  .passthrough();
export const ClaudeConversation = z
  .object({
    uuid: z.string(),
    name: z.string().nullish(),
    created_at: z.string(),
    updated_at: z.string().nullish(),
    chat_messages: z.array(ClaudeMessage),
    current_leaf_message_uuid: z.string().nullish(),
  })
  .passthrough();

const ms = (iso: string | null | undefined, fallback = 0) => {
  const t = iso ? Date.parse(iso) : NaN;
  return Number.isFinite(t) ? t : fallback;
};

export function fromClaude(raw: unknown): ImportedConversation {
  const c = ClaudeConversation.parse(raw);
  let previous: string | null = null;
  const messages = c.chat_messages.map((m): ImportedMessage => {
    const blocks = m.content ?? [];
    const text = blocks.length
      ? blocks
          .filter((b) => b.type === 'text')
          .map((b) => b.text ?? '')
          .join('')
      : (m.text ?? '');
    const thinking = blocks
      .filter((b) => b.type === 'thinking')
      .map((b) => b.thinking ?? b.text ?? '')
      .join('\n\n');
    const files = [...(m.attachments ?? []), ...(m.files ?? [])].map((f) => `[file: ${f.file_name ?? 'attachment'}]`);
    // Older exports have no parent links: the messages then form one chain in their order.
    const parent =
      m.parent_message_uuid === undefined
        ? previous
        : m.parent_message_uuid === ROOT_UUID || m.parent_message_uuid === null
          ? null
          : m.parent_message_uuid;
    previous = m.uuid;
    return {
      source_id: m.uuid,
      parent_source_id: parent,
      role: m.sender === 'human' ? 'user' : 'assistant',
      content: [text, ...files].filter(Boolean).join('\n'),
      thinking: thinking || null,
      created_at: ms(m.created_at),
    };
  });
  return {
    source_id: c.uuid,
    title: c.name ?? '',
    created_at: ms(c.created_at),
    updated_at: ms(c.updated_at, ms(c.created_at)),
    current_leaf_source_id: c.current_leaf_message_uuid ?? null,
    messages,
    keepIds: false,
  };
}

// ---- Holdfast ----
export const HoldfastConversation = z.object({
  conversation: Conversation,
  messages: z.array(Message.extend({ thinking: z.string().nullable().default(null) })),
});

export function fromHoldfast(raw: unknown): ImportedConversation {
  const { conversation: c, messages } = HoldfastConversation.parse(raw);
  return {
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
      error: m.error,
      stop_reason: m.stop_reason,
      input_tokens: m.input_tokens,
      output_tokens: m.output_tokens,
      // An answer that was streaming when exported is kept as an interrupted one, not resumed.
      status: m.status === 'generating' || m.status === 'queued' ? 'error' : m.status,
    })),
  };
}

/** Which format an array element is, by its content. */
export function detectItem(item: unknown): ImportFormat | null {
  if (!item || typeof item !== 'object') return null;
  if ('mapping' in item) return 'chatgpt';
  if ('chat_messages' in item) return 'claude';
  if ('conversation' in item && 'messages' in item) return 'holdfast';
  return null;
}

export const converters: Record<ImportFormat, (raw: unknown) => ImportedConversation> = {
  chatgpt: fromChatGpt,
  claude: fromClaude,
  holdfast: fromHoldfast,
};
