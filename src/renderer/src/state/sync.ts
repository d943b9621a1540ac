/**
 * Keeps the replica in step: on every (re)connect it pulls changes since the last seq it applied (or a snapshot),
 * replays the events that arrived meanwhile, then follows live events.
 */
import type { HoldfastEvent, PullOutput, WatchOutput } from '../../../shared/sync';
import type { Transport } from '../api/transport';
import {
  appendChunks,
  applyListChanges,
  type ListChange,
  dropTrees,
  markTree,
  mergePage,
  type PendingChunk,
  removeConversation,
  resetList,
  setTree,
  shareStatus,
  upsertConversation,
  upsertMessage,
  useHoldfast,
  visibleList,
} from './store';

/** When to apply the chunks and list-level changes received so far: once per painted frame in a window; tests pass their own. */
export type FlushScheduler = (flush: () => void) => void;

// A hidden window gets no animation frames: apply on the next task instead.
const perFrame: FlushScheduler = (flush) => (document.hidden ? setTimeout(flush, 0) : requestAnimationFrame(flush));

/** How long list-level changes may wait before they go to the next frame: the list need not move faster than this. */
export const LIST_EVERY_MS = 100;
const listSoon: FlushScheduler = (flush) => setTimeout(flush, LIST_EVERY_MS);

export class Sync {
  private buffer: HoldfastEvent[] | null = null;
  private pulling = false;
  private pullAgain = false;
  private chunks: PendingChunk[] = [];
  /** List-level changes (rows of conversations not shown, the app's status) waiting to be applied, in order. */
  private listChanges: ListChange[] = [];
  private flushScheduled = false;
  private listScheduled = false;
  /** The conversation this window told the host it shows (it hears that one's messages only). */
  private shown: string | null = null;
  private loadingMore: Promise<void> | null = null;
  /** Conversations a live change brought while a list page was being read: the page's copies of them are older. */
  private changedDuringPage: Set<string> | null = null;

  /** List pages loaded after the first: enough to fill a tall window and then some. */
  static readonly PAGE = 200;

