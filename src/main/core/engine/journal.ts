/**
 * The chunk journal's writer: streamed text is buffered in memory and appended as one row per message per
 * group commit (at most every `flushMs`, or at once on request), so no chunk ever rewrites the whole text.
 */
import type { Store } from '../store/store';

export interface JournalOptions {
  flushMs: number;
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (handle: unknown) => void;
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
    this.flushTx = db.transaction((batch: [string, string][]) => {
      const now = store.now();
      for (const [id, text] of batch) {
        const ord = this.ordFor(id);
        this.insertChunk.run(id, ord, text);
        this.nextOrd.set(id, ord + 1);
        this.touchMessage.run(now, id);
        this.lastSeq = store.appendChangeRaw('message', id, 'append');
      }
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

  /** Commits everything buffered, for every message, in one transaction. */
  flush(): void {
    if (this.pending.size === 0) return;
    const batch: [string, string][] = [];
    for (const [id, parts] of this.pending) batch.push([id, parts.join('')]);
    this.pending.clear();
    this.flushTx(batch);
  }

  /** Forgets a message's ord counter once its journal has been folded. */
  release(messageId: string): void {
    this.nextOrd.delete(messageId);
  }

  close(): void {
    if (this.timer !== null) this.clearTimer(this.timer);
    this.timer = null;
    this.flush();
  }

  private ordFor(id: string): number {
    let ord = this.nextOrd.get(id);
    if (ord === undefined) ord = (this.maxOrd.get(id)?.ord ?? -1) + 1;
    return ord;
  }
}
