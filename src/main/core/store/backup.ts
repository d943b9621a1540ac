/**
 * Backups with SQLite's own consistent copies (never a file copy of a live WAL database): before every migration,
 * once a day while the app runs, and on request; the last N are kept. A damaged database is never written over.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Db } from './database';

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

export function listBackups(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.db'))
    .sort()
    .reverse()
    .map((f) => path.join(dir, f));
}

const stamp = () => new Date().toISOString().replace(/[:.]/g, '-');

/** Synchronous consistent copy (VACUUM INTO): used at start, before a migration, while nothing else runs. */
export function backupBeforeMigrate(db: Db, dir: string, fromVersion: number): string {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${stamp()}-before-migration-v${fromVersion}.db`);
  db.prepare('VACUUM INTO ?').run(file);
  return file;
}

/** Checks the database before anything is written to it; throws DamagedDatabaseError when it fails. */
export function checkIntegrity(db: Db, file: string, backupDir: string): void {
  let result: string;
  try {
    result = (db.pragma('quick_check', { simple: false }) as { quick_check: string }[]).map((r) => r.quick_check).join('; ');
  } catch (err) {
    result = err instanceof Error ? err.message : String(err);
  }
  if (result !== 'ok') {
    db.close();
    throw new DamagedDatabaseError(file, result, listBackups(backupDir)[0] ?? null);
  }
}

/** Puts the latest backup in place of a damaged database, keeping the damaged file aside. */
export function restoreLatestBackup(file: string, backupDir: string): string {
  const latest = listBackups(backupDir)[0];
  if (!latest) throw new Error(`No backup in ${backupDir}`);
  for (const suffix of ['', '-wal', '-shm']) {
    if (fs.existsSync(file + suffix)) fs.renameSync(file + suffix, `${file}${suffix}.damaged-${stamp()}`);
  }
  fs.copyFileSync(latest, file); // a backup is a closed, complete file: copying it is safe
  return latest;
}

export class Backups {
  private timer: NodeJS.Timeout | null = null;
  constructor(
    private readonly db: Db,
    readonly dir: string,
    private readonly keep = 7,
  ) {}

  /** SQLite's online backup of the live database; prunes to the last `keep`. */
  async backupNow(reason = 'manual'): Promise<string> {
    fs.mkdirSync(this.dir, { recursive: true });
    const file = path.join(this.dir, `${stamp()}-${reason}.db`);
    await this.db.backup(file);
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
