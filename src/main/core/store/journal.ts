/**
 * The chunk journal's table: one group commit appends each streaming message's rows, bumps its `last_updated` and logs
 * one change for it, in one transaction. This runs per group commit while answers stream, so every statement is
 * prepared once, here. (The rows are folded into the message once it ends: `Store.foldJournal`.)
 */
import type { Store } from './store';

/**
 * What a journal row holds: answer text, thinking text, a break between thinking blocks (its text is shown), a
 * thinking block's signature, or a redacted thinking block's data (one block per row).
 */
export type ChunkKind = 'text' | 'thinking' | 'break' | 'signature' | 'redacted';

/** Pieces of one kind that arrived in a row: they become one journal row. */
export interface ChunkSegment {
  kind: ChunkKind;
  parts: string[];
}

/** What one group commit wrote: each message's next free ord, and the seq of the last change-log row. */
export interface ChunkCommit {
  ords: Map<string, number>;
  seq: number | null;
}

export class ChunkTable {
  private readonly insertChunk;
  private readonly touchMessage;
  private readonly maxOrd;
  private readonly commitTx;

  constructor(store: Store) {
    const db = store.db;
    this.insertChunk = db.prepare('INSERT INTO chunks (message_id, ord, text, kind) VALUES (?, ?, ?, ?)');
    this.touchMessage = db.prepare('UPDATE messages SET last_updated = ? WHERE id = ?');
    this.maxOrd = db.prepare<[string], { ord: number | null }>('SELECT max(ord) AS ord FROM chunks WHERE message_id = ?');
    this.commitTx = db.transaction((batch: [string, ChunkSegment[]][], firstOrd: (id: string) => number): ChunkCommit => {
      const now = store.now();
      const ords = new Map<string, number>();
      let seq: number | null = null;
      for (const [id, segments] of batch) {
        let ord = firstOrd(id);
        for (const seg of segments) this.insertChunk.run(id, ord++, seg.parts.join(''), seg.kind);
        ords.set(id, ord);
        this.touchMessage.run(now, id);
        seq = store.appendChangeRaw('message', id, 'append');
      }
      return { ords, seq };
    });
  }

  /** The ord after the message's last journal row (0 when it has none). */
  nextOrd(messageId: string): number {
    return (this.maxOrd.get(messageId)?.ord ?? -1) + 1;
  }

  /**
   * Appends every message's segments, numbered from `firstOrd(id)`, in one transaction. Throws (a full disk) with
   * nothing written; the caller keeps its buffer and retries with the same ords.
   */
  commit(batch: [string, ChunkSegment[]][], firstOrd: (id: string) => number): ChunkCommit {
    return this.commitTx(batch, firstOrd);
  }
}
