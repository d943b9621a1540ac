/**
 * Integrity checks of database files: SQLite's `quick_check` on a read-only connection, either here (when nothing may
 * happen before it says "ok") or on a worker thread, so a multi-gigabyte check never blocks the process.
 */
import Database from 'better-sqlite3';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { nativeBindingFile, openSqlite } from './sqlite';

const SQLITE_MAGIC = Buffer.from('SQLite format 3\0', 'latin1');

/** "ok", or what is wrong (the check's own findings, or why the file could not be read at all). */
export function quickCheck(file: string): string {
  let db: Database.Database | null = null;
  // A WAL-mode file opened read-only leaves -wal/-shm files behind: remove the ones this check created.
  const sideFiles = ['-wal', '-shm'].map((s) => file + s).filter((f) => !fs.existsSync(f));
  try {
    db = openSqlite(file, { readonly: true, fileMustExist: true });
    return joinRows(db.pragma('quick_check', { simple: false }) as { quick_check: string }[]);
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  } finally {
    db?.close();
    for (const f of sideFiles) fs.rmSync(f, { force: true });
  }
}

/** Turns a fresh copy into a single self-contained file (rollback journal, not WAL), so reading it creates no side files. */
export function makeStandalone(file: string): void {
  const db = openSqlite(file, { fileMustExist: true });
  try {
    db.pragma('journal_mode = DELETE');
  } finally {
    db.close();
  }
}

/** Cheap test that a file can be a database at all: a full page's worth of bytes and SQLite's header magic. */
export function looksLikeDatabase(file: string): boolean {
  let fd: number | null = null;
  try {
    if (fs.statSync(file).size < 512) return false;
    fd = fs.openSync(file, 'r');
    const head = Buffer.alloc(SQLITE_MAGIC.length);
    fs.readSync(fd, head, 0, head.length, 0);
    return head.equals(SQLITE_MAGIC);
  } catch {
    return false; // unreadable: not a usable database
  } finally {
    if (fd !== null) fs.closeSync(fd);
  }
}

export function joinRows(rows: { quick_check: string }[]): string {
  return rows.map((r) => r.quick_check).join('; ');
}

// The worker is plain CommonJS handed over as text: no separate bundle entry is needed in the host or the desktop build.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
let Driver; // better-sqlite3, opened with the same native build as the main thread (workerData.binding)
try {
  Driver = require(workerData.module);
} catch (err) {
  parentPort.postMessage({ status: 'unavailable', detail: String(err && err.message ? err.message : err) });
  return;
}
let db = null;
try {
  db = new Driver(workerData.file, { readonly: true, fileMustExist: true, ...(workerData.binding ? { nativeBinding: workerData.binding } : {}) });
  const found = db.pragma('quick_check', { simple: false }).map((r) => r.quick_check).join('; ');
  parentPort.postMessage({ status: found === 'ok' ? 'ok' : 'damaged', detail: found });
} catch (err) {
  // Only SQLite's own verdict on the file is damage; a native module that fails to load, or a lock, is not.
  const code = err && typeof err.code === 'string' ? err.code : '';
  const finding = code.startsWith('SQLITE_') && code !== 'SQLITE_BUSY' && code !== 'SQLITE_LOCKED';
  parentPort.postMessage({ status: finding ? 'damaged' : 'unavailable', detail: String(err && err.message ? err.message : err) });
} finally {
  if (db) db.close();
}
`;

export interface CheckResult {
  /** `unavailable`: the check could not run (not a finding about the file); `cancelled`: the process is closing. */
  status: 'ok' | 'damaged' | 'unavailable' | 'cancelled';
  detail: string;
}

export interface BackgroundCheck {
  result: Promise<CheckResult>;
  /** Stops waiting (the process is closing); the worker never keeps the process alive. */
  cancel(): void;
}

/** `quick_check` on a worker thread with its own read-only connection (WAL lets it read while the app writes). */
export function quickCheckInBackground(file: string): BackgroundCheck {
  const module = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(`(() => {${WORKER_SOURCE}})()`, { eval: true, workerData: { file, module, binding: nativeBindingFile() } });
  worker.unref();
  let cancel = (): void => undefined;
  const result = new Promise<CheckResult>((resolve) => {
    cancel = () => {
      resolve({ status: 'cancelled', detail: 'closing' });
      void worker.terminate();
    };
    worker.once('message', (m: CheckResult) => resolve(m));
    worker.once('error', (err) => resolve({ status: 'unavailable', detail: err.message }));
    worker.once('exit', (code) => resolve({ status: 'unavailable', detail: `the check ended without a result (exit ${code})` }));
  });
  return { result, cancel };
}
