/** The window's replica of the database: conversations, the trees it has opened, and where it is in the change log. */
import { create } from 'zustand';
import type { Conversation, Message } from '../../../shared/model';
import type { AppStatus } from '../../../shared/sync';
import type { ConnectionState } from '../api/transport';
import type { ErrorCode } from '../../../shared/errors';

/** What the error banner shows: which action failed, the reason, and what the person can do about it. */
export interface Failure {
  action: string;
  message: string;
  hint: string;
  code: ErrorCode;
}

export interface TreeState {
  messages: Record<string, Message>;
  /** Bumped when a message is added: the thread's shape can only change then (or when the leaf moves). */
  structure: number;
  /** False while only the tail of the thread is here; events keep a complete tree current with no refetch. */
  complete: boolean;
}

export interface HoldfastState {
  connection: ConnectionState;
  lastSeq: number | null;
  status: AppStatus | null;
  conversations: Record<string, Conversation>;
  trees: Record<string, TreeState>;
  currentId: string | null;
  /** A message to scroll to and highlight (search results, new answers). */
  focusMessageId: string | null;
  error: Failure | null;
  notice: string | null;
  importProgress: { bytes: number; total: number; conversations: number } | null;
}

/** The state of a window that has heard nothing yet (also what tests reset to). */
export const initialState = (): HoldfastState => ({
  connection: 'connecting',
  lastSeq: null,
  status: null,
  conversations: {},
  trees: {},
  currentId: null,
  focusMessageId: null,
  error: null,
  notice: null,
  importProgress: null,
});

export const useHoldfast = create<HoldfastState>(initialState);

const set = useHoldfast.setState;
const get = useHoldfast.getState;

export function upsertConversation(c: Conversation): void {
  set((s) => ({ conversations: { ...s.conversations, [c.id]: c } }));
}

export function removeConversation(id: string): void {
  set((s) => {
    const { [id]: _gone, ...conversations } = s.conversations;
    const { [id]: _tree, ...trees } = s.trees;
    return { conversations, trees, currentId: s.currentId === id ? null : s.currentId };
  });
}

export function setTree(conversationId: string, messages: Message[], complete = true): void {
  const map: Record<string, Message> = {};
  for (const m of messages) map[m.id] = m;
  set((s) => ({
    trees: { ...s.trees, [conversationId]: { messages: map, structure: (s.trees[conversationId]?.structure ?? 0) + 1, complete } },
  }));
}

/** Applies a whole message row if its conversation is loaded. */
export function upsertMessage(m: Message): void {
  const tree = get().trees[m.conversation_id];
  if (!tree) return;
  const isNew = !tree.messages[m.id];
  set((s) => ({
    trees: {
      ...s.trees,
      [m.conversation_id]: { ...tree, messages: { ...tree.messages, [m.id]: m }, structure: tree.structure + (isNew ? 1 : 0) },
    },
  }));
}

export interface PendingChunk {
  conversation_id: string;
  message_id: string;
  offset: number;
  text: string;
  /** `thinking`: the offset is into the thinking; `redacted`: a redacted block arrived; absent: answer text. */
  kind?: 'text' | 'thinking' | 'redacted';
}

/**
 * Appends streamed text at each chunk's `offset`, all in one state update. Idempotent: text already held is skipped.
 * Returns false if any chunk leaves a gap (text missing before its offset), so the caller catches up from the log.
 */
export function appendChunks(chunks: PendingChunk[]): boolean {
  let ok = true;
  set((s) => {
    const trees = { ...s.trees };
    for (const c of chunks) {
      const tree = trees[c.conversation_id];
      const m = tree?.messages[c.message_id];
      if (!tree || !m) continue; // not loaded here: nothing to keep in step
      const status = m.status === 'queued' ? ('generating' as const) : m.status;
      let next: Message;
      if (c.kind === 'redacted') {
        if (m.thinking_redacted) continue;
        next = { ...m, thinking_redacted: true, status };
      } else {
        const thinking = c.kind === 'thinking';
        const held = thinking ? (m.thinking ?? '') : m.content;
        const have = held.length;
        if (c.offset > have) {
          ok = false;
          continue;
        }
        if (c.offset + c.text.length <= have) continue;
        const grown = held + c.text.slice(have - c.offset);
        next = thinking ? { ...m, thinking: grown, status } : { ...m, content: grown, status };
      }
      trees[c.conversation_id] = { ...tree, messages: { ...tree.messages, [c.message_id]: next } };
    }
    return { trees };
  });
  return ok;
}

export function dropTrees(): void {
  set({ trees: {} });
}
