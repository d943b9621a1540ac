/** Message methods: send, stop, retry, regenerate, edit, react, and reading a thread or a whole tree. */
import { z } from 'zod';
import { Conversation, Id, Message, Reaction } from './model';
import type { ContractDomain } from './rpc';

export const MAX_MESSAGE_CHARS = 1_000_000;

export const SendInput = z
  .object({
    conversation_id: Id,
    content: z.string().trim().min(1, 'content must not be empty').max(MAX_MESSAGE_CHARS),
    parent_id: Id.nullable().optional(),
  })
  .strict();
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

export const messages = {
  'messages.send': { input: SendInput, output: SendOutput },
  'messages.stop': { input: ById, output: z.object({ stopped: z.boolean() }) },
  'messages.retry': { input: ById, output: z.object({ assistant_message_id: z.string() }) },
  /** Extends an answer that stopped at the length limit (`max_tokens`) or paused (`pause_turn`): the same message. */
  'messages.continue': { input: ById, output: z.object({ assistant_message_id: z.string() }) },
  'messages.regenerate': { input: ById, output: z.object({ assistant_message_id: z.string() }) },
  'messages.edit': {
    input: z.object({ message_id: Id, content: SendInput.shape.content }).strict(),
    output: SendOutput,
  },
  'messages.react': {
    input: z.object({ message_id: Id, value: Reaction.nullable(), comment: z.string().max(5000).nullable().optional() }).strict(),
    output: Message,
  },
  'messages.thread': {
    /** `tail`: only the last N messages of the thread (a window shows those first, then loads the whole tree). */
    input: z.object({ conversation_id: Id, tail: z.number().int().min(1).max(10_000).optional() }).strict(),
    output: Thread,
  },
  'messages.tree': { input: z.object({ conversation_id: Id }).strict(), output: Tree },
} satisfies ContractDomain;
