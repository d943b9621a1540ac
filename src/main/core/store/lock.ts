/**
 * One process per data folder: an OS-level lock on `holdfast.lock`, taken before the database opens and released by
 * the OS when the process dies however it dies, plus a clean-shutdown marker that tells the next start whether the
 * last holder closed properly (start-up skips the slow full integrity check only then).
 */
import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { openSqlite } from './sqlite';

export const LOCK_FILE = 'holdfast.lock';
export const PID_FILE = 'holdfast.lock.pid';
/** Present only between a clean close and the next start. */
export const CLEAN_MARKER = 'holdfast.clean';

export class DataDirLockedError extends Error {
  constructor(
    readonly dir: string,
    readonly pid: number | null,
  ) {
    super(`The data folder ${dir} is in use by another Holdfast process (pid ${pid ?? 'unknown'}); stop it or use another --data-dir.`);
    this.name = 'DataDirLockedError';
  }
}

export class DataDirLock {
  private released = false;
  private constructor(
    readonly dir: string,
    private readonly conn: Database.Database,
    /** The previous holder closed cleanly (so the database needs no full check before it is written). */
    readonly previousShutdownClean: boolean,
  ) {}

  /**
   * Takes the folder's lock or throws DataDirLockedError at once. The lock is SQLite's own file lock on a separate
   * small file (POSIX advisory locks on Unix, LockFileEx on Windows): the OS drops it when the process ends, so a
   * killed holder never blocks the next start, and no stale-pid guessing is needed.
   */
  static acquire(dir: string, pid = process.pid): DataDirLock {
    fs.mkdirSync(dir, { recursive: true });
    const conn = openSqlite(path.join(dir, LOCK_FILE), { timeout: 0 });
    try {
      conn.pragma('locking_mode = EXCLUSIVE');
      // In exclusive locking mode the lock an exclusive transaction takes is kept until the connection closes.
      conn.exec('BEGIN EXCLUSIVE');
      conn.exec('COMMIT');
    } catch (err) {
      conn.close();
      if ((err as { code?: string }).code === 'SQLITE_BUSY' || (err as { code?: string }).code === 'SQLITE_LOCKED')
        throw new DataDirLockedError(dir, readPid(dir));
      throw err;
    }
    const marker = path.join(dir, CLEAN_MARKER);
    const clean = fs.existsSync(marker);
    // Removing the marker needs no free space, so a full disk cannot make an unclean run look clean.
    fs.rmSync(marker, { force: true });
    try {
      fs.writeFileSync(path.join(dir, PID_FILE), `${pid}\n`);
    } catch {
      // Only the refusal message of a second process reads it (a full disk may refuse the write): the lock holds regardless.
    }
    return new DataDirLock(dir, conn, clean);
  }

  /** Releases the lock; `clean` leaves the marker that lets the next start skip the full check. */
  release(clean: boolean): void {
    if (this.released) return;
    this.released = true;
    if (clean) {
      try {
        fs.writeFileSync(path.join(this.dir, CLEAN_MARKER), `${new Date().toISOString()}\n`);
      } catch {
        // No marker (a full disk): the next start simply runs the full check.
      }
    }
    fs.rmSync(path.join(this.dir, PID_FILE), { force: true });
    this.conn.close();
  }
}

function readPid(dir: string): number | null {
  try {
    const n = Number.parseInt(fs.readFileSync(path.join(dir, PID_FILE), 'utf8'), 10);
    return Number.isFinite(n) ? n : null;
  } catch {
    return null; // the holder has not written it yet (or could not): the message says "unknown"
  }
}
