/** Claude's export: `chat_messages` linked by `parent_message_uuid` (older exports: one chain in file order). */
import { z } from 'zod';
import { paragraphs, toMs, type ImportedConversation, type ImportedMessage } from './types';

const ROOT_UUID = '00000000-0000-4000-8000-000000000000';
const ClaudeBlock = z.object({ type: z.string(), text: z.string().nullish(), thinking: z.string().nullish() }).passthrough();
const ClaudeFile = z.object({ file_name: z.string().nullish(), extracted_content: z.string().nullish() }).passthrough();
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

export function fromClaude(raw: unknown): ImportedConversation[] {
  const c = ClaudeConversation.parse(raw);
  let previous: string | null = null;
  const messages = c.chat_messages.map((m): ImportedMessage => {
    const blocks = m.content ?? [];
    // Separate text blocks are separate paragraphs (glued together they ran sentences into each other).
    const text = blocks.length ? paragraphs(blocks.filter((b) => b.type === 'text').map((b) => b.text)) : (m.text ?? '');
    const thinking = paragraphs(blocks.filter((b) => b.type === 'thinking').map((b) => b.thinking ?? b.text));
    // The export holds no file bytes, only the text Claude extracted from each: kept, fenced under the file's name.
    const files = [...(m.attachments ?? []), ...(m.files ?? [])].map((f) => {
      const label = `[file: ${f.file_name ?? 'attachment'}]`;
      const text = f.extracted_content?.trim();
      return text ? `${label}\n${fenced(text)}` : label;
    });
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
      created_at: toMs(m.created_at),
    };
  });
  return [
    {
      source_id: c.uuid,
      title: c.name ?? '',
      created_at: toMs(c.created_at),
      updated_at: toMs(c.updated_at, toMs(c.created_at)),
      current_leaf_source_id: c.current_leaf_message_uuid ?? null,
      messages,
      keepIds: false,
    },
  ];
}

/** Text in a code fence longer than any run of backticks inside it, so it cannot close the fence early. */
function fenced(text: string): string {
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((r) => r.length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `${fence}\n${text}\n${fence}`;
}
