/**
 * The chunk journal's writer: streamed text is buffered in memory and appended as one row per message per
 * group commit (at most every `flushMs`, or at once on request), so no chunk ever rewrites the whole text.
 * A commit that fails (a full disk) keeps its text in memory and is retried with backoff; it never throws from a timer.
 */
import type { Store } from '../store/store';

export interface JournalOptions {
  flushMs: number;
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (handle: unknown) => void;
  /** Longest wait between retries of a failing commit (default 5 s). */
  retryCapMs?: number;
  log?: (message: string) => void;
}

export class Journal {
  private readonly pending = new Map<string, string[]>();
  private readonly nextOrd = new Map<string, number>();
  private timer: unknown = null;
  private readonly insertChunk;
  private readonly touchMessage;
  private readonly maxOrd;
  private readonly flushTx;
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
    const db = store.db;
    this.setTimer = options.setTimer ?? ((fn, ms) => setTimeout(fn, ms));
    this.clearTimer = options.clearTimer ?? ((h) => clearTimeout(h as NodeJS.Timeout));
    this.insertChunk = db.prepare('INSERT INTO chunks (message_id, ord, text) VALUES (?, ?, ?)');
    this.touchMessage = db.prepare('UPDATE messages SET last_updated = ? WHERE id = ?');
    this.maxOrd = db.prepare<[string], { ord: number | null }>('SELECT max(ord) AS ord FROM chunks WHERE message_id = ?');
    // Ords and seq are taken over only once the commit succeeded: a rolled-back commit is retried with the same ords.
    this.flushTx = db.transaction((batch: [string, string][]) => {
      const now = store.now();
      const ords = new Map<string, number>();
      let seq = this.lastSeq;
      for (const [id, text] of batch) {
        const ord = this.ordFor(id);
        this.insertChunk.run(id, ord, text);
        ords.set(id, ord + 1);
        this.touchMessage.run(now, id);
        seq = store.appendChangeRaw('message', id, 'append');
      }
      return { ords, seq };
    });
  }

  /** Buffers text for a message; it reaches the disk with the next group commit. */
  append(messageId: string, text: string): void {
    if (!text) return;
    let parts = this.pending.get(messageId);
    if (!parts) this.pending.set(messageId, (parts = []));
    parts.push(text);
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
    const batch: [string, string][] = [];
    for (const [id, parts] of this.pending) batch.push([id, parts.join('')]);
    try {
      this.store.health.assertWritable();
      const { ords, seq } = this.flushTx(batch);
      for (const [id, ord] of ords) this.nextOrd.set(id, ord);
      this.lastSeq = seq;
    } catch (err) {
      for (const [id, text] of batch) this.pending.set(id, [text]); // nothing was appended since: flush is synchronous
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

  private ordFor(id: string): number {
    let ord = this.nextOrd.get(id);
    if (ord === undefined) ord = (this.maxOrd.get(id)?.ord ?? -1) + 1;
    return ord;
  }
}
