/**
 * Every promise in README's guarantees table cites tests that exist: each cited file is in the tree, and each cited
 * name (`file` › name, a trailing … meaning "starts with", nested titles joined by ›) is the title of an
 * `it`/`test`/`describe` in that file, so a renamed or deleted test cannot leave a promise pointing at nothing.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');

interface Citation {
  row: number;
  file: string;
  /** Nested titles, outermost first; each ends with … when it is a prefix. */
  names: string[];
}

/** The "proved by" cell of each row of the guarantees table. */
function proofCells(readme: string): string[] {
  const start = readme.indexOf('## What Holdfast guarantees');
  if (start < 0) throw new Error('README has no "## What Holdfast guarantees" section');
  const rest = readme.slice(start);
  const end = rest.indexOf('\n## ', 1);
  const section = end < 0 ? rest : rest.slice(0, end);
  return section
    .split('\n')
    .filter((line) => line.startsWith('| ') && !line.startsWith('| promise') && !line.startsWith('|---'))
    .map((line) => {
      const inner = line.replace(/^\| /, '').replace(/ \|\s*$/, '');
      return inner.slice(inner.lastIndexOf(' | ') + 3);
    });
}

function citations(cell: string, row: number): Citation[] {
  const out: Citation[] = [];
  let file: string | undefined;
  for (const raw of cell.split('; ')) {
    let part = raw.trim();
    const fileMatch = /^`([^`]+)`/.exec(part);
    if (fileMatch) {
      const cited = fileMatch[1]!;
      // Commands (`npm run bench -- x`) and source files are evidence of another kind; only test files are checked.
      if (!/^test\/.*\.(test|spec)\.tsx?$/.test(cited)) {
        file = undefined;
        continue;
      }
      file = cited;
      part = part.slice(fileMatch[0].length).trim();
      if (!part.startsWith('›')) {
        out.push({ row, file, names: [] });
        continue;
      }
    }
    if (file === undefined) throw new Error(`row ${row}: "${raw}" names a test without a test file before it`);
    const name = part.replace(/^›\s*/, '');
    // A note after a prefix ("a full disk… (SQLITE_FULL…)") is commentary, not part of the title.
    const names = name.split(' › ').map((n) => (n.includes('…') ? n.slice(0, n.indexOf('…') + 1) : n.trim()));
    out.push({ row, file, names });
  }
  return out;
}

function unescape(body: string): string {
  return body.replace(/\\(.)/g, '$1');
}

interface Title {
  /** The title's literal text between its interpolations (`${…}`, printf-style `%s`): one part when it has none. */
  parts: string[];
}

/** Titles of it/test/describe calls (with .each, .skip, .serial… modifiers). */
function titles(source: string): Title[] {
  const re =
    /\b(?:it|test|describe)(?:\.[A-Za-z]+(?:\((?:[^()]|\([^()]*\))*\))?)*\(\s*(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)"|`((?:[^`\\]|\\.)*)`)/g;
  return [...source.matchAll(re)].map((m) => ({ parts: unescape(m[1] ?? m[2] ?? m[3] ?? '').split(/\$\{[^}]*\}|%[sdifjo#]/) }));
}

/** Whether a cited name is this title: exactly, or its start when the name ends with …; an interpolation matches anything. */
function matches(title: Title, name: string): boolean {
  // A title that is nothing but interpolation (`%s`) would match any name: it proves no citation.
  const firstText = title.parts.findIndex((lit) => lit !== '');
  if (firstText < 0) return false;
  const literal = (parts: string[]) => parts.map((lit) => lit.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*');
  if (!name.endsWith('…')) return new RegExp(`^${literal(title.parts)}$`, 's').test(name);
  const prefix = name.slice(0, -1);
  if (title.parts.length === 1) return title.parts[0]!.startsWith(prefix);
  // The name must reach the title's first literal text; an interpolation after it may stand for the rest.
  if (title.parts[0]!.startsWith(prefix) && prefix !== '') return true;
  return firstText < title.parts.length - 1 && new RegExp(`^${literal(title.parts.slice(0, firstText + 1))}`, 's').test(prefix);
}

describe('README guarantees table', () => {
  const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
  const cells = proofCells(readme);
  const cited = cells.flatMap((cell, i) => citations(cell, i + 1));

  it('has rows, and cites test files in them', () => {
    expect(cells.length).toBeGreaterThan(50);
    expect(cited.length).toBeGreaterThan(50);
  });

  it('cites only test files that exist', () => {
    const missing = [...new Set(cited.map((c) => c.file))].filter((f) => !fs.existsSync(path.join(root, f)));
    expect(missing).toEqual([]);
  });

  it('cites only test names that are titles in the cited file', () => {
    const broken: string[] = [];
    const cache = new Map<string, Title[]>();
    for (const c of cited) {
      const abs = path.join(root, c.file);
      if (!fs.existsSync(abs)) continue; // reported by the test above
      let fileTitles = cache.get(c.file);
      if (!fileTitles) {
        fileTitles = titles(fs.readFileSync(abs, 'utf8'));
        cache.set(c.file, fileTitles);
      }
      for (const name of c.names) {
        if (!fileTitles.some((t) => matches(t, name))) broken.push(`row ${c.row}: ${c.file} › ${name}`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('reads a citation the way the table writes them', () => {
    expect(citations('`test/a.test.ts` › one…; two; `npm run bench -- x`; `test/b.spec.ts` (a note)', 1)).toEqual([
      { row: 1, file: 'test/a.test.ts', names: ['one…'] },
      { row: 1, file: 'test/a.test.ts', names: ['two'] },
      { row: 1, file: 'test/b.spec.ts', names: [] },
    ]);
    const [exact, loop] = titles("it('keeps it', () => {}); it(`ends after ${name} at ${when}`, () => {});");
    expect(matches(exact!, 'keeps it')).toBe(true);
    expect(matches(exact!, 'keeps…')).toBe(true);
    expect(matches(exact!, 'keeps')).toBe(false);
    expect(matches(exact!, 'drops…')).toBe(false);
    expect(matches(loop!, 'ends after a reset…')).toBe(true);
    expect(matches(loop!, 'starts…')).toBe(false);
    const [bare] = titles("it.each(cases)('%s', () => {});");
    expect(matches(bare!, 'anything…')).toBe(false);
    expect(matches(bare!, 'anything')).toBe(false);
  });
});
