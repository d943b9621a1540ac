/** The data folder's setup that the desktop app and the host share: private to its user, and undone after a failed start. */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeCore, tempDir } from '../../../support/core';
import { fakeAnthropic } from '../../../support/servers';
import { privateDataDir, removeNewDataDir } from '../../../../src/main/core/store/datadir';

const mode = (p: string) => fs.statSync(p).mode & 0o777;
const posix = process.platform !== 'win32';
if (!posix) console.log('datadir.test.ts: mode bits are skipped on Windows (files there have ACLs, not POSIX modes)');

describe.skipIf(!posix)('a private data folder (POSIX modes)', () => {
  it('creates the folder 0700, and the database, WAL and every file the core writes after it 0600', async () => {
    const dir = path.join(tempDir(), 'data');
    const previous = process.umask();
    try {
      expect(privateDataDir(dir)).toEqual({ path: dir, created: dir });
      expect(mode(dir)).toBe(0o700);
      const core = makeCore(await fakeAnthropic({ paceMs: 1 }), { dataDir: dir });
      core.conversations.create({ title: 'private' });
      await core.backups.backupNow('manual');
      const files: string[] = [];
      const walk = (p: string): void => {
        for (const e of fs.readdirSync(p, { withFileTypes: true })) {
          const full = path.join(p, e.name);
          if (e.isDirectory()) {
            expect(mode(full), full).toBe(0o700);
            walk(full);
          } else files.push(full);
        }
      };
      walk(dir);
      expect(files.map((f) => path.relative(dir, f))).toEqual(expect.arrayContaining(['holdfast.db', 'holdfast.db-wal', 'holdfast.lock']));
      expect(files.some((f) => f.includes(`${path.sep}backups${path.sep}`))).toBe(true);
      for (const f of files) expect(mode(f), f).toBe(0o600);
      await core.close();
    } finally {
      process.umask(previous);
    }
  });

  it('tightens a folder made before the rule, without following a link out of it', () => {
    const previous = process.umask(0o022);
    try {
      const dir = tempDir();
      fs.chmodSync(dir, 0o755);
      fs.mkdirSync(path.join(dir, 'backups'), { mode: 0o755 });
      fs.writeFileSync(path.join(dir, 'holdfast.db'), 'x', { mode: 0o644 });
      fs.writeFileSync(path.join(dir, 'backups', 'old.db'), 'x', { mode: 0o664 });
      const outside = path.join(tempDir(), 'outside.txt');
      fs.writeFileSync(outside, 'not ours', { mode: 0o644 });
      fs.symlinkSync(outside, path.join(dir, 'link'));
      expect(privateDataDir(dir).created).toBeNull();
      expect([dir, path.join(dir, 'backups')].map(mode)).toEqual([0o700, 0o700]);
      expect([path.join(dir, 'holdfast.db'), path.join(dir, 'backups', 'old.db')].map(mode)).toEqual([0o600, 0o600]);
      expect(mode(outside)).toBe(0o644);

      // Inside a folder that is private already nothing is walked (a start must not grow with the attachments kept):
      // no one else can reach what is in it.
      fs.writeFileSync(path.join(dir, 'copied-in.db'), 'x');
      fs.chmodSync(path.join(dir, 'copied-in.db'), 0o644);
      privateDataDir(dir);
      expect(mode(path.join(dir, 'copied-in.db'))).toBe(0o644);
    } finally {
      process.umask(previous);
    }
  });
});

describe('a data folder a failed start made', () => {
  it('is removed with the parents made for it when it holds only what a start writes', () => {
    const parent = tempDir();
    const dir = privateDataDir(path.join(parent, 'a', 'b'));
    expect(dir.created).toBe(path.join(parent, 'a'));
    for (const f of ['holdfast.db', 'holdfast.db-wal', 'holdfast.lock', 'holdfast.clean', 'host-token'])
      fs.writeFileSync(path.join(dir.path, f), '');
    fs.mkdirSync(path.join(dir.path, 'tmp'));
    expect(removeNewDataDir(dir)).toBe(false); // host-token is the host's to name
    expect(removeNewDataDir(dir, ['host-token'])).toBe(true);
    expect(fs.readdirSync(parent)).toEqual([]);
  });

  it('a folder that was already there, holding no start files, is left as it was: only what this start wrote goes', () => {
    const existing = tempDir();
    fs.writeFileSync(path.join(existing, 'notes.txt'), 'mine');
    fs.mkdirSync(path.join(existing, 'kept'));
    const dir = privateDataDir(existing);
    expect(dir.created).toBeNull();
    for (const f of ['holdfast.db', 'holdfast.db-wal', 'holdfast.lock', 'host-token']) fs.writeFileSync(path.join(existing, f), '');
    fs.mkdirSync(path.join(existing, 'backups'));
    fs.mkdirSync(path.join(existing, 'attachments', 'tmp'), { recursive: true });
    fs.writeFileSync(path.join(existing, 'made-meanwhile.txt'), "not the start's");
    expect(removeNewDataDir(dir, ['host-token'])).toBe(true);
    expect(fs.readdirSync(existing).sort()).toEqual(['kept', 'made-meanwhile.txt', 'notes.txt']);
    expect(fs.readFileSync(path.join(existing, 'notes.txt'), 'utf8')).toBe('mine');
  });

  it('stays when it was there before, or holds anything else', () => {
    const before = tempDir();
    fs.writeFileSync(path.join(before, 'holdfast.db'), '');
    const again = privateDataDir(before);
    fs.writeFileSync(path.join(before, 'host-token'), 'secret');
    expect(removeNewDataDir(again, ['host-token'])).toBe(false); // it held a database before: nothing in it is touched
    expect(fs.readdirSync(before).sort()).toEqual(['holdfast.db', 'host-token']);

    const parent = tempDir();
    const dir = privateDataDir(path.join(parent, 'data'));
    fs.mkdirSync(path.join(dir.path, 'attachments'));
    fs.writeFileSync(path.join(dir.path, 'attachments', 'photo.png'), 'mine');
    expect(removeNewDataDir(dir)).toBe(false);
    expect(fs.existsSync(path.join(dir.path, 'attachments', 'photo.png'))).toBe(true);

    // Something made beside the new folder inside a parent this start created keeps the parent.
    const chain = privateDataDir(path.join(parent, 'x', 'data'));
    fs.writeFileSync(path.join(parent, 'x', 'other.txt'), 'mine');
    expect(removeNewDataDir(chain)).toBe(false);
    expect(fs.existsSync(path.join(parent, 'x', 'other.txt'))).toBe(true);
  });
});