  constructor(
    private readonly api: Pick<Transport, 'invoke' | 'subscribe' | 'onConnection'>,
    private readonly scheduleFlush: FlushScheduler = perFrame,
    // In a window, list changes gather for LIST_EVERY_MS and then go with the next frame; a test's own scheduler does both.
    private readonly scheduleList: FlushScheduler = scheduleFlush === perFrame ? listSoon : scheduleFlush,
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
      // A new connection hears everything until told again what this window shows. A refusal is not worth a warning:
      // that connection just sends more, and the replica ignores messages of trees it does not hold.
      await this.api.invoke('sync.watch', { conversation_ids: this.shown ? [this.shown] : [] }).catch(() => undefined);
      const pulled = await this.api.invoke('sync.pull', { since: useHoldfast.getState().lastSeq });
      this.applyPull(pulled);
      const buffered = this.buffer;
      this.buffer = null;
      for (const e of buffered) this.apply(e);
      const status = await this.api.invoke('app.status', {});
      this.flushList(); // any status heard before this one is older
      useHoldfast.setState({ status: shareStatus(useHoldfast.getState().status, status) });
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

  /**
   * Tells the host which conversation this window shows, so it hears that one's chunks and messages and no others. A tree
   * kept from an earlier visit catches up on what changed meanwhile (or reloads if the log cannot say).
   */
  async show(conversationId: string | null): Promise<void> {
    const previous = this.shown;
    this.shown = conversationId;
    if (previous && previous !== conversationId) markTree(previous, useHoldfast.getState().lastSeq ?? 0);
    const held = conversationId ? useHoldfast.getState().trees[conversationId] : undefined;
    const since = held?.asOf ?? null;
    let out: WatchOutput | null;
    try {
      out = await this.api.invoke('sync.watch', { conversation_ids: conversationId ? [conversationId] : [], since });
    } catch {
      // A connection that cannot filter (an older host) still hears everything; a kept tree is reloaded instead of
      // caught up. A real failure (offline) fails that reload too, and the caller shows it.
      out = null;
    }
    if (!conversationId || !held || since === null || this.shown !== conversationId) return;
    if (!out || out.reset) return this.loadTree(conversationId);
    for (const m of out.messages) upsertMessage(m);
    markTree(conversationId, null);
  }

  /** The next page of the list, if there is one; concurrent calls share one request. */
  loadMore(): Promise<void> {
    const cursor = useHoldfast.getState().listCursor;
    if (!cursor) return Promise.resolve();
    if (this.loadingMore) return this.loadingMore;
    const changed = new Set<string>();
    this.changedDuringPage = changed;
    this.loadingMore = this.api
      .invoke('conversations.page', { limit: Sync.PAGE, cursor })
      .then((page) => {
        // A snapshot since (reconnect) restarted the list: this page belongs to the old one.
        if (useHoldfast.getState().listCursor !== cursor) return;
        this.flushList(); // received before the page was read, or newer and named in `changed`: either way first
        mergePage(page, changed);
      })
      .finally(() => {
        this.loadingMore = null;
        this.changedDuringPage = null;
      });
    return this.loadingMore;
  }

  async loadTree(conversationId: string): Promise<void> {
    const tree = await this.api.invoke('messages.tree', { conversation_id: conversationId });
    setTree(conversationId, tree.messages);
  }

  /**
   * Reads ahead, once the window is idle, the last messages of the few conversations at the top of the list (the ones a
   * person most likely opens next), so that opening one paints from memory instead of waiting on the socket and the
   * core first. Each is kept like a tree left earlier (`asOf`: what it was read as of), so opening it catches it up
   * (`show`) and then loads its whole tree. Nothing is shown on failure: an open reads the tail itself as before.
   */
  async readAhead(count = 3): Promise<string[]> {
    const s = useHoldfast.getState();
    const ids = visibleList(s)
      .filter((c) => c.current_leaf_id !== null && c.id !== this.shown && !s.trees[c.id])
      .slice(0, count)
      .map((c) => c.id);
    const read: string[] = [];
    for (const id of ids) {
      const asOf = useHoldfast.getState().lastSeq ?? 0;
      try {
        await this.loadTail(id);
      } catch {
        break; // offline or refused: the open will ask again
      }
      // Opened meanwhile: that open owns the tree now.
      if (id === this.shown || !useHoldfast.getState().trees[id]) continue;
      markTree(id, asOf);
      read.push(id);
    }
    return read;
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
    this.flushList(); // received before the pull read the database: older than what it brings
    if (p.reset) {
      dropTrees();
      resetList(p.conversations, p.next_cursor ?? null, p.total ?? null);
    } else {
      for (const c of p.conversations) upsertConversation(c);
      for (const id of p.deleted_conversation_ids) removeConversation(id);
      for (const m of p.messages) upsertMessage(m);
    }
    useHoldfast.setState({ lastSeq: p.seq });
  }

  /**
   * Chunks are applied once per frame (they can arrive much faster than a window paints), and list-level changes with
   * them once they have gathered: twenty answers starting or ending at once are forty list changes, each a render of the
   * list if applied alone.
   */
  private schedule(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    this.scheduleFlush(() => this.flush());
  }

  private queueChunk(c: PendingChunk): void {
    this.chunks.push(c);
    this.schedule();
  }

  private queueList(c: ListChange): void {
    this.listChanges.push(c);
    if (this.listScheduled) return;
    this.listScheduled = true;
    this.scheduleList(() => {
      this.listScheduled = false;
      if (this.listChanges.length) this.schedule();
    });
  }

  private flush(): void {
    this.flushScheduled = false;
    this.flushList();
    this.flushChunks();
  }

  /** Applies the list-level changes received so far (before anything that must see them, such as a pull or a page). */
  private flushList(): void {
    if (!this.listChanges.length) return;
    const batch = this.listChanges;
    this.listChanges = [];
    applyListChanges(batch);
  }

  private flushChunks(): void {
    if (!this.chunks.length) return;
    const batch = this.chunks;
    this.chunks = [];
    if (!appendChunks(batch)) void this.catchUp();
  }

  private apply(e: HoldfastEvent): void {
    // The list (conversations, the status) waits (queueList), except the shown conversation's row: its current
    // branch moves with its messages, so it stays in step with them.
    if (e.type === 'sync.didChange' && e.entity === 'conversation' && e.data.id !== this.shown) {
      this.changedDuringPage?.add(e.data.id);
      return this.queueList({ kind: 'conversation', data: e.data, seq: e.seq });
    }
    if (e.type === 'app.didChangeStatus') return this.queueList({ kind: 'status', status: e.status });
    // A row change is the truth as of its seq: what was received before it goes first.
    if (e.type !== 'messages.didAppendChunk') {
      this.flushList();
      this.flushChunks();
    }
    switch (e.type) {
      case 'sync.didChange':
        if (e.entity === 'conversation') {
          upsertConversation(e.data);
          this.changedDuringPage?.add(e.data.id);
        } else upsertMessage(e.data);
        this.advance(e.seq);
        break;
      case 'sync.didDelete':
        removeConversation(e.id);
        this.changedDuringPage?.add(e.id);
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
    }
  }

  private advance(seq: number): void {
    const last = useHoldfast.getState().lastSeq;
    if (last === null || seq > last) useHoldfast.setState({ lastSeq: seq });
  }
}
