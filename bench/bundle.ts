/**
 * The renderer's first load (issue 14 §6): the JavaScript a window loads before it can show anything (the entry and
 * the chunks it imports statically), against what loads only when an answer needs it (KaTeX, Mermaid, highlight.js
 * languages), read from the built renderer in out/renderer.
 */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

const OUT = path.resolve('out/renderer');

function size(file: string): { raw: number; gzip: number } {
  const buf = fs.readFileSync(path.join(OUT, file));
  return { raw: buf.length, gzip: zlib.gzipSync(buf).length };
}

const kB = (n: number) => `${(n / 1000).toFixed(1)} kB`;

export function runBundleBench(): string {
  const html = fs.readFileSync(path.join(OUT, 'index.html'), 'utf8');
  const first = [...html.matchAll(/<(?:script[^>]*src|link[^>]*rel="modulepreload"[^>]*href)="\.?\/?([^"]+\.js)"/g)].map((m) => m[1]!);
  const all = fs.readdirSync(path.join(OUT, 'assets')).filter((f) => f.endsWith('.js'));
  const lazy = all.map((f) => `assets/${f}`).filter((f) => !first.includes(f));
  const group = (f: string) =>
    /katex/i.test(f)
      ? 'KaTeX'
      : /^assets\/(bash|c|cpp|csharp|css|diff|dockerfile|go|graphql|ini|java|javascript|json|kotlin|less|lua|makefile|markdown|objectivec|perl|php|plaintext|powershell|python|r|ruby|rust|scala|scss|shell|sql|swift|typescript|xml|yaml)-/.test(
            f,
          )
        ? 'highlight.js languages'
        : /^assets\/mermaid-[^/]*\.js$/.test(f)
          ? 'the diagram loader'
          : 'Mermaid and its diagrams';
  const groups = new Map<string, { files: number; raw: number; gzip: number }>();
  for (const f of lazy) {
    const g = groups.get(group(f)) ?? { files: 0, raw: 0, gzip: 0 };
    const s = size(f);
    groups.set(group(f), { files: g.files + 1, raw: g.raw + s.raw, gzip: g.gzip + s.gzip });
  }
  const firstSize = first.map(size).reduce((a, b) => ({ raw: a.raw + b.raw, gzip: a.gzip + b.gzip }), { raw: 0, gzip: 0 });
  return [
    '| JavaScript | files | size | gzipped |',
    '|---|---|---|---|',
    `| loaded at start | ${first.length} | ${kB(firstSize.raw)} | ${kB(firstSize.gzip)} |`,
    ...[...groups].map(([name, g]) => `| only when an answer needs it: ${name} | ${g.files} | ${kB(g.raw)} | ${kB(g.gzip)} |`),
  ].join('\n');
}
