/**
 * The data folder before anything is written in it, for the desktop app and the host alike: private to its user
 * (folders 0700, files 0600), and taken away again when the start that made it fails before it held any data.
 */
import fs from 'node:fs';
import path from 'node:path';
import { CLEAN_MARKER, LOCK_FILE, PID_FILE } from './lock';

export interface DataDir {
  path: string;
  /** The outermost folder this call created (`path` or a parent of it), or null when `path` was already there. */
  created: string | null;
  /** When `path` was already there: the names it held before this start wrote anything in it. */
  before?: readonly string[];
}

/** What a start writes in a new folder before anyone can use it: none of it is the person's data. */
const START_FILES = new Set(['holdfast.db', 'holdfast.db-wal', 'holdfast.db-shm', LOCK_FILE, PID_FILE, CLEAN_MARKER]);

/**
 * Makes everything this process creates private to its user (the umask: database, WAL, backups, temp files and
 * attachments alike), creates the folder 0700, and tightens a folder made before this rule existed.
 */
export function privateDataDir(dir: string): DataDir {
  process.umask(0o077);
  const created = fs.mkdirSync(dir, { recursive: true, mode: 0o700 }) ?? null;
  // No one else can reach anything inside a folder only its owner may enter, so the walk (a stat per file, attachments
  // included: a start that grows with history) is needed only when the folder itself is open. Windows keeps access in
  // ACLs; its modes say no more than read-only.
  if (process.platform !== 'win32' && (fs.lstatSync(dir).mode & 0o077) !== 0) tighten(dir);
  return created ? { path: dir, created } : { path: dir, created, before: fs.readdirSync(dir) };
}

function tighten(p: string): void {
  const st = fs.lstatSync(p);
  if (st.isSymbolicLink()) return; // never follow a link out of the folder
  if (st.isDirectory()) {
    if ((st.mode & 0o077) !== 0) fs.chmodSync(p, 0o700);
    for (const name of fs.readdirSync(p)) tighten(path.join(p, name));
  } else if ((st.mode & 0o077) !== 0) fs.chmodSync(p, 0o600);
}

/**
 * After a failed start (call it once the core is closed): removes the folder `privateDataDir` created, only when it
 * holds nothing but what a start writes (`alsoOurs` names the platform's own files, such as the host's token file) and
 * empty folders. A folder that was already there and held none of those files is left as it was: only the start files
 * and empty folders this start added go. Returns whether anything went; a folder that holds anything else stays.
 */
export function removeNewDataDir(dir: DataDir, alsoOurs: readonly string[] = []): boolean {
  const ours = new Set([...START_FILES, ...alsoOurs]);
  if (!dir.created) return dir.before ? removeStartFiles(dir.path, dir.before, ours) : false;
  if (!onlyStartFiles(dir.path, ours) || !onlyChain(dir.created, dir.path)) return false;
  try {
    fs.rmSync(dir.created, { recursive: true, force: true });
    return true;
  } catch {
    return false; // a file still open (Windows refuses to delete it): an empty folder left behind is harmless
  }
}

/**
 * In a folder that was already there: removes what this start added in it, the start's own files and empty folders,
 * unless it held start files before (another start's database: maybe the person's data, never touched).
 */
function removeStartFiles(folder: string, before: readonly string[], ours: Set<string>): boolean {
  if (before.some((name) => ours.has(name))) return false;
  const had = new Set(before);
  let removed = false;
  for (const entry of fs.readdirSync(folder, { withFileTypes: true })) {
    if (had.has(entry.name)) continue;
    const p = path.join(folder, entry.name);
    try {
      if (entry.isFile() && ours.has(entry.name)) fs.rmSync(p);
      else if (entry.isDirectory() && onlyFolders(p)) fs.rmSync(p, { recursive: true });
      else continue; // anything else is not this start's to remove
      removed = true;
    } catch {
      // A file still open (Windows refuses to delete it): left behind, as a new folder's would be.
    }
  }
  return removed;
}

/** A folder that holds nothing but empty folders (a start makes `attachments/tmp` before anything is kept). */
function onlyFolders(folder: string): boolean {
  return fs.readdirSync(folder, { withFileTypes: true }).every((e) => e.isDirectory() && onlyFolders(path.join(folder, e.name)));
}

/** Each folder from `top` down to `leaf` holds only the next one (the parents `mkdir -p` made, and nothing else since). */
function onlyChain(top: string, leaf: string): boolean {
  for (let p = leaf; p !== top;) {
    const parent = path.dirname(p);
    if (parent === p) return false; // `top` is not above `leaf`
    const names = fs.readdirSync(parent);
    if (names.length !== 1 || names[0] !== path.basename(p)) return false;
    p = parent;
  }
  return true;
}

function onlyStartFiles(folder: string, ours: Set<string>): boolean {
  for (const entry of fs.readdirSync(folder, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      if (fs.readdirSync(path.join(folder, entry.name)).length > 0) return false;
    } else if (!entry.isFile() || !ours.has(entry.name)) return false;
  }
  return true;
}
