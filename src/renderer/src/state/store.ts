/** The window's replica of the database: conversations, the trees it has opened, and where it is in the change log. */
import { create } from 'zustand';
import type { Conversation, Message } from '../../../shared/model';
import type { AppStatus } from '../../../shared/sync';
import type { ConnectionState } from '../api/transport';
import type { ErrorCode } from '../../../shared/errors';
import { compareListOrder, decodeCursor, type ConversationPage, type ListKey } from '../../../shared/conversations';

/** What the error banner shows: which action failed, the reason, and what the person can do about it. */
export interface Failure {
  action: string;
  message: string;
  hint: string;
  code: ErrorCode;
}

export interface TreeState {
  messages: Record<string, Message>;
  /** Changed when a message is added: the thread's shape can only change then (or when the leaf moves). Unique across
   * trees and reloads (one counter), so a thread derived from a dropped copy never passes for the new one. */
  structure: number;
  /** False while only the tail of the thread is here; events keep a complete tree current with no refetch. */
  complete: boolean;
  /** Set while the window shows another conversation (it hears none of this one's messages then): the seq this copy is
   * current to, from which showing it again catches up. Null (or absent) while shown. */
  asOf?: number | null;
  /** When it was last shown or loaded (a counter): the least recently used tree goes first when too many are kept. */
  used?: number;
}

/** Trees kept in a window at most; a thread of thousands of messages is megabytes, and a day of use opens hundreds. */
export const MAX_TREES = 12;
let useCounter = 0;
let structureCounter = 0;

export interface HoldfastState {
  connection: ConnectionState;
  lastSeq: number | null;
  status: AppStatus | null;
  /** Every conversation this window knows of: the pages of the list it loaded, and any a live change brought. */
  conversations: Record<string, Conversation>;
  /** `next_cursor` of the last list page loaded; null when the whole list is here. */
  listCursor: string | null;
  /** The list's place the loaded pages reach to: conversations after it are not shown until their page loads. Null: all. */
  listEnd: ListKey | null;
  /** Live conversations in all, as of the last page read. */
  listTotal: number | null;
  trees: Record<string, TreeState>;
  currentId: string | null;
  /**
   * New was clicked and the conversation is being created: the composer is already the new one's (blank), so nothing
   * typed before it is shown lands in the draft of the conversation left.
   */
  creating: boolean;
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
  listCursor: null,
  listEnd: null,
  listTotal: null,
  trees: {},
  currentId: null,
  creating: false,
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

/** Replaces what the window knows of the list with its first page (a snapshot). */
export function resetList(items: Conversation[], nextCursor: string | null, total: number | null): void {
  set({ conversations: Object.fromEntries(items.map((c) => [c.id, c])), ...frontier(nextCursor), listTotal: total });
}

/**
 * Adds the next page. A conversation a live change brought while the page was read (`changed`) stays as that change
 * left it: the change is newer than the read; one that moved above the cursor is not on this page at all.
 */
export function mergePage(page: ConversationPage, changed: ReadonlySet<string> = new Set()): void {
  set((s) => {
    const conversations = { ...s.conversations };
    for (const c of page.items) if (!changed.has(c.id)) conversations[c.id] = c;
    return { conversations, ...frontier(page.next_cursor), listTotal: page.total };
  });
}

function frontier(cursor: string | null): Pick<HoldfastState, 'listCursor' | 'listEnd'> {
  return { listCursor: cursor, listEnd: cursor ? decodeCursor(cursor) : null };
}

/** The list as shown: live conversations in order, down to where the loaded pages reach. */
export function visibleList(s: Pick<HoldfastState, 'conversations' | 'listEnd'>): Conversation[] {
  const end = s.listEnd;
  return Object.values(s.conversations)
    .filter((c) => c.deleted_at === null && (!end || compareListOrder(c, end) <= 0))
    .sort(compareListOrder);
}

/** A list-level change as the window applies it: a conversation's row, or the app's status (a removal applies at once). */
export type ListChange = { kind: 'conversation'; data: Conversation; seq: number } | { kind: 'status'; status: AppStatus };

/**
 * Applies the list-level changes received in a frame in order, in one state update: one render for all of them, and
 * the status's parts that did not change stay the same objects, so what shows only them does not render again.
 */
export function applyListChanges(changes: readonly ListChange[]): void {
  if (!changes.length) return;
  set((s) => {
    let conversations = s.conversations;
    let status = s.status;
    let lastSeq = s.lastSeq;
    for (const c of changes) {
      if (c.kind === 'status') {
        status = shareStatus(status, c.status);
        continue;
      }
      if (lastSeq === null || c.seq > lastSeq) lastSeq = c.seq;
      if (conversations === s.conversations) conversations = { ...conversations };
      conversations[c.data.id] = c.data;
    }
    return { conversations, status, lastSeq };
  });
}

/** `next`, reusing each part of `prev` that is equal to it (and `prev` itself when nothing changed). */
export function shareStatus(prev: AppStatus | null, next: AppStatus): AppStatus {
  if (!prev) return next;
  let changed = Object.keys(prev).length !== Object.keys(next).length;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(next)) {
    const a = (prev as Record<string, unknown>)[k];
    const b = (next as Record<string, unknown>)[k];
    if (a === b || JSON.stringify(a) === JSON.stringify(b)) out[k] = a;
    else {
      out[k] = b;
      changed = true;
    }
  }
  return changed ? (out as AppStatus) : prev;
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
  set((s) => {
    const tree = { messages: map, structure: ++structureCounter, complete, asOf: null, used: ++useCounter };
    return { trees: evict({ ...s.trees, [conversationId]: tree }, s.currentId) };
  });
}

/** Marks a tree shown again (most recently used), or no longer shown as of `asOf` (it stops hearing changes then). */
export function markTree(conversationId: string, asOf: number | null): void {
  set((s) => {
    const tree = s.trees[conversationId];
    return tree
      ? { trees: { ...s.trees, [conversationId]: { ...tree, asOf, used: asOf === null ? ++useCounter : (tree.used ?? 0) } } }
      : {};
  });
}

/** Keeps at most MAX_TREES, dropping the least recently used first; the shown one always stays. */
function evict(trees: Record<string, TreeState>, currentId: string | null): Record<string, TreeState> {
  const ids = Object.keys(trees);
  if (ids.length <= MAX_TREES) return trees;
  const out = { ...trees };
  const oldest = ids.filter((id) => id !== currentId).sort((a, b) => (trees[a]!.used ?? 0) - (trees[b]!.used ?? 0));
  for (const id of oldest.slice(0, ids.length - MAX_TREES)) delete out[id];
  return out;
}

/** Applies a whole message row if its conversation is loaded. */
export function upsertMessage(m: Message): void {
  const tree = get().trees[m.conversation_id];
  if (!tree) return;
  const isNew = !tree.messages[m.id];
  set((s) => ({
    trees: {
      ...s.trees,
      [m.conversation_id]: { ...tree, messages: { ...tree.messages, [m.id]: m }, structure: isNew ? ++structureCounter : tree.structure },
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
    // A batch holds many chunks of one answer: each tree (and its messages) is copied once per batch, not per chunk.
    const copied = new Set<string>();
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
      if (copied.has(c.conversation_id)) tree.messages[c.message_id] = next;
      else {
        trees[c.conversation_id] = { ...tree, messages: { ...tree.messages, [c.message_id]: next } };
        copied.add(c.conversation_id);
      }
    }
    // Nothing grew (every chunk already held, or not loaded here): no new state, so no selector runs again.
    return copied.size ? { trees } : s;
  });
  return ok;
}

export function dropTrees(): void {
  set({ trees: {} });
}
