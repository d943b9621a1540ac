/**
 * Open WebUI's export: a JSON array of chat records `{id, title, chat: {history: {messages, currentId}}}` (or one
 * record, or the bare inner `chat`). Branches live in `history.messages` (`parentId`/`childrenIds`; an edited first
 * message is a second root); reasoning and tool calls are inline `<details type="…">` blocks.
 * Shape seen in Open WebUI's chat model and in LibreChat's import fixture `api/server/utils/import/__data__/openwebui-export.json`.
 */
import { z } from 'zod';
import { isRecord, paragraphs, toMs, type ImportedConversation, type ImportedMessage } from './types';

const OwuMessage = z
  .object({
    id: z.string(),
    parentId: z.string().nullish(),
    childrenIds: z.array(z.string()).nullish(),
    role: z.string(),
    content: z.union([z.string(), z.array(z.unknown())]).nullish(),
    timestamp: z.number().nullish(),
    model: z.string().nullish(),
    files: z.array(z.object({ name: z.string().nullish(), type: z.string().nullish() }).passthrough()).nullish(),
  })
  .passthrough();
type OwuMessage = z.infer<typeof OwuMessage>;
export const OwuChat = z
  .object({
    id: z.string().nullish(),
    title: z.string().nullish(),
    history: z
      .object({ messages: z.record(z.string(), OwuMessage), currentId: z.string().nullish() })
      .passthrough()
      .nullish(),
    messages: z.array(OwuMessage).nullish(),
    params: z.object({ system: z.string().nullish() }).passthrough().nullish(),
    system: z.string().nullish(),
    timestamp: z.number().nullish(),
  })
  .passthrough();
const OwuRecord = z
  .object({
    id: z.string(),
    title: z.string().nullish(),
    chat: OwuChat,
    created_at: z.number().nullish(),
    updated_at: z.number().nullish(),
    pinned: z.boolean().nullish(),
  })
  .passthrough();

const unescapeHtml = (s: string) =>
  s.replace(
    /&(quot|amp|lt|gt|#39|#x27|apos);/g,
    (_, e: string) => ({ quot: '"', amp: '&', lt: '<', gt: '>', '#39': "'", '#x27': "'", apos: "'" })[e]!,
  );
const attr = (attrs: string, name: string) => unescapeHtml(new RegExp(`\\b${name}="([^"]*)"`).exec(attrs)?.[1] ?? '');

const OPEN = /^<details\s+type="([\w-]+)"([^>]*)>/;
const CLOSE = '</details>';

function withoutSummary(inner: string): string {
  const open = inner.indexOf('<summary>');
  const close = open < 0 ? -1 : inner.indexOf('</summary>', open);
  return close < 0 ? inner : inner.slice(0, open) + inner.slice(close + '</summary>'.length);
}

/** Splits an answer into what was said, the reasoning (shown as thinking) and visible notes of tool calls. */
export function splitDetails(content: string): { text: string; thinking: string | null } {
  const thinking: string[] = [];
  const out: string[] = [];
  // A linear scan with indexOf, not one regular expression: many unclosed <details> must not make this quadratic.
  let at = 0;
  for (;;) {
    const start = content.indexOf('<details', at);
    const end = start < 0 ? -1 : content.indexOf(CLOSE, start);
    const open = end < 0 ? null : OPEN.exec(content.slice(start, Math.min(end, start + 4096)));
    if (start < 0 || end < 0) break;
    if (!open) {
      out.push(content.slice(at, start + 1));
      at = start + 1;
      continue;
    }
    out.push(content.slice(at, start));
    const [head, type, attrs] = open as unknown as [string, string, string];
    const inner = content.slice(start + head.length, end);
    at = end + CLOSE.length;
    const body = unescapeHtml(withoutSummary(inner)).trim();
    if (type === 'reasoning') {
      thinking.push(body.replace(/^> ?/gm, ''));
      out.push('\n\n');
      continue;
    }
    const name = attr(attrs, 'name') || type.replace(/_/g, ' ');
    const result = attr(attrs, 'result') || body;
    out.push(`\n\n[tool: ${name}]${result ? `\n\n\`\`\`text\n${result.replace(/```/g, '`\u200b``')}\n\`\`\`` : ''}\n\n`);
  }
  out.push(content.slice(at));
  return {
    text: out
      .join('')
      .replace(/\n{3,}/g, '\n\n')
      .trim(),
    thinking: paragraphs(thinking) || null,
  };
}

function contentOf(m: OwuMessage): string {
  if (typeof m.content === 'string') return m.content;
  return (m.content ?? [])
    .map((p) => (isRecord(p) && typeof p.text === 'string' ? p.text : isRecord(p) && p.type === 'image_url' ? '[image]' : ''))
    .join('\n\n');
}

function fromChat(
  chat: z.infer<typeof OwuChat>,
  meta: { id?: string | null; title?: string | null; created?: number; updated?: number; pinned?: boolean | null },
): ImportedConversation {
  const created = toMs(meta.created ?? chat.timestamp);
  const list: OwuMessage[] = chat.history ? Object.values(chat.history.messages) : (chat.messages ?? []);
  let system = chat.params?.system || chat.system || null;
  const messages: ImportedMessage[] = [];
  let previous: string | null = null;
  for (const m of list) {
    const raw = contentOf(m);
    if (m.role === 'system') {
      system ??= raw;
      continue;
    }
    if (m.role !== 'user' && m.role !== 'assistant') continue;
    const { text, thinking } = m.role === 'assistant' ? splitDetails(raw) : { text: raw, thinking: null };
    const files = (m.files ?? []).map((f) => (f.type === 'image' ? '[image]' : `[file: ${f.name ?? 'attachment'}]`));
    messages.push({
      source_id: m.id,
      // Without `history` (older chats), the list is one chain in its order.
      parent_source_id: chat.history ? (m.parentId ?? null) : (m.parentId ?? previous),
      role: m.role,
      content: [text, ...files].filter(Boolean).join('\n'),
      thinking,
      created_at: toMs(m.timestamp, created),
      model: m.model ?? null,
    });
    previous = m.id;
  }
  return {
    source_id: meta.id ?? chat.id ?? `${chat.title ?? ''}@${created}`,
    title: meta.title ?? chat.title ?? '',
    created_at: created,
    updated_at: toMs(meta.updated, created),
    current_leaf_source_id: chat.history?.currentId ?? previous,
    messages,
    keepIds: false,
    extra: { system_prompt: system, pinned: !!meta.pinned },
  };
}

/** One chat record of the export array (or of a file holding one record). */
export function fromOpenWebUiRecord(raw: unknown): ImportedConversation[] {
  const r = OwuRecord.parse(raw);
  return [
    fromChat(r.chat, {
      id: r.id,
      title: r.title,
      created: r.created_at ?? undefined,
      updated: r.updated_at ?? undefined,
      pinned: r.pinned,
    }),
  ];
}

/** The bare inner `chat` object. */
export function fromOpenWebUiChat(raw: unknown): ImportedConversation[] {
  return [fromChat(OwuChat.parse(raw), {})];
}

export const isOpenWebUiRecord = (v: Record<string, unknown>) =>
  isRecord(v.chat) && (isRecord(v.chat.history) || Array.isArray(v.chat.messages));
export const isOpenWebUiChat = (v: Record<string, unknown>) => isRecord(v.history) && isRecord(v.history.messages);
