/**
 * Keeps the replica in step: on every (re)connect it pulls changes since the last seq it applied (or a snapshot),
 * replays the events that arrived meanwhile, then follows live events.
 */
import type { HoldfastEvent, PullOutput } from '../../../shared/sync';
import type { Transport } from '../api/transport';
import {
  appendChunks,
  dropTrees,
  type PendingChunk,
  removeConversation,
  setTree,
  upsertConversation,
  upsertMessage,
  useHoldfast,
} from './store';

/** When to apply the chunks received so far: once per painted frame in a window; tests pass their own. */
export type FlushScheduler = (flush: () => void) => void;

// A hidden window gets no animation frames: apply on the next task instead.
const perFrame: FlushScheduler = (flush) => (document.hidden ? setTimeout(flush, 0) : requestAnimationFrame(flush));

export class Sync {
  private buffer: HoldfastEvent[] | null = null;
  private pulling = false;
  private pullAgain = false;
  private chunks: PendingChunk[] = [];
  private flushScheduled = false;

  constructor(
    private readonly api: Pick<Transport, 'invoke' | 'subscribe' | 'onConnection'>,
    private readonly scheduleFlush: FlushScheduler = perFrame,
  ) {
    api.subscribe((e) => (this.buffer ? this.buffer.push(e) : this.apply(e)));
    api.onConnection((state) => {
      useHoldfast.setState({ connection: state });
      if (state === 'connected') void this.catchUp();
    });
  }

  /** Pulls what changed since the last applied seq; safe to call any time (coalesces). */
  async catchUp(): Promise<void> {
    if (this.pulling) {
      this.pullAgain = true;
      return;
    }
    this.pulling = true;
    this.buffer = [];
    try {
      const pulled = await this.api.invoke('sync.pull', { since: useHoldfast.getState().lastSeq });
      this.applyPull(pulled);
      const buffered = this.buffer;
      this.buffer = null;
      for (const e of buffered) this.apply(e);
      const status = await this.api.invoke('app.status', {});
      useHoldfast.setState({ status });
      const current = useHoldfast.getState().currentId;
      if (pulled.reset && current) await this.loadTree(current);
    } catch (err) {
      this.buffer = null;
      console.warn('catch-up failed; will retry on the next connect', err);
    } finally {
      this.pulling = false;
      if (this.pullAgain) {
        this.pullAgain = false;
        void this.catchUp();
      }
    }
  }

  async loadTree(conversationId: string): Promise<void> {
    const tree = await this.api.invoke('messages.tree', { conversation_id: conversationId });
    setTree(conversationId, tree.messages);
  }

  /** The last messages of the current thread only: enough to paint; loadTree follows with everything. */
  async loadTail(conversationId: string, count = 40): Promise<void> {
    const thread = await this.api.invoke('messages.thread', { conversation_id: conversationId, tail: count });
    if (useHoldfast.getState().trees[conversationId]) return; // the whole tree arrived first
    // The thread stops at the oldest message held (its parent is not here yet) until the tree is loaded.
    setTree(
      conversationId,
      thread.messages.map(({ sibling_ids: _s, ...m }) => m),
      false,
    );
    upsertConversation(thread.conversation);
  }

  private applyPull(p: PullOutput): void {
    if (p.reset) {
      const conversations = Object.fromEntries(p.conversations.map((c) => [c.id, c]));
      dropTrees();
      useHoldfast.setState({ conversations });
    } else {
      for (const c of p.conversations) upsertConversation(c);
      for (const id of p.deleted_conversation_ids) removeConversation(id);
      for (const m of p.messages) upsertMessage(m);
    }
    useHoldfast.setState({ lastSeq: p.seq });
  }

  /** Chunks are applied once per frame (they can arrive much faster than a window paints). */
  private queueChunk(c: PendingChunk): void {
    this.chunks.push(c);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    this.scheduleFlush(() => this.flushChunks());
  }

  private flushChunks(): void {
    this.flushScheduled = false;
    if (!this.chunks.length) return;
    const batch = this.chunks;
    this.chunks = [];
    if (!appendChunks(batch)) void this.catchUp();
  }

  private apply(e: HoldfastEvent): void {
    // A row change is the truth as of its seq: chunks received before it go first.
    if (e.type !== 'messages.didAppendChunk') this.flushChunks();
    switch (e.type) {
      case 'sync.didChange':
        if (e.entity === 'conversation') upsertConversation(e.data);
        else upsertMessage(e.data);
        this.advance(e.seq);
        break;
      case 'sync.didDelete':
        removeConversation(e.id);
        this.advance(e.seq);
        break;
      case 'messages.didAppendChunk':
        this.queueChunk({
          conversation_id: e.conversation_id,
          message_id: e.message_id,
          offset: e.offset,
          text: e.text,
          ...(e.kind ? { kind: e.kind } : {}),
        });
        break;
      case 'exchange.didProgress':
        useHoldfast.setState({ importProgress: e.done ? null : { bytes: e.bytes, total: e.total, conversations: e.conversations } });
        break;
      case 'app.didChangeStatus':
        useHoldfast.setState({ status: e.status });
        break;
    }
  }

  private advance(seq: number): void {
    const last = useHoldfast.getState().lastSeq;
    if (last === null || seq > last) useHoldfast.setState({ lastSeq: seq });
  }
}
