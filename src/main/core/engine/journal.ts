/**
 * The chunk journal's writer: streamed text is buffered in memory and appended as one row per message per
 * group commit (at most every `flushMs`, or at once on request), so no chunk ever rewrites the whole text.
 * Thinking goes through it too, in rows of its own kind, with the same durability as the text.
 * A commit that fails (a full disk) keeps its text in memory and is retried with backoff; it never throws from a timer.
 */
import type { Store } from '../store/store';
import { ChunkTable, type ChunkKind, type ChunkSegment } from '../store/journal';

export type { ChunkKind };

export interface JournalOptions {
  flushMs: number;
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (handle: unknown) => void;
  /** Longest wait between retries of a failing commit (default 5 s). */
  retryCapMs?: number;
  log?: (message: string) => void;
}

export class Journal {
  /** Per message, what arrived since the last commit, in order; consecutive pieces of one kind share a row. */
  private readonly pending = new Map<string, ChunkSegment[]>();
  private readonly nextOrd = new Map<string, number>();
  private timer: unknown = null;
  private readonly table: ChunkTable;
  private readonly setTimer;
  private readonly clearTimer;
  /** Seq of the last change-log row the journal wrote (chunk events carry it). */
  lastSeq = 0;
  /** Why the last commit failed, while its text waits in memory; null when everything is on disk. */
  failure: unknown = null;
  private retryMs = 0;

  constructor(
    private readonly store: Store,
    private readonly options: JournalOptions,
  ) {
    this.setTimer = options.setTimer ?? ((fn, ms) => setTimeout(fn, ms));
    this.clearTimer = options.clearTimer ?? ((h) => clearTimeout(h as NodeJS.Timeout));
    this.table = new ChunkTable(store);
  }

  /** Buffers text for a message; it reaches the disk with the next group commit. */
  append(messageId: string, text: string, kind: ChunkKind = 'text'): void {
    if (!text) return;
    let segments = this.pending.get(messageId);
    if (!segments) this.pending.set(messageId, (segments = []));
    const last = segments[segments.length - 1];
    // A redacted block is one row of its own; other kinds join the previous piece of the same kind.
    if (last && last.kind === kind && kind !== 'redacted') last.parts.push(text);
    else segments.push({ kind, parts: [text] });
    if (this.timer === null)
      this.timer = this.setTimer(() => {
        this.timer = null;
        this.flush();
      }, this.options.flushMs);
  }

  /**
   * Commits everything buffered, for every message, in one transaction. Returns false when the commit failed: the
   * text then stays buffered (in order, ahead of anything appended later) and a retry is scheduled with backoff.
   */
  flush(): boolean {
    if (this.pending.size === 0) return true;
    const batch: [string, ChunkSegment[]][] = [...this.pending];
    try {
      this.store.health.assertWritable();
      // Ords and seq are taken over only once the commit succeeded: a rolled-back commit is retried with the same ords.
      const { ords, seq } = this.table.commit(batch, this.ordFor);
      for (const [id, ord] of ords) this.nextOrd.set(id, ord);
      if (seq !== null) this.lastSeq = seq;
    } catch (err) {
      // The buffer is left as it was (the transaction only read it, and flush is synchronous): retried in order.
      if (this.failure === null) this.options.log?.(`journal commit failed, kept in memory and retried: ${String(err)}`);
      this.failure = err;
      this.store.health.writeFailed(err);
      this.scheduleRetry();
      return false;
    }
    this.pending.clear();
    if (this.failure !== null) this.options.log?.('journal commit succeeded again');
    this.failure = null;
    this.retryMs = 0;
    this.store.health.writeSucceeded();
    return true;
  }

  /** Messages whose latest text is held in memory only because commits fail. */
  unsavedIds(): string[] {
    return this.failure === null ? [] : [...this.pending.keys()];
  }

  /** Forgets a message's ord counter once its journal has been folded. */
  release(messageId: string): void {
    this.nextOrd.delete(messageId);
  }

  /** Flushes a last time; returns false when text could not be saved (it is resumed from what was, at the next start). */
  close(): boolean {
    if (this.timer !== null) this.clearTimer(this.timer);
    this.timer = null;
    this.closed = true;
    return this.flush();
  }

  private closed = false;

  private scheduleRetry(): void {
    if (this.closed) return;
    this.retryMs = Math.min(this.options.retryCapMs ?? 5000, Math.max(100, this.retryMs * 2));
    if (this.timer !== null) this.clearTimer(this.timer);
    this.timer = this.setTimer(() => {
      this.timer = null;
      this.flush();
    }, this.retryMs);
  }

  private readonly ordFor = (id: string): number => this.nextOrd.get(id) ?? this.table.nextOrd(id);
}
