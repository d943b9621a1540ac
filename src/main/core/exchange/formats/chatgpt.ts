/**
 * ChatGPT's export: a `mapping` of nodes linked by `children` and `parent`. Hidden and system nodes are left out; what
 * the person saw from tools (canvas documents, code and its output, generated images) and the model's reasoning are
 * carried down the tree to the reply they belong to.
 */
import { z } from 'zod';
import { isRecord, paragraphs, toMs, type ImportedConversation, type ImportedFile, type ImportedMessage } from './types';

const GptMessage = z
  .object({
    id: z.string(),
    author: z.object({ role: z.string(), name: z.string().nullish() }).passthrough(),
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
type GptMessage = z.infer<typeof GptMessage>;
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

/** What a part that is not text shows as; internal pointer names never reach the person. */
function partLabel(type: string): string {
  if (type === 'image_asset_pointer') return '[image]';
  if (/audio/.test(type)) return '[voice message]';
  if (/video/.test(type)) return '[video]';
  return '[attachment]';
}

function gptText(m: GptMessage): string {
  const out: string[] = [];
  let voice = false;
  for (const p of m.content.parts ?? (m.content.text != null ? [m.content.text] : [])) {
    if (typeof p === 'string') {
      out.push(p);
      continue;
    }
    const part = isRecord(p) ? p : {};
    const type = typeof part.content_type === 'string' ? part.content_type : 'attachment';
    if (type === 'audio_transcription') out.push(typeof part.text === 'string' ? part.text : '');
    else if (partLabel(type) === '[voice message]') voice = true;
    else out.push(partLabel(type));
  }
  const files = (m.metadata?.attachments ?? []).map(filePlaceholder);
  return [...(voice ? ['[voice message]'] : []), ...out, ...files]
    .filter((s) => s !== '')
    .join('\n')
    .trim();
}

/** The line a listed file shows as in the text (until the file itself is kept from a zip). */
function filePlaceholder(a: { name?: unknown }): string {
  return `[file: ${typeof a.name === 'string' ? a.name : 'attachment'}]`;
}

/**
 * The files a message carried: uploaded images (`image_asset_pointer` parts, `file-service://file-…` or
 * `sediment://file_…`) and attached files (`metadata.attachments`, by id), named as the export names them. The zip
 * holds the bytes as `file-…-name.ext` or `file_….ext` (shape seen in published ChatGPT export readers).
 */
export function gptFiles(m: GptMessage): ImportedFile[] {
  const out = new Map<string, ImportedFile>();
  const meta = (m.metadata?.attachments ?? []) as { id?: unknown; name?: unknown; mime_type?: unknown }[];
  for (const p of m.content.parts ?? []) {
    if (!isRecord(p) || p.content_type !== 'image_asset_pointer' || typeof p.asset_pointer !== 'string') continue;
    const ref = p.asset_pointer.replace(/^[a-z-]+:\/\//, '');
    if (!/^file[-_][\w-]+$/.test(ref)) continue;
    const known = meta.find((a) => a.id === ref);
    out.set(ref, {
      ref,
      name: typeof known?.name === 'string' ? known.name : `${ref}.png`,
      mime: typeof known?.mime_type === 'string' ? known.mime_type : null,
      placeholders: [partLabel('image_asset_pointer'), ...(known ? [filePlaceholder(known)] : [])],
    });
  }
  for (const a of meta) {
    if (typeof a.id !== 'string' || !/^file[-_][\w-]+$/.test(a.id) || out.has(a.id)) continue;
    out.set(a.id, {
      ref: a.id,
      name: typeof a.name === 'string' ? a.name : a.id,
      mime: typeof a.mime_type === 'string' ? a.mime_type : null,
      placeholders: [filePlaceholder(a)],
    });
  }
  return [...out.values()];
}

function visible(m: GptMessage | null | undefined): m is GptMessage {
  if (!m) return false;
  if (m.author.role !== 'user' && m.author.role !== 'assistant') return false;
  if (m.metadata?.is_visually_hidden_from_conversation) return false;
  if (m.recipient && m.recipient !== 'all') return false;
  if (!['text', 'multimodal_text'].includes(m.content.content_type)) return false;
  return gptText(m) !== '';
}

/** What tools and reasoning left on the way to the next reply, carried along one path of the tree. */
interface Pending {
  parts: string[];
  thinking: string[];
  prompt: string | null;
  lastId: string | null;
}
interface Doc {
  name: string;
  type: string;
  content: string;
}
const EMPTY: Pending = { parts: [], thinking: [], prompt: null, lastId: null };

const parseJson = (text: string | null | undefined): Record<string, unknown> | null => {
  try {
    const v: unknown = JSON.parse(text ?? '');
    return isRecord(v) ? v : null;
  } catch {
    return null; // not JSON: the caller shows the text as it is
  }
};
const str = (v: unknown): string => (typeof v === 'string' ? v : '');

function showDoc(doc: Doc, updated: boolean): string {
  const lang = doc.type.startsWith('code/') ? doc.type.slice(5) : null;
  const body = lang ? fence(doc.content, lang) : doc.content;
  return `**Document: ${doc.name || 'untitled'}**${updated ? ' (updated)' : ''}\n\n${body}`;
}

function fence(text: string, lang = ''): string {
  let longest = 2;
  for (const m of text.matchAll(/`{3,}/g)) longest = Math.max(longest, m[0].length);
  const ticks = '`'.repeat(longest + 1);
  return `${ticks}${lang}\n${text.replace(/\n$/, '')}\n${ticks}`;
}

/** A pattern that selects the whole document (what canvas asks the model to use for a rewrite). */
const WHOLE_DOCUMENT = /^\^?\(?\.[*+]\)?\$?$/;

/**
 * Applies canvas updates; null when one cannot apply. A pattern is never run as a regular expression (a hostile file
 * could make one backtrack for hours): the whole-document pattern replaces everything, any other is matched as text.
 */
function applyUpdates(content: string, updates: unknown[]): string | null {
  let out = content;
  for (const u of updates) {
    if (!isRecord(u)) return null;
    const pattern = str(u.pattern);
    const replacement = str(u.replacement);
    if (WHOLE_DOCUMENT.test(pattern)) {
      out = replacement;
      continue;
    }
    const literal = pattern.replace(/\\(.)/g, '$1'); // \. \( and the like stand for themselves
    if (!literal || !out.includes(literal)) return null;
    out = u.multiple ? out.split(literal).join(replacement) : out.replace(literal, () => replacement);
  }
  return out;
}

/** What a hidden node adds to the next reply, and the canvas document it leaves behind. */
function contribution(m: GptMessage, pending: Pending, doc: Doc | null): { pending: Pending; doc: Doc | null } {
  const c = m.content;
  const add = (part: string | null, thinking: string | null = null, prompt = pending.prompt) => ({
    pending: {
      parts: part ? [...pending.parts, part] : pending.parts,
      thinking: thinking ? [...pending.thinking, thinking] : pending.thinking,
      prompt,
      lastId: part || thinking ? m.id : pending.lastId,
    },
    doc,
  });
  const recipient = m.recipient ?? 'all';
  if (m.author.role === 'assistant' && c.content_type === 'thoughts') {
    const thoughts = Array.isArray(c.thoughts) ? c.thoughts : [];
    const text = paragraphs(
      thoughts.map((t) => (isRecord(t) ? paragraphs([t.summary ? `**${str(t.summary)}**` : '', str(t.content)]) : '')),
    );
    return add(null, text || null);
  }
  if (m.author.role === 'assistant' && c.content_type === 'reasoning_recap') return add(null, str(c.content) || null);
  if (m.author.role === 'assistant' && recipient.startsWith('canmore.')) {
    const call = parseJson(c.text);
    if (recipient === 'canmore.create_textdoc' && call) {
      const created: Doc = { name: str(call.name), type: str(call.type) || 'document', content: str(call.content) };
      return { ...add(showDoc(created, false)), doc: created };
    }
    if (recipient === 'canmore.update_textdoc' && call && Array.isArray(call.updates)) {
      const next = doc ? applyUpdates(doc.content, call.updates) : null;
      if (doc && next !== null) {
        const updated = { ...doc, content: next };
        return { ...add(showDoc(updated, true)), doc: updated };
      }
      const replacements = call.updates.map((u) => (isRecord(u) ? str(u.replacement) : '')).join('\n\n');
      return add(showDoc({ name: doc?.name ?? '', type: doc?.type ?? 'document', content: replacements }, true));
    }
    return add(null);
  }
  if (m.author.role === 'assistant' && recipient === 'python' && c.content_type === 'code')
    return add(c.text ? fence(c.text, 'python') : null);
  if (m.author.role === 'assistant' && recipient !== 'all' && c.content_type === 'code') {
    // An image request (dall-e or image generation): its prompt labels the image that comes back.
    const prompt = str(parseJson(c.text)?.prompt);
    return add(null, null, prompt || pending.prompt);
  }
  if (m.author.role === 'tool' && c.content_type === 'execution_output') return add(c.text ? fence(c.text, 'text') : null);
  if (m.author.role === 'tool' && Array.isArray(c.parts)) {
    const images = c.parts.filter((p) => isRecord(p) && p.content_type === 'image_asset_pointer') as Record<string, unknown>[];
    if (images.length) {
      const labels = images.map((p) => {
        const meta = isRecord(p.metadata) ? p.metadata : {};
        const prompt = str(isRecord(meta.dalle) ? meta.dalle.prompt : '') || pending.prompt;
        return prompt ? `[generated image: ${prompt}]` : '[generated image]';
      });
      return add(labels.join('\n'), null, null);
    }
  }
  return add(null);
}

export function fromChatGpt(raw: unknown): ImportedConversation[] {
  const c = GptConversation.parse(raw);
  const created = toMs(c.create_time);
  const ids = Object.keys(c.mapping);
  const parentOf = (id: string) => {
    const p = c.mapping[id]!.parent;
    return p && p !== id && c.mapping[p] ? p : null;
  };
  // Children from both directions: some exporters fill only `parent` (every `children` empty), some only `children`.
  const kids = new Map<string, Set<string>>(ids.map((id) => [id, new Set<string>()]));
  for (const id of ids) for (const k of c.mapping[id]!.children ?? []) if (c.mapping[k] && k !== id) kids.get(id)!.add(k);
  const listed = new Set(ids.flatMap((id) => [...kids.get(id)!]));
  for (const id of ids) {
    const p = parentOf(id);
    if (p) kids.get(p)!.add(id);
  }
  const time = (id: string) => c.mapping[id]!.message?.create_time ?? 0;

  const messages: ImportedMessage[] = [];
  const keptAncestor = new Map<string, string | null>();
  const seen = new Set<string>();
  let cyclesBroken = 0;
  type Frame = [id: string, above: string | null, pending: Pending, doc: Doc | null];
  const walk = (start: string) => {
    const stack: Frame[] = [[start, null, EMPTY, null]];
    while (stack.length) {
      const [id, above, before, docBefore] = stack.pop()!;
      if (seen.has(id)) continue;
      seen.add(id);
      const m = c.mapping[id]!.message;
      let here = above;
      let pending = before;
      let doc = docBefore;
      const flush = (suffix: string) => {
        if (!pending.parts.length && !pending.thinking.length) return;
        const sid = `${pending.lastId ?? id}:${suffix}`;
        messages.push({
          source_id: sid,
          parent_source_id: here,
          role: 'assistant',
          content: paragraphs(pending.parts),
          thinking: paragraphs(pending.thinking) || null,
          created_at: toMs(m?.create_time, created),
        });
        here = sid;
        pending = EMPTY;
      };
      if (visible(m)) {
        if (m.author.role === 'user') flush(id);
        const assistant = m.author.role === 'assistant';
        messages.push({
          source_id: id,
          parent_source_id: here,
          role: m.author.role as 'user' | 'assistant',
          content: assistant ? paragraphs([...pending.parts, gptText(m)]) : gptText(m),
          ...(gptFiles(m).length ? { files: gptFiles(m) } : {}),
          thinking: assistant ? paragraphs(pending.thinking) || null : null,
          created_at: toMs(m.create_time, created),
        });
        if (assistant) pending = EMPTY;
        here = id;
      } else if (m) {
        ({ pending, doc } = contribution(m, pending, doc));
      }
      const children = [...kids.get(id)!].filter((k) => !seen.has(k));
      if (!children.length) flush('end');
      keptAncestor.set(id, here);
      for (const child of children.reverse()) stack.push([child, here, pending, doc]);
    }
  };
  // A node some other node lists as its child is not a root, even when its own `parent` is empty.
  const roots = ids.filter((id) => !parentOf(id) && !listed.has(id));
  for (const r of roots) walk(r);
  // Whatever no root reaches hangs below a cycle (nodes each other's parent): start again at the cycle's earliest
  // node. One walk reaches everything below the cycle, so each node is followed upward at most once.
  for (const id of ids) {
    if (seen.has(id)) continue;
    const chain: string[] = [];
    const onChain = new Map<string, number>();
    let x: string | null = id;
    while (x !== null && !onChain.has(x) && !seen.has(x)) {
      onChain.set(x, chain.length);
      chain.push(x);
      x = c.mapping[x]!.parent ?? null;
      if (x !== null && !c.mapping[x]) x = null;
    }
    const cycle = x !== null && onChain.has(x) ? chain.slice(onChain.get(x)) : [id];
    if (cycle.length > 1 || x === id) cyclesBroken++;
    walk(cycle.reduce((a, b) => (time(b) < time(a) ? b : a)));
  }
  const leaf = c.current_node ? (keptAncestor.get(c.current_node) ?? null) : null;
  return [
    {
      source_id: c.conversation_id ?? c.id ?? `${c.title ?? ''}@${c.create_time ?? 0}`,
      title: c.title ?? '',
      created_at: created,
      updated_at: toMs(c.update_time ?? c.create_time),
      current_leaf_source_id: leaf,
      messages,
      keepIds: false,
      cyclesBroken,
    },
  ];
}
