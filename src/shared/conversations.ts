/** Conversation methods: create, list, rename and settings, trash, the current branch. */
import { z } from 'zod';
import { Conversation, Id, ThinkingSetting } from './model';
import type { ContractDomain } from './rpc';

export const CreateConversationInput = z
  .object({
    title: z.string().max(500).optional(),
    model: z.string().min(1).max(200).optional(),
    provider_id: Id.optional(),
    system_prompt: z.string().max(100_000).optional(),
  })
  .strict();

export const UpdateConversationInput = z
  .object({
    id: Id,
    title: z.string().max(500).optional(),
    system_prompt: z.string().max(100_000).nullable().optional(),
    model: z.string().min(1).max(200).nullable().optional(),
    /** The provider that answers here from now on (null: the default); the history stays as it is. */
    provider_id: Id.nullable().optional(),
    max_tokens: z.number().int().min(1).max(128_000).nullable().optional(),
    temperature: z.number().min(0).max(1).nullable().optional(),
    /** Extended thinking: `{type: 'enabled', budget_tokens}` (≥ 1024, below max_tokens), `{type: 'adaptive'}`, or null (off). */
    thinking: ThinkingSetting.nullable().optional(),
    pinned: z.boolean().optional(),
  })
  .strict();

/** One page of the conversation list: pinned first, then newest activity first (ties by id, newest first). */
export const PageInput = z
  .object({
    /** At most this many (default 100). */
    limit: z.number().int().min(1).max(500).optional(),
    /** `next_cursor` of the page before; absent for the first page. */
    cursor: z.string().max(400).optional(),
  })
  .strict();
export const ConversationPage = z.object({
  items: z.array(Conversation),
  /** Pass as `cursor` for the next page; null on the last page. */
  next_cursor: z.string().nullable(),
  /** Live (not trashed) conversations in all, when this page was read. */
  total: z.number().int(),
});
export type ConversationPage = z.infer<typeof ConversationPage>;

/** Where a conversation sits in the list: the keyset the pages are cut by. */
export interface ListKey {
  pinned: boolean;
  updated_at: number;
  id: string;
}

/** Negative when `a` comes before `b` in the list (pinned first, newest activity first, then by id, newest first). */
export function compareListOrder(a: ListKey, b: ListKey): number {
  return Number(b.pinned) - Number(a.pinned) || b.updated_at - a.updated_at || (a.id === b.id ? 0 : b.id > a.id ? 1 : -1);
}

/** An opaque cursor: the list key of the last conversation on a page. */
export function encodeCursor(k: ListKey): string {
  return `${k.pinned ? 1 : 0}.${k.updated_at}.${k.id}`;
}
export function decodeCursor(cursor: string): ListKey | null {
  const m = /^([01])\.(\d{1,16})\.(.{1,300})$/.exec(cursor);
  return m ? { pinned: m[1] === '1', updated_at: Number(m[2]), id: m[3]! } : null;
}

export const conversations = {
  'conversations.create': { input: CreateConversationInput, output: Conversation, http: { method: 'POST', path: '/api/sessions' } },
  'conversations.list': {
    input: z.object({ trashed: z.boolean().optional() }).strict(),
    output: z.array(Conversation),
    http: { method: 'GET', path: '/api/sessions', query: { trashed: 'boolean' } },
  },
  /** With `limit` or `cursor`: one page `{items, next_cursor, total}`; without them the route is the whole list, as before. */
  'conversations.page': {
    input: PageInput,
    output: ConversationPage,
    http: { method: 'GET', path: '/api/sessions', query: { limit: 'number', cursor: 'string' }, when: ['limit', 'cursor'] },
  },
  'conversations.get': { input: z.object({ id: Id }).strict(), output: Conversation, http: { method: 'GET', path: '/api/sessions/:id' } },
  'conversations.update': { input: UpdateConversationInput, output: Conversation, http: { method: 'PATCH', path: '/api/sessions/:id' } },
  'conversations.trash': {
    input: z.object({ id: Id }).strict(),
    output: Conversation,
    http: { method: 'DELETE', path: '/api/sessions/:id' },
  },
  'conversations.restore': {
    input: z.object({ id: Id }).strict(),
    output: Conversation,
    http: { method: 'POST', path: '/api/sessions/:id/restore', body: false },
  },
  'conversations.emptyTrash': { input: z.object({}).strict(), output: z.object({ deleted: z.number() }) },
  'conversations.setLeaf': {
    input: z.object({ conversation_id: Id, message_id: Id }).strict(),
    output: Conversation,
    http: { method: 'PUT', path: '/api/sessions/:id/leaf', id: 'conversation_id' },
  },
} satisfies ContractDomain;
