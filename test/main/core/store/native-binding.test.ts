/** The native-build choice of the store: a build that does not fit the runtime fails with what to run, not a stack trace. */
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { afterEach, describe, expect, it } from 'vitest';
import { Core } from '../../../../src/main/core/core';
import { DemoProvider } from '../../../../src/main/core/providers/demo';
import { NativeModuleError, loadNativeBinding, openSqlite, useNativeBinding } from '../../../../src/main/core/store/sqlite';
import { tempDir } from '../../../support/core';

const dirs: string[] = [];
function dir(): string {
  const d = tempDir('holdfast-native-');
  dirs.push(d);
  return d;
}

afterEach(() => {
  useNativeBinding(null);
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe('the native build of better-sqlite3', () => {
  it('a file that is not a native module fails with a NativeModuleError that says what to run', () => {
    const wrong = path.join(dir(), 'better_sqlite3.node');
    fs.writeFileSync(wrong, 'not a shared library');
    useNativeBinding(wrong);
    let caught: unknown;
    try {
      openSqlite(':memory:');
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(NativeModuleError);
    const err = caught as NativeModuleError;
    expect(err.binding).toBe(wrong);
    expect(err.fix).toBe('npm rebuild better-sqlite3'); // under Node; under Electron: npm run native:electron
    expect(err.message).toContain('Run `npm rebuild better-sqlite3`');
    expect(err.message).toContain(`Node ${process.versions.node} (ABI ${process.versions.modules})`);
    expect(err.message).not.toContain('\n'); // one line for a dialog or a terminal, no stack
  });

  it('a missing build names the file it looked for', () => {
    const missing = path.join(dir(), 'nowhere', 'better_sqlite3.node');
    useNativeBinding(missing);
    expect(() => loadNativeBinding()).toThrow(NativeModuleError);
    expect(() => loadNativeBinding()).toThrow(missing);
  });

  it('the core refuses to start with a wrong build and leaves the data folder without a database', () => {
    const wrong = path.join(dir(), 'better_sqlite3.node');
    fs.writeFileSync(wrong, Buffer.alloc(64));
    useNativeBinding(wrong);
    const dataDir = dir();
    expect(() => new Core({ dataDir, provider: new DemoProvider(0), autoStart: false })).toThrow(NativeModuleError);
    expect(fs.existsSync(path.join(dataDir, 'holdfast.db'))).toBe(false);
  });

  it('a build named by path (as the desktop shell names its Electron build) is loaded and used', () => {
    // Node's own build stands in for the Electron build: the mechanism is the same, only the ABI differs.
    const own = path.join(
      path.dirname(createRequire(import.meta.url).resolve('better-sqlite3/package.json')),
      'build/Release/better_sqlite3.node',
    );
    const copy = path.join(dir(), 'electron', 'better_sqlite3.node');
    fs.mkdirSync(path.dirname(copy));
    fs.copyFileSync(own, copy);
    useNativeBinding(copy);
    const db = openSqlite(path.join(dir(), 'x.db'));
    expect(db.prepare('SELECT sqlite_version() AS v').get()).toMatchObject({ v: expect.stringMatching(/^3\./) });
    db.close();
  });

  it('every SQLite connection in the main process opens through openSqlite, so the desktop app never loads the Node build', () => {
    // A plain `new Database(…)` would load better-sqlite3's default build: Node's ABI, which Electron cannot load.
    const offenders: string[] = [];
    const walk = (dir: string): void => {
      for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const file = path.join(dir, entry.name);
        if (entry.isDirectory()) walk(file);
        else if (/\.tsx?$/.test(entry.name) && !file.endsWith(path.join('store', 'sqlite.ts'))) {
          if (/new\s+(Database|BetterSqlite3|Sqlite)\s*\(/.test(fs.readFileSync(file, 'utf8'))) offenders.push(file);
        }
      }
    };
    walk(path.resolve('src/main'));
    expect(offenders).toEqual([]);
  });
});
