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

export const conversations = {
  'conversations.create': { input: CreateConversationInput, output: Conversation, http: { method: 'POST', path: '/api/sessions' } },
  'conversations.list': {
    input: z.object({ trashed: z.boolean().optional() }).strict(),
    output: z.array(Conversation),
    http: { method: 'GET', path: '/api/sessions', query: { trashed: 'boolean' } },
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
