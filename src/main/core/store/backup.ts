/**
 * Backups with SQLite's own consistent copies (never a file copy of a live WAL database): before every migration,
 * once a day while the app runs, and on request; the last N are kept. Each is written under a temporary name,
 * checked and synced before it gets its `.db` name, and checked again before a restore. A damaged database is never
 * written over.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Db } from './database';
import { joinRows, looksLikeDatabase, makeStandalone, quickCheck, quickCheckInBackground } from './integrity';
import { DataDirLock } from './lock';

export class DamagedDatabaseError extends Error {
  constructor(
    readonly file: string,
    readonly problems: string,
    readonly latestBackup: string | null,
  ) {
    super(
      `The database ${file} is damaged (${problems}). Holdfast did not open it, so nothing in it was changed.` +
        (latestBackup
          ? ` The latest good backup is ${latestBackup}; start with --restore-backup latest to restore it.`
          : ' No backup was found.'),
    );
  }
}

export class NoGoodBackupError extends Error {
  override name = 'NoGoodBackupError';
}

/** A backup is written under this suffix, checked, synced, and only then renamed to its `.db` name. */
const PARTIAL = '.partial';

/** Complete backups, newest first: only `.db` names (a partial never has one) that look like a database at all. */
export function listBackups(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.db'))
    .sort()
    .reverse()
    .map((f) => path.join(dir, f))
    .filter(looksLikeDatabase);
}

/** The newest backup that passes its full check (only asked when the database is damaged, so the cost is rare). */
export function latestGoodBackup(dir: string): string | null {
  return listBackups(dir).find((f) => quickCheck(f) === 'ok') ?? null;
}

/** Deletes what a killed backup left behind (only the folder's lock holder runs backups, so none is in progress). */
export function removePartialBackups(dir: string): void {
  if (!fs.existsSync(dir)) return;
  for (const f of fs.readdirSync(dir)) if (/\.partial(-wal|-shm|-journal)?$/.test(f)) fs.rmSync(path.join(dir, f), { force: true });
}

const stamp = () => new Date().toISOString().replace(/[:.]/g, '-');

function fsyncPath(p: string): void {
  const fd = fs.openSync(p, 'r');
  try {
    fs.fsyncSync(fd);
  } catch (err) {
    // Directories cannot be fsynced on Windows (EPERM/EISDIR); the rename is still atomic there.
    if (!fs.statSync(p).isDirectory()) throw err;
  } finally {
    fs.closeSync(fd);
  }
}

/** Makes a written temporary copy durable under its final name: check it, fsync it, rename it, fsync the folder. */
function publish(tmp: string, final: string, problems: string): string {
  if (problems !== 'ok') {
    fs.rmSync(tmp, { force: true });
    throw new Error(`The backup failed its check (${problems}); nothing was kept`);
  }
  fsyncPath(tmp);
  fs.renameSync(tmp, final);
  fsyncPath(path.dirname(final));
  return final;
}

/** Synchronous consistent copy (VACUUM INTO): used at start, before a migration, while nothing else runs. */
export function backupBeforeMigrate(db: Db, dir: string, fromVersion: number): string {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${stamp()}-before-migration-v${fromVersion}.db`);
  const tmp = file + PARTIAL;
  try {
    db.prepare('VACUUM INTO ?').run(tmp);
    makeStandalone(tmp);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
  return publish(tmp, file, quickCheck(tmp));
}

/** Checks the database before anything is written to it; throws DamagedDatabaseError when it fails. */
export function checkIntegrity(db: Db, file: string, backupDir: string): void {
  let result: string;
  try {
    result = joinRows(db.pragma('quick_check', { simple: false }) as { quick_check: string }[]);
  } catch (err) {
    result = err instanceof Error ? err.message : String(err);
  }
  if (result !== 'ok') {
    db.close();
    throw new DamagedDatabaseError(file, result, latestGoodBackup(backupDir));
  }
}

/**
 * Puts the newest backup that passes its check in place of a damaged database, keeping the damaged files aside;
 * a backup that fails (truncated, empty, damaged) is skipped for the next one. Holds the folder's lock meanwhile.
 */
export function restoreLatestBackup(file: string, backupDir: string): string {
  const lock = DataDirLock.acquire(path.dirname(file));
  try {
    const refused: string[] = [];
    for (const candidate of listBackups(backupDir)) {
      const problems = quickCheck(candidate);
      if (problems !== 'ok') {
        refused.push(`${path.basename(candidate)}: ${problems}`);
        continue;
      }
      const tmp = `${file}.restoring`;
      fs.copyFileSync(candidate, tmp); // a checked, closed, complete file: copying it is safe
      fsyncPath(tmp);
      const aside = stamp();
      for (const suffix of ['', '-wal', '-shm']) {
        if (fs.existsSync(file + suffix)) fs.renameSync(file + suffix, `${file}${suffix}.damaged-${aside}`);
      }
      fs.renameSync(tmp, file);
      fsyncPath(path.dirname(file));
      return candidate;
    }
    throw new NoGoodBackupError(refused.length ? `No good backup in ${backupDir} (${refused.join('; ')})` : `No backup in ${backupDir}`);
  } finally {
    lock.release(false); // the next start checks the restored file in full
  }
}

export class Backups {
  private timer: NodeJS.Timeout | null = null;
  constructor(
    private readonly db: Db,
    readonly dir: string,
    private readonly keep = 7,
  ) {}

  /** SQLite's online backup of the live database, checked off the main thread before it counts; prunes to the last `keep`. */
  async backupNow(reason = 'manual'): Promise<string> {
    fs.mkdirSync(this.dir, { recursive: true });
    const file = path.join(this.dir, `${stamp()}-${reason}.db`);
    const tmp = file + PARTIAL;
    let problems: string;
    try {
      await this.db.backup(tmp);
      makeStandalone(tmp);
      const check = await quickCheckInBackground(tmp).result;
      // A check that could not run is no proof of a good copy: the synchronous one decides then.
      problems = check.status === 'unavailable' ? quickCheck(tmp) : check.detail;
    } catch (err) {
      fs.rmSync(tmp, { force: true });
      throw err;
    }
    publish(tmp, file, problems);
    for (const old of listBackups(this.dir).slice(this.keep)) fs.rmSync(old, { force: true });
    return file;
  }

  /** A backup now if the newest is older than a day, then once a day while running. */
  scheduleDaily(log?: (s: string) => void, firstAfterMs = 5_000): void {
    const day = 86_400_000;
    const newest = listBackups(this.dir)[0];
    const age = newest ? Date.now() - fs.statSync(newest).mtimeMs : Infinity;
    const run = () => {
      this.backupNow('daily').then(
        (f) => log?.(`backup written: ${f}`),
        (e: unknown) => log?.(`backup failed: ${String(e)}`),
      );
    };
    const first = setTimeout(
      () => {
        run();
        this.timer = setInterval(run, day);
        this.timer.unref();
      },
      age >= day ? firstAfterMs : day - age,
    );
    first.unref();
    this.timer = first;
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
  }
}
