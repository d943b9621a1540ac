/**
 * The headless host's optional key file (`--key-file`): configured providers' keys kept across restarts, encrypted with
 * a secret from the environment (never in plain text), readable by this user only, replaced atomically on each change.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { KeyStore } from '../core/platform';

/** The environment variable that holds the secret the key file is encrypted with (never a file, never a flag). */
export const KEY_FILE_SECRET_ENV = 'HOLDFAST_KEY_FILE_SECRET';
const MIN_SECRET = 16;
// scrypt at N=2^15 costs ~32 MiB and ~0.1 s once per start: a stolen file alone is slow to guess a secret for.
const KDF = { N: 1 << 15, r: 8, p: 1 } as const;
// Binds the ciphertext to this format: a blob from another file format cannot be passed off as a key file.
const AAD = Buffer.from('holdfast-key-file-v1');
/** The most memory scrypt may take for a key file read back (and a quarter of the work it may do). */
const MAX_KDF_BYTES = 64 * 1024 * 1024;
/** GCM's full tag: without a fixed length, Node takes a tag cut to 4 bytes, which a forger guesses one time in 2^32. */
const TAG_BYTES = 16;

/** How long a change waits for another host's change of the same file, and the age past which a lock is a dead host's. */
const LOCK_WAIT_MS = 3_000;
const STALE_LOCK_MS = 10_000;
const PAUSE = new Int32Array(new SharedArrayBuffer(4));

/** Something about the key file a person must fix: printed as one line, the host does not start. */
export class KeyFileError extends Error {}

const Envelope = z.object({
  format: z.literal('holdfast-keys'),
  version: z.literal(1),
  // Bounded: the file may have been tampered with, and its parameters must not make the start take minutes or gigabytes.
  kdf: z
    .object({
      name: z.literal('scrypt'),
      N: z
        .number()
        .int()
        .min(1024)
        .max(1 << 20),
      r: z.number().int().min(1).max(32),
      p: z.number().int().min(1).max(16),
      salt: z.string(),
    })
    // Each bound alone still allowed 128·N·r = 4 GiB of memory, 16 times over: the product is what costs. Ours is 32 MiB.
    .refine((k) => 128 * k.N * k.r <= MAX_KDF_BYTES && 128 * k.N * k.r * k.p <= 4 * MAX_KDF_BYTES),
  iv: z.string(),
  tag: z.string(),
  data: z.string(),
});
type Envelope = z.infer<typeof Envelope>;

export class FileKeyStore implements KeyStore {
  private constructor(
    readonly file: string,
    private readonly kdf: Envelope['kdf'],
    private readonly key: Buffer,
    private readonly keys: Map<string, string>,
  ) {}

