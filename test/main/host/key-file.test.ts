/** The headless host's key file: keys survive a reopen, never in plain text, 0600, refused when others may read it. */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileKeyStore, KeyFileError } from '../../../src/main/host/key-file';
import { tempDir } from '../../support/core';

const SECRET = 'a-secret-of-more-than-sixteen-chars';
const KEY = 'sk-live-0123456789abcdefghij';

describe('the key file', () => {
  it('creates the file 0600 at once, keeps keys across a reopen and forgets a removed one', () => {
    const file = path.join(tempDir(), 'sub', 'keys.json');
    const store = FileKeyStore.open(file, SECRET);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(store.storage()).toBe('key_file');
    store.set('p1', KEY);
    store.set('p2', 'sk-other-key-000000000000');
    expect(FileKeyStore.open(file, SECRET).get('p1')).toBe(KEY);
    store.set('p2', null);
    const again = FileKeyStore.open(file, SECRET);
    expect(again.get('p1')).toBe(KEY);
    expect(again.get('p2')).toBeNull();
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    // Atomic replacement leaves no temp file behind.
    expect(fs.readdirSync(path.dirname(file))).toEqual(['keys.json']);
  });

  it('never holds a key in plain text (nor its base64)', () => {
    const file = path.join(tempDir(), 'keys.json');
    FileKeyStore.open(file, SECRET).set('p1', KEY);
    const raw = fs.readFileSync(file, 'utf8');
    expect(raw).not.toContain(KEY);
    expect(raw).not.toContain(Buffer.from(KEY).toString('base64'));
    expect(raw).not.toContain(SECRET);
    expect(JSON.parse(raw)).toMatchObject({ format: 'holdfast-keys', version: 1, kdf: { name: 'scrypt' } });
  });

  it('refuses to start without a secret, or with a short one', () => {
    const file = path.join(tempDir(), 'keys.json');
    expect(() => FileKeyStore.open(file, undefined)).toThrow(/HOLDFAST_KEY_FILE_SECRET/);
    expect(() => FileKeyStore.open(file, 'short')).toThrow(/at least 16 characters/);
    expect(fs.existsSync(file)).toBe(false);
  });

  it('refuses a file that group or others may read, naming the fix, and leaves it as it is', () => {
    const file = path.join(tempDir(), 'keys.json');
    FileKeyStore.open(file, SECRET).set('p1', KEY);
    fs.chmodSync(file, 0o644);
    const before = fs.readFileSync(file, 'utf8');
    expect(() => FileKeyStore.open(file, SECRET)).toThrow(KeyFileError);
    expect(() => FileKeyStore.open(file, SECRET)).toThrow(`mode 644): run chmod 600 ${file}`);
    fs.chmodSync(file, 0o640);
    expect(() => FileKeyStore.open(file, SECRET)).toThrow(/group or others/);
    expect(fs.readFileSync(file, 'utf8')).toBe(before);
    fs.chmodSync(file, 0o600);
    expect(FileKeyStore.open(file, SECRET).get('p1')).toBe(KEY);
  });

  it('refuses a link in place of the file', () => {
    const dir = tempDir();
    const real = path.join(dir, 'real.json');
    FileKeyStore.open(real, SECRET);
    fs.symlinkSync(real, path.join(dir, 'link.json'));
    expect(() => FileKeyStore.open(path.join(dir, 'link.json'), SECRET)).toThrow(/not a regular file/);
  });

  it('refuses another secret and a damaged file without writing over them', () => {
    const file = path.join(tempDir(), 'keys.json');
    FileKeyStore.open(file, SECRET).set('p1', KEY);
    const before = fs.readFileSync(file, 'utf8');
    expect(() => FileKeyStore.open(file, 'another-secret-of-enough-length')).toThrow(/cannot be decrypted/);
    const tampered = JSON.parse(before) as { data: string };
    const bytes = Buffer.from(tampered.data, 'base64');
    bytes[0] = bytes[0]! ^ 1;
    fs.writeFileSync(file, JSON.stringify({ ...tampered, data: bytes.toString('base64') }), { mode: 0o600 });
    expect(() => FileKeyStore.open(file, SECRET)).toThrow(/cannot be decrypted/);
    fs.writeFileSync(file, 'not json', { mode: 0o600 });
    expect(() => FileKeyStore.open(file, SECRET)).toThrow(/not a Holdfast key file/);
    expect(fs.readFileSync(file, 'utf8')).toBe('not json');
    // A tampered cost parameter is refused before any work is done with it.
    fs.writeFileSync(file, JSON.stringify({ ...JSON.parse(before), kdf: { ...JSON.parse(before).kdf, N: 2 ** 30 } }), { mode: 0o600 });
    expect(() => FileKeyStore.open(file, SECRET)).toThrow(/not a Holdfast key file/);
  });

  it('two hosts sharing one key file keep each other’s keys: a write changes only its own key', () => {
    const file = path.join(tempDir(), 'keys.json');
    const a = FileKeyStore.open(file, SECRET);
    const b = FileKeyStore.open(file, SECRET); // another host, another data folder, the same file
    a.set('from-a', KEY);
    b.set('from-b', 'sk-b-key-00000000000000000');
    a.set('also-a', 'sk-a-second-0000000000000');
    b.set('from-a', null); // a removal by one is a removal for both
    const after = FileKeyStore.open(file, SECRET);
    expect(after.get('from-b')).toBe('sk-b-key-00000000000000000');
    expect(after.get('also-a')).toBe('sk-a-second-0000000000000');
    expect(after.get('from-a')).toBeNull();
    expect(a.get('from-b')).toBe('sk-b-key-00000000000000000'); // what a read back when it last wrote
  });

  it('two hosts started together on a missing key file keep each other’s keys: the second to create it opens the first one’s', () => {
    const file = path.join(tempDir(), 'keys.json');
    const a = FileKeyStore.open(file, SECRET);
    // Host b found no file a moment before a wrote it, so it goes on to create one (what open does after ENOENT).
    const b = (FileKeyStore['create'] as (file: string, secret: string) => FileKeyStore)(file, SECRET);
    b.set('from-b', 'sk-b-key-00000000000000000');
    a.set('from-a', KEY);
    const after = FileKeyStore.open(file, SECRET);
    expect(after.get('from-a')).toBe(KEY);
    expect(after.get('from-b')).toBe('sk-b-key-00000000000000000');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.readdirSync(path.dirname(file))).toEqual(['keys.json']); // no temp file left behind
  });

  it('two host processes changing keys at the same moment keep every key: each change is made under a lock', async () => {
    const file = path.join(tempDir(), 'keys.json');
    FileKeyStore.open(file, SECRET);
    const module = path.resolve(import.meta.dirname, '../../../src/main/host/key-file.ts');
    // Both start writing at the same moment, whatever each one's start-up took.
    const start = Date.now() + 2_000;
    const writer = (prefix: string) => {
      const script = `const { FileKeyStore } = await import(${JSON.stringify(module)});
        const s = FileKeyStore.open(${JSON.stringify(file)}, ${JSON.stringify(SECRET)});
        while (Date.now() < ${start});
        for (let i = 0; i < 30; i++) s.set('${prefix}' + i, 'sk-${prefix}-' + i + '-0000000000000000');`;
      const proc = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
        stdio: ['ignore', 'ignore', 'inherit'],
      });
      return once(proc, 'exit').then(([code]) => expect(code).toBe(0));
    };
    await Promise.all([writer('a'), writer('b')]);
    const after = FileKeyStore.open(file, SECRET);
    for (const prefix of ['a', 'b']) for (let i = 0; i < 30; i++) expect(after.get(`${prefix}${i}`), `${prefix}${i}`).not.toBeNull();
    expect(fs.readdirSync(path.dirname(file))).toEqual(['keys.json']); // the lock is gone
  });

  it('waits for a held lock and then says another host is changing the file; takes over a lock a killed host left', () => {
    const file = path.join(tempDir(), 'keys.json');
    const store = FileKeyStore.open(file, SECRET);
    const before = fs.readFileSync(file, 'utf8');
    fs.writeFileSync(`${file}.lock`, '');
    expect(() => store.set('p1', KEY)).toThrow(/being changed by another host/);
    expect(store.get('p1')).toBeNull();
    expect(fs.readFileSync(file, 'utf8')).toBe(before);
    const old = new Date(Date.now() - 60_000);
    fs.utimesSync(`${file}.lock`, old, old);
    store.set('p1', KEY);
    expect(FileKeyStore.open(file, SECRET).get('p1')).toBe(KEY);
    expect(fs.existsSync(`${file}.lock`)).toBe(false);
  });

  it('a key file replaced by something it cannot decrypt is not written over when a key changes', () => {
    const file = path.join(tempDir(), 'keys.json');
    const store = FileKeyStore.open(file, SECRET);
    store.set('p1', KEY);
    const envelope = JSON.parse(fs.readFileSync(file, 'utf8')) as { data: string };
    const tampered = JSON.stringify({ ...envelope, data: Buffer.from('not the keys').toString('base64') });
    fs.writeFileSync(file, tampered);
    expect(() => store.set('p2', 'sk-p2-000000000000000000000')).toThrow(/cannot be decrypted any more.*left as it is/);
    expect(fs.readFileSync(file, 'utf8')).toBe(tampered);
    expect(store.get('p2')).toBeNull();
  });

  it('keeps memory in step with the file when a write fails', () => {
    const file = path.join(tempDir(), 'keys.json');
    const store = FileKeyStore.open(file, SECRET);
    store.set('p1', KEY);
    const saved = fs.readFileSync(file);
    // A folder in the file's place refuses the rename (even for root, which permissions would not stop).
    fs.rmSync(file);
    fs.mkdirSync(path.join(file, 'in-the-way'), { recursive: true });
    expect(() => store.set('p2', 'sk-never-written-000000000')).toThrow(/cannot be (read|written)/);
    expect(store.get('p2')).toBeNull();
    expect(() => store.set('p1', null)).toThrow(/cannot be (read|written)/);
    expect(store.get('p1')).toBe(KEY);
    expect(fs.readdirSync(path.dirname(file))).toEqual(['keys.json']); // no temp file left
    fs.rmSync(file, { recursive: true });
    fs.writeFileSync(file, saved, { mode: 0o600 });
    expect(FileKeyStore.open(file, SECRET).get('p1')).toBe(KEY);
  });
});

