/** Opens the SQLite database (WAL, busy timeout, foreign keys) and brings its schema up to date. */
import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { migrations } from './migrations';
import { openSqlite } from './sqlite';

export type Db = Database.Database;

export class NewerDatabaseError extends Error {
  constructor(
    readonly found: number,
    readonly supported: number,
  ) {
    super(
      `This database was written by a newer Holdfast (schema ${found}; this version knows up to ${supported}). It was not opened, so nothing in it was changed.`,
    );
  }
}

export interface OpenOptions {
  /** Runs before anything is written (an integrity check); throwing keeps the file untouched. */
  check?: (db: Db) => void;
  /** Called with the current schema version before a migration runs, so a backup can be taken. */
  beforeMigrate?: (db: Db, fromVersion: number) => void;
  /**
   * Keep the WAL index in this process's memory instead of the shared `-shm` file (no other connection can read
   * meanwhile): how a database still opens on a disk with no space left to create that file.
   */
  exclusive?: boolean;
}

export function openDatabase(file: string, options: OpenOptions = {}): Db {
  if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true });
  const db = openSqlite(file);
  try {
    if (options.exclusive) db.pragma('locking_mode = EXCLUSIVE'); // before the first access, or the -shm file is used
    db.pragma('journal_mode = WAL');
    db.pragma('busy_timeout = 5000');
    db.pragma('foreign_keys = ON');
    // WAL + NORMAL: a commit survives a process crash (the case we promise); only power loss may drop the last commits.
    db.pragma('synchronous = NORMAL');
    db.prepare('SELECT count(*) FROM sqlite_schema').get(); // reads and parses the schema: a damaged first page fails here
    options.check?.(db);
    migrate(db, options);
  } catch (err) {
    if (db.open) db.close();
    throw err;
  }
  return db;
}

export function schemaVersion(db: Db): number {
  return db.pragma('user_version', { simple: true }) as number;
}

function migrate(db: Db, options: OpenOptions): void {
  const current = schemaVersion(db);
  if (current > migrations.length) {
    db.close();
    throw new NewerDatabaseError(current, migrations.length);
  }
  if (current === migrations.length) return;
  options.beforeMigrate?.(db, current);
  for (let v = current; v < migrations.length; v++) {
    db.transaction(() => {
      db.exec(migrations[v]!);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
}
