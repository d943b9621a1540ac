/** Sync: the change log a window catches up from, and the events pushed to every window. */
import { z } from 'zod';
import { Conversation, Message, NetworkState } from './model';
import type { ContractDomain } from './rpc';

export const PullOutput = z.object({
  /** The newest seq this answer covers; ask for changes after it next time. */
  seq: z.number(),
  /** True when this is a snapshot (no `since`, or the log could not answer): drop what you hold. */
  reset: z.boolean(),
  conversations: z.array(Conversation),
  /** Messages changed since `since` (never on a reset: load threads on demand). */
  messages: z.array(Message),
  /** Conversations removed for good (trash emptied) since `since`. */
  deleted_conversation_ids: z.array(z.string()),
  network: NetworkState,
  /** On a snapshot: `conversations` is the list's first page; page on with `conversations.page` from this cursor (null: all here). */
  next_cursor: z.string().nullable().optional(),
  /** On a snapshot: live conversations in all. */
  total: z.number().int().optional(),
});
export type PullOutput = z.infer<typeof PullOutput>;

export const AppStatus = z.object({
  network: NetworkState,
  provider: z.string(),
  model: z.string(),
  demo: z.boolean(),
  queued_message_ids: z.array(z.string()),
  waiting_message_ids: z.array(z.string()),
  /** Answers whose local endpoint is still loading the model (shown as "loading model"). Optional for older hosts. */
  loading_message_ids: z.array(z.string()).optional(),
  /** Conversations with an answer streaming or queued: the list marks them. */
  generating_conversation_ids: z.array(z.string()),
  /**
   * The database's health. `disk_full`: writes fail for lack of space; what was received is kept in memory, shown
   * live and retried. `unsaved_message_ids`: answers whose latest text is in memory only. `damaged`: what the
   * background integrity check found (writes have stopped; restart to restore the latest good backup), or null.
   */
  storage: z.object({ disk_full: z.boolean(), unsaved_message_ids: z.array(z.string()), damaged: z.string().nullable() }),
  /**
   * Each provider's own reachability (`network` above is the default provider's): the status bar shows the one of the
   * conversation in view. Optional for older hosts.
   */
  providers: z.array(z.object({ id: z.string(), name: z.string(), network: NetworkState })).optional(),
  /** The provider a conversation without its own (or with a removed one) is answered by. */
  default_provider_id: z.string().optional(),
  /**
   * Answers queued or waiting for the network, by the id of the provider that will write them: the status bar counts
   * those of the shown conversation's provider, not every provider's. Optional for older hosts.
   */
  waiting_by_provider: z.record(z.string(), z.number()).optional(),
});
export type AppStatus = z.infer<typeof AppStatus>;

export const WatchOutput = z.object({
  seq: z.number(),
  /** The log cannot answer from `since`: reload those trees. */
  reset: z.boolean(),
  /** Messages of the watched conversations changed after `since` (none without `since`). */
  messages: z.array(Message),
});
export type WatchOutput = z.infer<typeof WatchOutput>;

export const sync = {
  /**
   * Which conversations this window shows: from now on it hears chunks and message changes of these only (list-level
   * changes always). With `since`, returns their messages changed after it.
   */
  'sync.watch': {
    input: z
      .object({ conversation_ids: z.array(z.string().min(1).max(200)).max(50), since: z.number().int().min(0).nullable().optional() })
      .strict(),
    output: WatchOutput,
  },
  'sync.pull': {
    input: z.object({ since: z.number().int().min(0).nullable().optional() }).strict(),
    output: PullOutput,
  },
  'app.status': { input: z.object({}).strict(), output: AppStatus, http: { method: 'GET', path: '/api/status' } },
} satisfies ContractDomain;

/** A row changed; `seq` is its place in the change log. Carries the full row. */
export const ChangeEvent = z.discriminatedUnion('entity', [
  z.object({ type: z.literal('sync.didChange'), seq: z.number(), entity: z.literal('conversation'), data: Conversation }),
  z.object({ type: z.literal('sync.didChange'), seq: z.number(), entity: z.literal('message'), data: Message }),
]);
/** A piece of streamed text, pushed as it arrives (before its group commit); `offset` makes it idempotent. */
export const ChunkEvent = z.object({
  type: z.literal('messages.didAppendChunk'),
  seq: z.number(),
  message_id: z.string(),
  conversation_id: z.string(),
  offset: z.number(),
  text: z.string(),
  /** `thinking`: the offset is into the message's thinking; `redacted`: a redacted thinking block arrived (no text). Absent: answer text. */
  kind: z.enum(['text', 'thinking', 'redacted']).optional(),
});
export const DeleteEvent = z.object({
  type: z.literal('sync.didDelete'),
  seq: z.number(),
  entity: z.literal('conversation'),
  id: z.string(),
});
export const NetworkEvent = z.object({ type: z.literal('app.didChangeStatus'), seq: z.number(), status: AppStatus });

export const ImportProgressEvent = z.object({
  type: z.literal('exchange.didProgress'),
  seq: z.number(),
  bytes: z.number(),
  total: z.number(),
  conversations: z.number(),
  done: z.boolean(),
});

/** Every event the core sends to windows and scripts, by its `type`: the one list the event union is derived from. */
export const events = {
  'sync.didChange': ChangeEvent,
  'sync.didDelete': DeleteEvent,
  'messages.didAppendChunk': ChunkEvent,
  'app.didChangeStatus': NetworkEvent,
  'exchange.didProgress': ImportProgressEvent,
} as const;
export type EventName = keyof typeof events;
// Each event's schema must carry its own name as `type`: a wrong key is a compile error.
events satisfies { [K in EventName]: z.ZodType<{ type: K }> };

export type ChangeEvent = z.infer<typeof ChangeEvent>;
export type ChunkEvent = z.infer<typeof ChunkEvent>;
export type NetworkEvent = z.infer<typeof NetworkEvent>;
export type DeleteEvent = z.infer<typeof DeleteEvent>;
export type ImportProgressEvent = z.infer<typeof ImportProgressEvent>;
export type HoldfastEvent = { [K in EventName]: z.infer<(typeof events)[K]> }[EventName];
