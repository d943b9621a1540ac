/** Message methods: send, stop, retry, regenerate, edit, react, and reading a thread or a whole tree. */
import { z } from 'zod';
import { Conversation, Id, Message, MessageStatus, Reaction } from './model';
import type { ContractDomain, HttpRoute } from './rpc';
import { MAX_ATTACHMENTS_PER_MESSAGE } from './attachments';

export const MAX_MESSAGE_CHARS = 1_000_000;

/**
 * A message's text as it is kept: blank lines before it and whitespace after it go, the first line's indentation stays
 * (pasted code or a quoted block starts with it).
 */
export function tidyMessage(text: string): string {
  return text.replace(/^(?:[ \t]*\r?\n)+/, '').trimEnd();
}

/** A message's text: may be empty only when the message carries files (a screenshot sent alone). */
const Content = z.string().max(MAX_MESSAGE_CHARS).transform(tidyMessage);
const Attachments = z.array(Id).max(MAX_ATTACHMENTS_PER_MESSAGE).optional();
const hasTextOrFiles = (m: { content: string; attachments?: string[] | undefined }) => m.content.length > 0 || !!m.attachments?.length;
const EMPTY = { message: 'content must not be empty unless the message carries attachments', path: ['content'] };

export const SendInput = z
  .object({
    conversation_id: Id,
    content: Content,
    parent_id: Id.nullable().optional(),
    /** Files stored with `POST /api/attachments` (or `attachments.add`), in the order they are shown and sent. */
    attachments: Attachments,
  })
  .strict()
  .refine(hasTextOrFiles, EMPTY);
export type SendInput = z.infer<typeof SendInput>;

export const SendOutput = z.object({ user_message_id: z.string(), assistant_message_id: z.string() });
export type SendOutput = z.infer<typeof SendOutput>;

/** A message in a thread, with what the UI needs to show its branch position. */
export const ThreadMessage = Message.extend({ sibling_ids: z.array(z.string()) });
export type ThreadMessage = z.infer<typeof ThreadMessage>;

export const Thread = z.object({ conversation: Conversation, messages: z.array(ThreadMessage) });
export type Thread = z.infer<typeof Thread>;

export const Tree = z.object({ current_leaf_id: z.string().nullable(), messages: z.array(Message) });

const ById = z.object({ message_id: Id }).strict();
const byId = (method: HttpRoute['method'], path: string): HttpRoute => ({ method, path, id: 'message_id', body: false });

/** A conversation's live generation, if any (`GET /api/sessions/:id/status`). */
export const SessionStatus = z.object({
  has_active_generation: z.boolean(),
  generating_message_id: z.string().nullable(),
  status: MessageStatus.nullable(),
  last_updated: z.number(),
  partial_content: z.string().nullable(),
});
export type SessionStatus = z.infer<typeof SessionStatus>;

export const messages = {
  'messages.send': {
    input: SendInput,
    output: SendOutput,
    http: { method: 'POST', path: '/api/sessions/:id/messages', id: 'conversation_id' },
  },
  'messages.stop': { input: ById, output: z.object({ stopped: z.boolean() }), http: byId('POST', '/api/messages/:id/stop') },
  'messages.retry': { input: ById, output: z.object({ assistant_message_id: z.string() }), http: byId('POST', '/api/messages/:id/retry') },
  /** Extends an answer that stopped at the length limit (`max_tokens`) or paused (`pause_turn`): the same message. */
  'messages.continue': {
    input: ById,
    output: z.object({ assistant_message_id: z.string() }),
    http: byId('POST', '/api/messages/:id/continue'),
  },
  'messages.regenerate': {
    input: ById,
    output: z.object({ assistant_message_id: z.string() }),
    http: byId('POST', '/api/messages/:id/regenerate'),
  },
  'messages.edit': {
    input: z.object({ message_id: Id, content: Content, attachments: Attachments }).strict().refine(hasTextOrFiles, EMPTY),
    output: SendOutput,
    http: { method: 'POST', path: '/api/messages/:id/edit', id: 'message_id' },
  },
  'messages.react': {
    input: z.object({ message_id: Id, value: Reaction.nullable(), comment: z.string().max(5000).nullable().optional() }).strict(),
    output: Message,
    http: { method: 'PUT', path: '/api/messages/:id/reaction', id: 'message_id' },
  },
  'messages.thread': {
    /** `tail`: only the last N messages of the thread (a window shows those first, then loads the whole tree). */
    input: z.object({ conversation_id: Id, tail: z.number().int().min(1).max(10_000).optional() }).strict(),
    output: Thread,
    /** REST scripts get the thread's messages only (the route's public shape). */
    http: { method: 'GET', path: '/api/sessions/:id/messages', id: 'conversation_id', field: 'messages' },
  },
  'messages.tree': {
    input: z.object({ conversation_id: Id }).strict(),
    output: Tree,
    http: { method: 'GET', path: '/api/sessions/:id/tree', id: 'conversation_id' },
  },
  /** What scripts poll while an answer streams: no full-thread read. */
  'messages.status': {
    input: z.object({ conversation_id: Id }).strict(),
    output: SessionStatus,
    http: { method: 'GET', path: '/api/sessions/:id/status', id: 'conversation_id' },
  },
} satisfies ContractDomain;
