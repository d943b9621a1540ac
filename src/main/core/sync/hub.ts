/**
 * The sync hub: turns committed changes and streamed chunks into events for every subscriber (each window hears the
 * messages of only the conversations it watches, and every list-level change), and answers pulls.
 */
import type { AppStatus, ChangeEvent, DeleteEvent, HoldfastEvent, PullOutput, WatchOutput } from '../../../shared/sync';
import type { Conversation, Message } from '../../../shared/model';
import type { Engine } from '../engine/engine';
import type { Journal } from '../engine/journal';
import type { Store } from '../store/store';
import { HoldfastError } from '../../../shared/errors';

/** More changed rows than this and a pull answers with a snapshot instead. */
const MAX_DELTA_ROWS = 5000;
/** A snapshot carries this much of the conversation list; the window pages in the rest as it scrolls. */
export const SNAPSHOT_PAGE = 100;
/**
 * The engine's status changes go out at most once per this span (about a frame): twenty answers starting at once are one
 * or two status events for every window, not twenty. The first change of a quiet spell goes out at once.
 */
export const STATUS_EVERY_MS = 16;

/** One window's (or stream's) place in the fan-out: what it hears, and which conversations' messages it wants. */
export interface Subscription {
  /** Hear messages (chunks, row changes) of these conversations only; null: of all (the default). */
  watch(conversationIds: readonly string[] | null): void;
  close(): void;
}

/** Who made a contract call: a window's live connection lets it say what it watches. */
export interface Caller {
  subscription?: Subscription;
}

class Subscriber implements Subscription {
  watching: Set<string> | null = null;
  constructor(
    readonly listener: (e: HoldfastEvent) => void,
    private readonly drop: (s: Subscriber) => void,
  ) {}
  watch(conversationIds: readonly string[] | null): void {
    this.watching = conversationIds ? new Set(conversationIds) : null;
  }
  close(): void {
    this.drop(this);
  }
  /** Messages belong to one conversation: a window that does not show it need not hear of them. */
  wants(e: HoldfastEvent): boolean {
    if (!this.watching) return true;
    if (e.type === 'messages.didAppendChunk') return this.watching.has(e.conversation_id);
    if (e.type === 'sync.didChange' && e.entity === 'message') return this.watching.has(e.data.conversation_id);
    return true;
  }
}

export class SyncHub {
  private readonly subscribers = new Set<Subscriber>();
  private lastSeq: number;
  /** Open while status changes are held back: the span after a status went out. */
  private statusHold: ReturnType<typeof setTimeout> | null = null;
  private statusDirty = false;

  constructor(
    private readonly store: Store,
    private readonly engine: Engine,
    private readonly journal: Journal,
  ) {
    this.lastSeq = store.headSeq();
    store.onCommit((changes) => {
      for (const c of changes) {
        this.lastSeq = Math.max(this.lastSeq, c.seq);
        if (c.entity === 'conversation') {
          const data = store.findConversation(c.id);
          if (data) this.publish({ type: 'sync.didChange', seq: c.seq, entity: 'conversation', data });
          else this.publish({ type: 'sync.didDelete', seq: c.seq, entity: 'conversation', id: c.id });
        } else {
          const data = this.message(c.id);
          if (data) this.publish({ type: 'sync.didChange', seq: c.seq, entity: 'message', data });
        }
      }
    });
    engine.onChunk((m, offset, text, kind) => {
      this.publish({
        type: 'messages.didAppendChunk',
        seq: this.seq(),
        message_id: m.id,
        conversation_id: m.conversation_id,
        offset,
        text,
        ...(kind === 'text' ? {} : { kind }),
      });
    });
    engine.onStatus(() => this.statusChanged());
    // A storage problem (disk full, damage) is rare and urgent: it goes out at once, with the engine's latest status in it.
    store.health.onChange(() => this.publishStatus());
  }

  /** Publishes the status now if none went out in the last STATUS_EVERY_MS, else once that span ends. */
  private statusChanged(): void {
    if (this.statusHold) {
      this.statusDirty = true;
      return;
    }
    this.publishStatus();
    this.statusHold = setTimeout(() => {
      this.statusHold = null;
      if (!this.statusDirty) return;
      this.statusDirty = false;
      this.statusChanged();
    }, STATUS_EVERY_MS);
    this.statusHold.unref?.();
  }

  private publishStatus(): void {
    this.publish({ type: 'app.didChangeStatus', seq: this.seq(), status: this.status() });
  }

  /** Stops a held-back status from going out (the core is closing: its database is about to close). */
  close(): void {
    if (this.statusHold) clearTimeout(this.statusHold);
    this.statusHold = null;
    this.statusDirty = false;
  }

  /** Every event, unfiltered (scripts, streams); returns the unsubscribe. */
  subscribe(listener: (e: HoldfastEvent) => void): () => void {
    const sub = this.connect(listener);
    return () => sub.close();
  }

  /** A window's subscription: it hears everything until it says what it watches. */
  connect(listener: (e: HoldfastEvent) => void): Subscription {
    const sub = new Subscriber(listener, (s) => this.subscribers.delete(s));
    this.subscribers.add(sub);
    return sub;
  }

