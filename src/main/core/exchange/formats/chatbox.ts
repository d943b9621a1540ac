/**
 * Chatbox's backup: `chat-sessions-list` plus one `session:<id>` key per conversation (the value is sometimes a JSON
 * string; older versions: every session inline under `chat-sessions`). Text is in `contentParts` (older: `content`); `messageForksHash[id]` holds the other branches after
 * message `id`, the one at `position` being the live tail of the list; earlier `threads` of a session are their own
 * conversations. Settings (API keys among them) are never read.
 * Shape seen in Chatbox's `src/shared/types/session.ts` and its fork switching code (`switchForkInMessages`).
 */
import { z } from 'zod';
import { HoldfastError } from '../../../../shared/errors';
import { isRecord, paragraphs, toMs, type ImportedConversation, type ImportedMessage } from './types';

const CbMessage = z
  .object({
    id: z.string(),
    role: z.string(),
    contentParts: z.array(z.unknown()).nullish(),
    content: z.string().nullish(),
    reasoningContent: z.string().nullish(),
    timestamp: z.number().nullish(),
    model: z.string().nullish(),
    error: z.string().nullish(),
    files: z.array(z.object({ name: z.string().nullish() }).passthrough()).nullish(),
    pictures: z.array(z.unknown()).nullish(),
  })
  .passthrough();
type CbMessage = z.infer<typeof CbMessage>;
const CbFork = z
  .object({
    position: z.number().int(),
    lists: z.array(z.object({ id: z.string().nullish(), messages: z.array(CbMessage) }).passthrough()),
  })
  .passthrough();
const CbSession = z
  .object({
    id: z.string(),
    name: z.string().nullish(),
    messages: z.array(CbMessage),
    threads: z
      .array(
        z
          .object({ id: z.string(), name: z.string().nullish(), messages: z.array(CbMessage), createdAt: z.number().nullish() })
          .passthrough(),
      )
      .nullish(),
    messageForksHash: z.record(z.string(), CbFork).nullish(),
  })
  .passthrough();
type CbSession = z.infer<typeof CbSession>;

function textOf(m: CbMessage): { text: string; thinking: string | null } {
  const text: string[] = [];
  const thinking: string[] = [m.reasoningContent ?? ''];
  for (const p of m.contentParts ?? []) {
    if (!isRecord(p)) continue;
    if (p.type === 'text' && typeof p.text === 'string') text.push(p.text);
    else if (p.type === 'reasoning' && typeof p.text === 'string') thinking.push(p.text);
    else if (p.type === 'image') text.push('[image]');
    else if (p.type === 'tool-call') text.push(`[tool: ${typeof p.toolName === 'string' ? p.toolName : 'tool'}]`);
  }
  if (!m.contentParts?.length && m.content) text.push(m.content);
  for (const _ of m.pictures ?? []) text.push('[image]');
  for (const f of m.files ?? []) text.push(`[file: ${f.name ?? 'attachment'}]`);
  return { text: paragraphs(text), thinking: paragraphs(thinking) || null };
}

/** One conversation from a list of messages, with every fork below it as a branch. */
function conversation(session: CbSession, list: CbMessage[], sourceId: string, title: string): ImportedConversation {
  const forks = session.messageForksHash ?? {};
  const messages: ImportedMessage[] = [];
  let system: string | null = null;
  let leaf: string | null = null;
  const used = new Set<string>(); // each fork once, however the file links them
  // A queue, not recursion: forks may nest as deep as a file likes.
  const queue: { list: CbMessage[]; parent: string | null; current: boolean }[] = [{ list, parent: null, current: true }];
  while (queue.length) {
    const { list: items, parent, current } = queue.shift()!;
    let previous = parent;
    for (const m of items) {
      const { text, thinking } = textOf(m);
      if (m.role === 'system') {
        system ??= text;
      } else if (m.role === 'user' || m.role === 'assistant') {
        messages.push({
          source_id: m.id,
          parent_source_id: previous,
          role: m.role,
          content: text,
          thinking,
          created_at: toMs(m.timestamp),
          model: m.model ?? null,
          status: m.error ? 'error' : 'completed',
          error: m.error ?? null,
        });
        previous = m.id;
        if (current) leaf = m.id;
      }
      const fork = forks[m.id];
      if (fork && !used.has(m.id)) {
        used.add(m.id);
        fork.lists.forEach((l, i) => {
          if (i !== fork.position) queue.push({ list: l.messages, parent: previous, current: false });
        });
      }
    }
  }
  const times = messages.map((m) => m.created_at).filter((t) => t > 0);
  const first = times.reduce((a, b) => Math.min(a, b), Infinity);
  const last = times.reduce((a, b) => Math.max(a, b), 0);
  return {
    source_id: sourceId,
    title,
    created_at: Number.isFinite(first) ? first : 0,
    updated_at: last,
    current_leaf_source_id: leaf,
    messages,
    keepIds: false,
    extra: { system_prompt: system },
  };
}

export function fromChatbox(raw: unknown): ImportedConversation[] {
  const backup = raw as Record<string, unknown>;
  const listed = Array.isArray(backup['chat-sessions-list']) ? backup['chat-sessions-list'] : [];
  const ids = new Set<string>(listed.flatMap((s) => (isRecord(s) && typeof s.id === 'string' ? [s.id] : [])));
  for (const key of Object.keys(backup)) if (key.startsWith('session:')) ids.add(key.slice('session:'.length));
  const out: ImportedConversation[] = [];
  // Older Chatbox versions kept every session inline under `chat-sessions` (its StorageKey.ChatSessions).
  const inline = new Map<string, unknown>();
  for (const v of Array.isArray(backup['chat-sessions']) ? backup['chat-sessions'] : []) {
    if (isRecord(v) && typeof v.id === 'string') {
      inline.set(v.id, v);
      ids.add(v.id);
    }
  }
  for (const id of ids) {
    let value = backup[`session:${id}`] ?? inline.get(id);
    if (value === undefined) continue; // listed without its messages: nothing to import
    if (typeof value === 'string') {
      try {
        value = JSON.parse(value);
      } catch {
        throw new HoldfastError('invalid_input', `session:${id} is not valid JSON`);
      }
    }
    const parsed = CbSession.safeParse(value);
    if (!parsed.success) throw new z.ZodError(parsed.error.issues.map((i) => ({ ...i, path: [`session:${id}`, ...i.path] })));
    const s = parsed.data;
    const name = s.name ?? '';
    for (const t of s.threads ?? []) out.push(conversation(s, t.messages, `${s.id}:thread:${t.id}`, t.name || name));
    out.push(conversation(s, s.messages, s.id, name));
  }
  return out;
}

export const isChatbox = (v: Record<string, unknown>) => Array.isArray(v['chat-sessions-list']) || Array.isArray(v['chat-sessions']);
