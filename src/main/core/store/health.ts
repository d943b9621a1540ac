/**
 * The database's health as every window sees it: writes failing for lack of disk space (what was received stays in
 * memory and is retried), or damage found by an integrity check (writes stop, so it is never written over).
 */
import fs from 'node:fs';
import { HoldfastError } from '../../../shared/errors';

/** SQLite reports a full disk as SQLITE_FULL (also when `max_page_count` is reached); the OS as ENOSPC. */
export function isDiskFull(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  if (code === 'SQLITE_FULL' || code === 'ENOSPC') return true;
  if ((err as { details?: { disk_full?: boolean } } | null)?.details?.disk_full) return true;
  const message = err instanceof Error ? err.message : '';
  return /database or disk is full|no space left on device/i.test(message);
}

/**
 * A failure on a disk with no space left: SQLite reports some of those as plain I/O errors (creating the `-shm`
 * file gives SQLITE_IOERR_SHMSIZE), so the disk itself is asked.
 */
export function isDiskFullAt(err: unknown, dir: string): boolean {
  if (isDiskFull(err)) return true;
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== 'string' || !code.startsWith('SQLITE_IOERR')) return false;
  try {
    return fs.statfsSync(dir).bavail === 0;
  } catch {
    return false; // cannot tell: not reported as a full disk
  }
}

export const DISK_FULL_MESSAGE =
  'The disk is full: Holdfast keeps what it received in memory and saves it as soon as there is space again.';

export class StorageHealth {
  private diskFull_ = false;
  private damaged_: string | null = null;
  private readonly listeners = new Set<() => void>();

  get diskFull(): boolean {
    return this.diskFull_;
  }
  /** What the background check found, or null. */
  get damaged(): string | null {
    return this.damaged_;
  }

  onChange(l: () => void): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  /** A write failed; true when the reason was a full disk (then it is worth retrying). */
  writeFailed(err: unknown): boolean {
    const full = isDiskFull(err);
    if (full && !this.diskFull_) {
      this.diskFull_ = true;
      this.changed();
    }
    return full;
  }

  writeSucceeded(): void {
    if (!this.diskFull_) return;
    this.diskFull_ = false;
    this.changed();
  }

  markDamaged(problems: string): void {
    if (this.damaged_) return;
    this.damaged_ = problems;
    this.changed();
  }

  /** Throws the error a caller gets while writes are refused (damage found after start). */
  assertWritable(): void {
    if (this.damaged_)
      throw new HoldfastError(
        'internal',
        `The database was found damaged (${this.damaged_}); Holdfast stopped writing to it. Restart Holdfast to restore the latest good backup.`,
        { damaged: true },
      );
  }

  private changed(): void {
    for (const l of this.listeners) l();
  }
}

/** The error a caller gets when a write failed for lack of space. */
export function diskFullError(): HoldfastError {
  return new HoldfastError('internal', DISK_FULL_MESSAGE, { disk_full: true });
}