  /**
   * Sets what a window watches and, with `since` (the seq its copy of those conversations is current to), returns their
   * messages changed after it, so a tree kept while unwatched catches up without a reload; `reset` says reload it.
   */
  watch(subscription: Subscription | undefined, conversationIds: string[], since: number | null | undefined): WatchOutput {
    if (!subscription) throw new HoldfastError('invalid_input', 'sync.watch needs a live connection (a window or the WebSocket)');
    subscription.watch(conversationIds);
    const head = this.seq();
    if (since == null || !conversationIds.length) return { seq: head, reset: since != null, messages: [] };
    const min = this.store.minSeq();
    if (since > head || (min !== null && since < min - 1)) return { seq: head, reset: true, messages: [] };
    const ids = this.store.messagesChangedBetween(since, head, conversationIds, MAX_DELTA_ROWS + 1);
    if (ids.length > MAX_DELTA_ROWS) return { seq: head, reset: true, messages: [] };
    const messages: Message[] = [];
    for (const id of ids) {
      const m = this.message(id);
      if (m) messages.push(m);
    }
    return { seq: head, reset: false, messages };
  }

  /** The newest seq written, the journal's group commits included. */
  seq(): number {
    return Math.max(this.lastSeq, this.journal.lastSeq);
  }

  /** A message as a window should see it: the live text while it streams. */
  message(id: string): Message | undefined {
    const m = this.store.findMessage(id);
    if (!m) return undefined;
    const live = this.engine.liveText(id);
    const withText = live !== undefined && live.length >= m.content.length ? { ...m, content: live } : m;
    const reasoning = this.engine.liveThinking(id);
    if (!reasoning || reasoning.thinking.length < (m.thinking ?? '').length) return withText;
    return { ...withText, thinking: reasoning.thinking || m.thinking, thinking_redacted: m.thinking_redacted || reasoning.redacted };
  }

  pull(since: number | null | undefined): PullOutput {
    const head = this.seq();
    const network = this.engine.network.state;
    const snapshot = (): PullOutput => {
      const page = this.store.pageConversations(SNAPSHOT_PAGE);
      return {
        seq: head,
        reset: true,
        conversations: page.items,
        messages: [],
        deleted_conversation_ids: [],
        network,
        next_cursor: page.next_cursor,
        total: page.total,
      };
    };
    if (since == null || since > head) return snapshot();
    const min = this.store.minSeq();
    if (min !== null && since < min - 1) return snapshot();
    const changed = this.changesSince(since, head, MAX_DELTA_ROWS + 1);
    if (changed.length > MAX_DELTA_ROWS) return snapshot();
    const conversations: Conversation[] = [];
    const messages: Message[] = [];
    const deleted: string[] = [];
    for (const e of changed) {
      if (e.type === 'sync.didDelete') deleted.push(e.id);
      else if (e.entity === 'conversation') conversations.push(e.data);
      else messages.push(e.data);
    }
    return { seq: head, reset: false, conversations, messages, deleted_conversation_ids: deleted, network };
  }

  /** Each entity changed in (since, head], as the event a live subscriber would have got, under its latest seq. */
  changesSince(since: number, head = this.seq(), limit = MAX_DELTA_ROWS + 1): (ChangeEvent | DeleteEvent)[] {
    const rows = this.store.changedBetween(since, head, limit);
    const out: (ChangeEvent | DeleteEvent)[] = [];
    for (const r of rows) {
      if (r.entity === 'conversation') {
        const data = this.store.findConversation(r.entity_id);
        out.push(
          data
            ? { type: 'sync.didChange', seq: r.seq, entity: 'conversation', data }
            : { type: 'sync.didDelete', seq: r.seq, entity: 'conversation', id: r.entity_id },
        );
      } else {
        const data = this.message(r.entity_id);
        if (data) out.push({ type: 'sync.didChange', seq: r.seq, entity: 'message', data });
      }
    }
    return out;
  }

  status(): AppStatus {
    const provider = this.engine.provider;
    const inFlight = this.store.inFlight();
    const queued = inFlight.filter((m) => m.status === 'queued').map((m) => m.id);
    return {
      network: this.engine.network.state,
      provider: provider.name,
      model: provider.defaultModel,
      demo: provider.name === 'demo',
      queued_message_ids: queued,
      waiting_message_ids: this.engine.waitingIds(),
      loading_message_ids: this.engine.loadingIds(),
      generating_conversation_ids: [...new Set(inFlight.map((m) => m.conversation_id))],
      storage: {
        disk_full: this.store.health.diskFull,
        unsaved_message_ids: this.engine.unsavedIds(),
        damaged: this.store.health.damaged,
      },
      ...this.engine.providerStatus(),
      waiting_by_provider: this.engine.waitingByProvider(queued),
    };
  }

  publish(e: HoldfastEvent): void {
    for (const sub of [...this.subscribers]) {
      if (!sub.wants(e)) continue;
      // One bad window must not stop the others: a throwing listener is logged and the rest still hear the event.
      try {
        sub.listener(e);
      } catch (err) {
        console.error('event listener failed', err);
      }
    }
  }
}
