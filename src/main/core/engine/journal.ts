/**
 * The chunk journal's writer: streamed text is buffered in memory and appended as one row per message per
 * group commit (at most every `flushMs`, or at once on request), so no chunk ever rewrites the whole text.
 * Thinking goes through it too, in rows of its own kind, with the same durability as the text.
 */
import type { Store } from '../store/store';

/**
 * What a journal row holds: answer text, thinking text, a break between thinking blocks (its text is shown), a
 * thinking block's signature, or a redacted thinking block's data (one block per row).
 */
export type ChunkKind = 'text' | 'thinking' | 'break' | 'signature' | 'redacted';

interface Segment {
  kind: ChunkKind;
  parts: string[];
}

export interface JournalOptions {
  flushMs: number;
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (handle: unknown) => void;
}

export class Journal {
  /** Per message, what arrived since the last commit, in order; consecutive pieces of one kind share a row. */
  private readonly pending = new Map<string, Segment[]>();
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
    this.insertChunk = db.prepare('INSERT INTO chunks (message_id, ord, text, kind) VALUES (?, ?, ?, ?)');
    this.touchMessage = db.prepare('UPDATE messages SET last_updated = ? WHERE id = ?');
    this.maxOrd = db.prepare<[string], { ord: number | null }>('SELECT max(ord) AS ord FROM chunks WHERE message_id = ?');
    this.flushTx = db.transaction((batch: [string, Segment[]][]) => {
      const now = store.now();
      for (const [id, segments] of batch) {
        let ord = this.ordFor(id);
        for (const seg of segments) this.insertChunk.run(id, ord++, seg.parts.join(''), seg.kind);
        this.nextOrd.set(id, ord);
        this.touchMessage.run(now, id);
        this.lastSeq = store.appendChangeRaw('message', id, 'append');
      }
    });
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

  /** Commits everything buffered, for every message, in one transaction. */
  flush(): void {
    if (this.pending.size === 0) return;
    const batch: [string, Segment[]][] = [...this.pending];
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
