/**
 * LibreChat's conversation export (one conversation per file): `messages` (or the older `messagesTree`), either
 * nested (`recursive: true`, each message's `children`) or flat, linked by `parentMessageId` (the all-zero id is no
 * parent); several roots are possible. The newest leaf becomes the current branch.
 * Shape seen in LibreChat's import code and fixtures (`api/server/utils/import/__data__/librechat-tree.json`,
 * `librechat-opts-nonr-branches.json`).
 */
import { z } from 'zod';
import { isRecord, paragraphs, toMs, type ImportedConversation, type ImportedMessage } from './types';

const NO_PARENT = '00000000-0000-0000-0000-000000000000';
const LcMessage = z
  .object({
    messageId: z.string(),
    parentMessageId: z.string().nullish(),
    text: z.string().nullish(),
    content: z.array(z.unknown()).nullish(),
    isCreatedByUser: z.boolean().nullish(),
    sender: z.string().nullish(),
    createdAt: z.union([z.string(), z.number()]).nullish(),
    model: z.string().nullish(),
    children: z.array(z.unknown()).nullish(),
    error: z.boolean().nullish(),
    unfinished: z.boolean().nullish(),
  })
  .passthrough();
export const LcConversation = z
  .object({
    conversationId: z.string(),
    title: z.string().nullish(),
    recursive: z.boolean().nullish(),
    messages: z.array(z.unknown()).nullish(),
    messagesTree: z.array(z.unknown()).nullish(),
    options: z.object({ promptPrefix: z.string().nullish(), model: z.string().nullish() }).passthrough().nullish(),
    promptPrefix: z.string().nullish(),
    createdAt: z.union([z.string(), z.number()]).nullish(),
    updatedAt: z.union([z.string(), z.number()]).nullish(),
  })
  .passthrough();

const valueOf = (v: unknown): string => (typeof v === 'string' ? v : isRecord(v) && typeof v.value === 'string' ? v.value : '');

function partsOf(m: z.infer<typeof LcMessage>): { text: string; thinking: string | null } {
  const text: string[] = [];
  const thinking: string[] = [];
  for (const p of m.content ?? []) {
    if (!isRecord(p)) continue;
    if (p.type === 'text') text.push(valueOf(p.text));
    else if (p.type === 'think') thinking.push(valueOf(p.think));
    else if (p.type === 'tool_call' && isRecord(p.tool_call)) text.push(`[tool: ${valueOf(p.tool_call.name) || 'tool'}]`);
    else if (p.type === 'image_file' || p.type === 'image_url') text.push('[image]');
  }
  return { text: m.text?.trim() ? m.text : paragraphs(text), thinking: paragraphs(thinking) || null };
}

export function fromLibreChat(raw: unknown): ImportedConversation[] {
  const c = LcConversation.parse(raw);
  const top = c.messages ?? c.messagesTree ?? [];
  const fallback = toMs(c.createdAt, 0);
  const messages: (ImportedMessage & { order: number })[] = [];
  const hasChildren = new Set<string>();
  // Walked with an explicit stack: a hostile file may nest far deeper than the call stack allows.
  const stack: { raw: unknown; path: string; parent: string | null | undefined; time: number }[] = top
    .map((m, i) => ({ raw: m, path: `messages.${i}`, parent: undefined, time: fallback }))
    .reverse();
  while (stack.length) {
    const { raw: item, path, parent, time } = stack.pop()!;
    const parsed = LcMessage.safeParse(item);
    if (!parsed.success) throw new z.ZodError(parsed.error.issues.map((i) => ({ ...i, path: [...path.split('.'), ...i.path] })));
    const m = parsed.data;
    const declared = m.parentMessageId && m.parentMessageId !== NO_PARENT ? m.parentMessageId : null;
    const created = toMs(m.createdAt, time);
    const { text, thinking } = partsOf(m);
    const parentId = c.recursive && parent !== undefined ? parent : declared;
    if (parentId) hasChildren.add(parentId);
    messages.push({
      source_id: m.messageId,
      parent_source_id: parentId,
      role: (m.isCreatedByUser ?? m.sender === 'User') ? 'user' : 'assistant',
      content: text,
      thinking,
      created_at: created,
      model: m.model ?? null,
      status: m.error ? 'error' : m.unfinished ? 'cancelled' : 'completed',
      order: messages.length,
    });
    const kids = c.recursive ? (m.children ?? []) : [];
    for (let i = kids.length - 1; i >= 0; i--)
      stack.push({ raw: kids[i], path: `${path}.children.${i}`, parent: m.messageId, time: created });
  }
  // The newest leaf is the branch shown; a leaf without a time counts by its place in the file.
  const leaves = messages.filter((m) => !hasChildren.has(m.source_id));
  const newest = leaves.reduce<(typeof messages)[number] | null>(
    (a, b) => (!a || b.created_at > a.created_at || (b.created_at === a.created_at && b.order > a.order) ? b : a),
    null,
  );
  let created = Infinity;
  let updated = 0;
  for (const m of messages) {
    created = Math.min(created, m.created_at);
    updated = Math.max(updated, m.created_at);
  }
  if (!Number.isFinite(created)) created = fallback;
  return [
    {
      source_id: c.conversationId,
      title: c.title ?? '',
      created_at: fallback || created,
      updated_at: toMs(c.updatedAt, Math.max(created, updated)),
      current_leaf_source_id: newest?.source_id ?? null,
      messages: messages.map(({ order: _order, ...m }) => m),
      keepIds: false,
      // The source app's model is not carried over: it names another provider's model.
      extra: { system_prompt: c.options?.promptPrefix ?? c.promptPrefix ?? null },
    },
  ];
}

export const isLibreChat = (v: Record<string, unknown>) =>
  typeof v.conversationId === 'string' && (Array.isArray(v.messages) || Array.isArray(v.messagesTree));