  /**
   * Opens the key file, or creates it (0600) when missing. Refuses a missing or short secret, a file another user owns
   * or that group or others may read or write, and a file the secret does not decrypt (never written over).
   */
  static open(file: string, secret: string | undefined): FileKeyStore {
    if (!secret || secret.length < MIN_SECRET)
      throw new KeyFileError(
        `--key-file needs ${KEY_FILE_SECRET_ENV} set to a secret of at least ${MIN_SECRET} characters: the file is encrypted with it, so no key is ever written in plain text`,
      );
    let st: fs.Stats;
    try {
      st = fs.lstatSync(file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new KeyFileError(`key file ${file} cannot be read: ${message(err)}`);
      return FileKeyStore.create(file, secret);
    }
    checkPrivate(file, st);
    let envelope: Envelope;
    try {
      envelope = Envelope.parse(JSON.parse(fs.readFileSync(file, 'utf8')));
    } catch {
      throw new KeyFileError(`key file ${file} is not a Holdfast key file (or is damaged); it was left as it is`);
    }
    let keys: Map<string, string>;
    let key: Buffer;
    try {
      key = derive(secret, envelope.kdf);
      keys = decryptKeys(key, envelope);
    } catch {
      throw new KeyFileError(
        `key file ${file} cannot be decrypted with ${KEY_FILE_SECRET_ENV}: the secret differs from the one it was written with, or the file is damaged; it was left as it is`,
      );
    }
    return new FileKeyStore(file, envelope.kdf, key, keys);
  }

  private static create(file: string, secret: string): FileKeyStore {
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    const kdf = { name: 'scrypt' as const, ...KDF, salt: crypto.randomBytes(16).toString('base64') };
    const store = new FileKeyStore(file, kdf, derive(secret, kdf), new Map());
    // At start, so a path that cannot be written fails now rather than when a key is added. Never over a file that
    // appeared meanwhile: two hosts started together on one key file would each write their own salt, and the later
    // file would hide the earlier host's keys from it (read back with another salt, then written over). The one that
    // finds the file there opens it instead.
    if (!store.save(store.keys, { replace: false })) return FileKeyStore.open(file, secret);
    return store;
  }

  get(id: string): string | null {
    return this.keys.get(id) ?? null;
  }

  storage(): 'key_file' {
    return 'key_file';
  }

  set(id: string, key: string | null): void {
    if (this.keys.get(id) === (key || undefined)) return;
    this.locked(() => this.change(id, key));
  }

  private change(id: string, key: string | null): void {
    // Another host may share the file (each with its own data folder): its keys as written now are kept, and only this
    // one key changes, so the last writer no longer drops what the other added.
    const next = new Map(this.readBack() ?? this.keys);
    if (key) next.set(id, key);
    else next.delete(id);
    // On failure the file still holds the old set and memory is left as it was: what the API reports is what a restart finds.
    this.save(next);
    this.keys.clear();
    for (const [k, v] of next) this.keys.set(k, v);
  }

  /**
   * Runs a read-change-write of the file under `<file>.lock` (made exclusively), so two hosts changing keys at the same
   * moment cannot both read the old set and the later write drop the other's key. A lock older than any write takes
   * is one a killed host left, and is taken over.
   */
  private locked(fn: () => void): void {
    const lock = `${this.file}.lock`;
    const deadline = Date.now() + LOCK_WAIT_MS;
    for (;;) {
      try {
        fs.closeSync(fs.openSync(lock, 'wx', 0o600));
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST')
          throw new KeyFileError(`key file ${this.file} cannot be written: ${message(err)}`);
      }
      let age: number;
      try {
        age = Date.now() - fs.statSync(lock).mtimeMs;
      } catch {
        continue; // released meanwhile: try again at once
      }
      if (age > STALE_LOCK_MS) fs.rmSync(lock, { force: true });
      else if (Date.now() > deadline)
        throw new KeyFileError(`key file ${this.file} is being changed by another host (${lock} is held); try again`);
      else Atomics.wait(PAUSE, 0, 0, 5); // a write takes milliseconds: wait a little, synchronously like the write itself
    }
    try {
      fn();
    } finally {
      fs.rmSync(lock, { force: true });
    }
  }

  /**
   * The keys the file holds now, when it was written with this store's key derivation (the same salt: the same file,
   * perhaps rewritten by another host); null when it is gone or was recreated with another salt. A file that is there
   * but cannot be read or decrypted is never written over.
   */
  private readBack(): Map<string, string> | null {
    let text: string;
    try {
      text = fs.readFileSync(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw new KeyFileError(`key file ${this.file} cannot be read: ${message(err)}`);
    }
    const envelope = Envelope.safeParse(safeJson(text));
    if (!envelope.success) throw new KeyFileError(`key file ${this.file} is not a Holdfast key file (or is damaged); it was left as it is`);
    if (envelope.data.kdf.salt !== this.kdf.salt) return null;
    try {
      return decryptKeys(this.key, envelope.data);
    } catch {
      throw new KeyFileError(`key file ${this.file} cannot be decrypted any more: it was changed by something else; it was left as it is`);
    }
  }

  /**
   * Temp file (0600, new) + fsync + rename + fsync of the folder: a crash leaves the old file or the new one, never half.
   * With `replace: false` the temp file is linked in place instead, which fails when the file exists: false then.
   */
  private save(keys: Map<string, string>, { replace = true } = {}): boolean {
    const iv = crypto.randomBytes(12);
    const cipher = crypto.createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(AAD);
    const data = Buffer.concat([cipher.update(JSON.stringify(Object.fromEntries(keys)), 'utf8'), cipher.final()]);
    const envelope: Envelope = {
      format: 'holdfast-keys',
      version: 1,
      kdf: this.kdf,
      iv: iv.toString('base64'),
      tag: cipher.getAuthTag().toString('base64'),
      data: data.toString('base64'),
    };
    const tmp = `${this.file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`;
    try {
      const fd = fs.openSync(tmp, 'wx', 0o600);
      try {
        fs.writeSync(fd, `${JSON.stringify(envelope)}\n`);
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
      if (replace || !linkNew(tmp, this.file)) fs.renameSync(tmp, this.file);
    } catch (err) {
      fs.rmSync(tmp, { force: true });
      if (!replace && (err as NodeJS.ErrnoException).code === 'EEXIST') return false; // another host made the file first
      throw new KeyFileError(`key file ${this.file} cannot be written: ${message(err)}`);
    }
    fs.rmSync(tmp, { force: true });
    syncFolder(path.dirname(this.file));
    return true;
  }
}

/**
 * Puts `tmp` at `file` only if no file is there (EEXIST otherwise); false where the file system has no hard links, and
 * the caller renames instead.
 */
function linkNew(tmp: string, file: string): boolean {
  try {
    fs.linkSync(tmp, file);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EPERM' || code === 'ENOTSUP' || code === 'EOPNOTSUPP' || code === 'ENOSYS') return false;
    throw err;
  }
}

/** The key map an envelope holds; throws when the key does not decrypt it (or it was tampered with). */
function decryptKeys(key: Buffer, envelope: Envelope): Map<string, string> {
  const decipher = crypto.createDecipheriv('aes-256-gcm', key, Buffer.from(envelope.iv, 'base64'), { authTagLength: TAG_BYTES });
  decipher.setAAD(AAD);
  decipher.setAuthTag(Buffer.from(envelope.tag, 'base64'));
  const plain = Buffer.concat([decipher.update(Buffer.from(envelope.data, 'base64')), decipher.final()]).toString('utf8');
  return new Map(Object.entries(z.record(z.string(), z.string()).parse(JSON.parse(plain))));
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function checkPrivate(file: string, st: fs.Stats): void {
  if (!st.isFile()) throw new KeyFileError(`key file ${file} is not a regular file (a link or a folder): give the path of the file itself`);
  const uid = process.getuid?.();
  if (uid !== undefined && st.uid !== uid)
    throw new KeyFileError(`key file ${file} belongs to another user (uid ${st.uid}): use your own file`);
  if ((st.mode & 0o077) !== 0)
    throw new KeyFileError(
      `key file ${file} may be read or written by group or others (mode ${(st.mode & 0o777).toString(8)}): run chmod 600 ${file} and start again`,
    );
}

function derive(secret: string, kdf: Envelope['kdf']): Buffer {
  return crypto.scryptSync(secret, Buffer.from(kdf.salt, 'base64'), 32, { N: kdf.N, r: kdf.r, p: kdf.p, maxmem: 128 * kdf.N * kdf.r * 2 });
}

function syncFolder(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    // Some platforms (Windows) cannot open or sync a folder: the rename itself is still atomic there.
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
