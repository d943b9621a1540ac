/** The desktop app's start-up decisions about a damaged or unloadable database: every way out is a window or an open core. */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Core } from '../../../src/main/core/core';
import { DemoProvider } from '../../../src/main/core/providers/demo';
import { DamagedDatabaseError, restoreLatestBackup } from '../../../src/main/core/store/backup';
import { NativeModuleError } from '../../../src/main/core/store/sqlite';
import { openWithRecovery, type RecoveryUi } from '../../../src/main/electron/recovery';
import { tempDir } from '../../support/core';

/** Records what the person would have seen; answers the restore question as told. */
function fakeUi(restore: boolean) {
  const seen: string[] = [];
  const ui: RecoveryUi = {
    offerRestore: (err) => {
      seen.push(`offer: ${err.latestBackup}`);
      return restore;
    },
    showDamaged: (err) => void seen.push(`damaged: ${err.message}`),
    showError: (title, message) => void seen.push(`error: ${title}: ${message}`),
  };
  return { ui, seen };
}

const damaged = (backup: string | null) => new DamagedDatabaseError('/data/holdfast.db', 'database disk image is malformed', backup);

const cores: Core[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const c of cores.splice(0)) await c.close();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe('opening the database at start-up', () => {
  it('opens without a question when nothing is wrong', () => {
    const { ui, seen } = fakeUi(true);
    expect(openWithRecovery({ open: () => 'core', restore: () => undefined, packaged: false }, ui)).toBe('core');
    expect(seen).toEqual([]);
  });

  it('restores the latest backup when asked and opens again', () => {
    const { ui, seen } = fakeUi(true);
    let opens = 0;
    const restored: string[] = [];
    const open = () => {
      if (opens++ === 0) throw damaged('/data/backups/b1.db');
      return 'core';
    };
    expect(openWithRecovery({ open, restore: (e) => void restored.push(e.latestBackup!), packaged: false }, ui)).toBe('core');
    expect(restored).toEqual(['/data/backups/b1.db']);
    expect(seen).toEqual(['offer: /data/backups/b1.db']);
  });

  it('a restored backup that does not open either ends in an error window, once, not in a loop', () => {
    const { ui, seen } = fakeUi(true);
    let opens = 0;
    const open = (): string => {
      opens++;
      throw damaged('/data/backups/b1.db');
    };
    expect(openWithRecovery({ open, restore: () => undefined, packaged: false }, ui)).toBeNull();
    expect(opens).toBe(2);
    expect(seen).toHaveLength(2);
    expect(seen[1]).toMatch(/^error: Holdfast cannot open the restored backup: The database \/data\/holdfast.db is damaged/);
  });

  it('a restore that fails ends in an error window', () => {
    const { ui, seen } = fakeUi(true);
    const result = openWithRecovery(
      {
        open: (): string => {
          throw damaged('/data/backups/b1.db');
        },
        restore: () => {
          throw new Error('EACCES: permission denied');
        },
        packaged: false,
      },
      ui,
    );
    expect(result).toBeNull();
    expect(seen[1]).toBe('error: Holdfast could not restore the backup: EACCES: permission denied');
  });

  it('quitting at the question restores nothing', () => {
    const { ui, seen } = fakeUi(false);
    let restores = 0;
    const open = (): string => {
      throw damaged('/data/backups/b1.db');
    };
    expect(openWithRecovery({ open, restore: () => void restores++, packaged: false }, ui)).toBeNull();
    expect(restores).toBe(0);
    expect(seen).toEqual(['offer: /data/backups/b1.db']);
  });

  it('a damaged database without a backup is reported, and no restore is offered', () => {
    const { ui, seen } = fakeUi(true);
    const open = (): string => {
      throw damaged(null);
    };
    expect(openWithRecovery({ open, restore: () => undefined, packaged: false }, ui)).toBeNull();
    expect(seen).toEqual([expect.stringMatching(/^damaged: .*No backup was found\.$/)]);
  });

  it('a native module that does not load says what to run, or to reinstall in an installed app', () => {
    const err = new NativeModuleError('/app/native/electron/better_sqlite3.node', 'invalid ELF header', 'npm run native:electron');
    const open = (): string => {
      throw err;
    };
    const dev = fakeUi(true);
    expect(openWithRecovery({ open, restore: () => undefined, packaged: false }, dev.ui)).toBeNull();
    expect(dev.seen).toEqual([expect.stringContaining('Run `npm run native:electron` in the project folder')]);
    const installed = fakeUi(true);
    expect(openWithRecovery({ open, restore: () => undefined, packaged: true }, installed.ui)).toBeNull();
    expect(installed.seen).toEqual([
      expect.stringContaining('invalid ELF header). This installation of Holdfast is incomplete: install it again.'),
    ]);
  });

  it('with real files: a garbage backup restored over a damaged database gives an error window, and the damaged file is never deleted', () => {
    const dataDir = tempDir('holdfast-recovery-');
    dirs.push(dataDir);
    const file = path.join(dataDir, 'holdfast.db');
    const backups = path.join(dataDir, 'backups');
    fs.mkdirSync(backups);
    const garbage = path.join(backups, '2026-01-01T00-00-00-000Z-daily.db');
    fs.writeFileSync(garbage, Buffer.alloc(8192, 0x41)); // a "backup" that is no database at all
    fs.writeFileSync(file, 'SQLite format 3\0 but the rest is gone');
    let first = true;
    const { ui, seen } = fakeUi(true);
    const result = openWithRecovery(
      {
        open: () => {
          // The first start finds the damage (as the store reports it); the reopen runs the real core on the restored file.
          if (first) {
            first = false;
            throw new DamagedDatabaseError(file, 'file is not a database', garbage);
          }
          const core = new Core({ dataDir, provider: new DemoProvider(0), autoStart: false });
          cores.push(core);
          return core;
        },
        restore: (err) => void restoreLatestBackup(err.file, backups),
        packaged: false,
      },
      ui,
    );
    expect(result).toBeNull();
    expect(seen[0]).toBe(`offer: ${garbage}`);
    // Whether restore refuses the garbage itself or the reopen fails on it, the person sees an error window.
    expect(seen[1]).toMatch(/^error: Holdfast (cannot open the restored backup|could not restore the backup): /);
    const kept = fs.readdirSync(dataDir).filter((f) => f.startsWith('holdfast.db'));
    expect(kept.some((f) => fs.readFileSync(path.join(dataDir, f), 'latin1').includes('but the rest is gone'))).toBe(true);
  });
});
