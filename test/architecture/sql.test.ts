/**
 * SQL lives in the store: outside src/main/core/store/, no core module prepares a statement, runs SQL, sets a pragma,
 * opens a transaction or touches any other part of a better-sqlite3 connection, except to see whether it is open and to
 * close it (the core's assembly). The type checker decides what is a connection, so a regex's `.exec()` passes and a
 * connection under any name does not; probes (in memory, never written to the tree) show the check bites.
 */
import path from 'node:path';
import ts from 'typescript';
import { beforeAll, describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
const core = path.join(root, 'src/main/core') + path.sep;
const store = path.join(root, 'src/main/core/store') + path.sep;
/** What the core outside the store may do with a connection it holds. */
const LIFECYCLE = new Set(['open', 'close']);

interface Violation {
  file: string;
  line: number;
  member: string;
}

/** A type (or any member of a union) declared by better-sqlite3's typings: a connection, a statement, a transaction. */
function isSqlite(type: ts.Type): boolean {
  const parts = type.isUnion() ? type.types : [type];
  return parts.some((t) =>
    [t.getSymbol(), t.aliasSymbol].some((s) =>
      s?.declarations?.some((d) => /[\\/]node_modules[\\/](@types[\\/])?better-sqlite3[\\/]/.test(d.getSourceFile().fileName)),
    ),
  );
}

/** Every use of a better-sqlite3 object's members in the core outside the store, with `extra` files added in memory. */
function sqlOutsideStore(extra: Record<string, string> = {}): Violation[] {
  const config = ts.getParsedCommandLineOfConfigFile(
    path.join(root, 'tsconfig.node.json'),
    { composite: false, noEmit: true },
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => {
        throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
      },
    },
  )!;
  const virtual = new Map(Object.entries(extra).map(([rel, text]) => [path.join(root, rel), text]));
  const host = ts.createCompilerHost(config.options);
  const { getSourceFile, fileExists, readFile } = host;
  host.fileExists = (f) => virtual.has(path.resolve(f)) || fileExists.call(host, f);
  host.readFile = (f) => virtual.get(path.resolve(f)) ?? readFile.call(host, f);
  host.getSourceFile = (f, lang, ...rest) => {
    const text = virtual.get(path.resolve(f));
    return text !== undefined ? ts.createSourceFile(f, text, lang) : getSourceFile.call(host, f, lang, ...rest);
  };
  const roots = [...config.fileNames.filter((f) => path.resolve(f).startsWith(core)), ...virtual.keys()];
  expect(roots.length).toBeGreaterThan(30);
  const program = ts.createProgram({ rootNames: roots, options: config.options, host });
  const checker = program.getTypeChecker();
  const found: Violation[] = [];
  for (const sf of program.getSourceFiles()) {
    const file = path.resolve(sf.fileName);
    if (!file.startsWith(core) || file.startsWith(store)) continue;
    const visit = (node: ts.Node): void => {
      if (ts.isPropertyAccessExpression(node) || ts.isElementAccessExpression(node)) {
        const member = ts.isPropertyAccessExpression(node) ? node.name.text : node.argumentExpression.getText(sf);
        if (!LIFECYCLE.has(member) && isSqlite(checker.getTypeAtLocation(node.expression)))
          found.push({ file: path.relative(root, file), line: sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1, member });
      }
      ts.forEachChild(node, visit);
    };
    visit(sf);
  }
  return found;
}

/** In-memory files that show the check bites: SQL outside the store under any name; a store module and a regex pass. */
const PROBES = {
  'src/main/core/sql-probe.ts': [
    `import type { Db } from './store/database';`,
    `export const count = (db: Db) => db.prepare('SELECT count(*) FROM messages').get();`,
    `export const version = (connection: Db) => connection.pragma('user_version');`,
    `export const batch = (d: Db | null) => d?.transaction(() => d.exec('DELETE FROM chunks'));`,
    `export const word = (s: string) => /\\w+/.exec(s);`,
    `export const shut = (db: Db) => (db.open ? db.close() : undefined);`,
  ].join('\n'),
  'src/main/core/store/sql-probe.ts': [
    `import type { Db } from './database';`,
    `export const count = (db: Db) => db.prepare('SELECT count(*) FROM messages').get();`,
  ].join('\n'),
};

describe('SQL lives in the store', () => {
  // One program for both tests (building it is most of the time): the tree as it is, plus the probes.
  let found: Violation[] = [];
  beforeAll(() => {
    found = sqlOutsideStore(PROBES);
  });

  it('no core module outside src/main/core/store/ uses a database connection beyond opening and closing it', () => {
    expect(found.filter((v) => !v.file.endsWith('sql-probe.ts'))).toEqual([]);
  });

  it('the check finds SQL outside the store under any name, and lets a store module, a regex and closing through', () => {
    const probe = found.filter((v) => v.file.endsWith('sql-probe.ts')).map((v) => `${v.file}:${v.line} ${v.member}`);
    expect(probe.sort()).toEqual([
      'src/main/core/sql-probe.ts:2 get',
      'src/main/core/sql-probe.ts:2 prepare',
      'src/main/core/sql-probe.ts:3 pragma',
      'src/main/core/sql-probe.ts:4 exec',
      'src/main/core/sql-probe.ts:4 transaction',
    ]);
  });
});