describe('the key file, tampered with', () => {
  it('refuses a cut-short authentication tag: a 4-byte tag would let a forged file through one time in 2^32', () => {
    const file = path.join(tempDir(), 'keys.json');
    FileKeyStore.open(file, SECRET).set('p1', KEY);
    const envelope = JSON.parse(fs.readFileSync(file, 'utf8')) as { tag: string };
    envelope.tag = Buffer.from(envelope.tag, 'base64').subarray(0, 4).toString('base64');
    fs.writeFileSync(file, JSON.stringify(envelope), { mode: 0o600 });
    expect(() => FileKeyStore.open(file, SECRET)).toThrow(KeyFileError);
    expect(() => FileKeyStore.open(file, SECRET)).toThrow(/cannot be decrypted/);
  });

  it('refuses scrypt parameters that would take more than 64 MiB (the file is not trusted to size the start)', () => {
    const file = path.join(tempDir(), 'keys.json');
    FileKeyStore.open(file, SECRET).set('p1', KEY);
    const envelope = JSON.parse(fs.readFileSync(file, 'utf8')) as { kdf: { N: number; r: number; p: number } };
    envelope.kdf = { ...envelope.kdf, N: 1 << 17, r: 8, p: 1 }; // 128 MiB; the bounds alone allowed 4 GiB (N 2^20, r 32)
    fs.writeFileSync(file, JSON.stringify(envelope), { mode: 0o600 });
    expect(() => FileKeyStore.open(file, SECRET)).toThrow(/is not a Holdfast key file/);
  });
});
