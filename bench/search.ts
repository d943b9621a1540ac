/**
 * Search over 1,000,000 messages: Holdfast's FTS5 search (word + trigram indexes, safe query building, recency
 * re-ranking) side by side with a LIKE '%word%' scan, on the same database, in one run.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { openDatabase, type Db } from '../src/main/core/store/database';
import { Search } from '../src/main/core/search';
import { percentile } from './stats';

const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 1_000_000);
const PER_CONVERSATION = 100;

function rng(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A vocabulary with a Zipf-like frequency, so some words are common and most are rare, as in real text. */
function vocabulary(n: number): string[] {
  const rand = rng(42);
  const syll = ['ka', 'lo', 'mi', 'ne', 'ru', 'sa', 'ti', 'vo', 'ze', 'pa', 'qu', 'dre', 'fin', 'gor', 'hul', 'jan'];
  return Array.from(
    { length: n },
    (_, i) => Array.from({ length: 2 + (i % 3) }, () => syll[Math.floor(rand() * syll.length)]).join('') + i.toString(36),
  );
}

export function buildDatabase(file: string, log: (s: string) => void): Db {
  if (fs.existsSync(file)) {
    const db = openDatabase(file);
    const n = (db.prepare('SELECT count(*) AS n FROM messages').get() as { n: number }).n;
    if (n === MESSAGES) return db;
    db.close();
    for (const s of ['', '-wal', '-shm']) fs.rmSync(file + s, { force: true });
  }
  const db = openDatabase(file);
  const words = vocabulary(20_000);
  const rand = rng(7);
  const word = () => words[Math.min(words.length - 1, Math.floor(Math.pow(rand(), 3) * words.length))]!;
  const start = performance.now();
  const insC = db.prepare('INSERT INTO conversations (id, title, created_at, updated_at) VALUES (?, ?, ?, ?)');
  const insM = db.prepare(
    `INSERT INTO messages (id, conversation_id, parent_id, role, content, status, created_at, last_updated) VALUES (?, ?, ?, ?, ?, 'completed', ?, ?)`,
  );
  const t0 = Date.UTC(2022, 0, 1);
  const batch = db.transaction((c: number) => {
    const cid = `c${c}`;
    const at = t0 + c * 3_600_000;
    insC.run(cid, `${word()} ${word()} ${word()}`, at, at);
    let parent: string | null = null;
    for (let i = 0; i < PER_CONVERSATION; i++) {
      const id = `m${c}-${i}`;
      const text = Array.from({ length: 20 + Math.floor(rand() * 30) }, word).join(' ');
      insM.run(id, cid, parent, i % 2 ? 'assistant' : 'user', text, at + i * 1000, at + i * 1000);
      parent = id;
    }
  });
  for (let c = 0; c < MESSAGES / PER_CONVERSATION; c++) {
    batch(c);
    if (c % 1000 === 999) log(`  built ${(c + 1) * PER_CONVERSATION} messages (${Math.round((performance.now() - start) / 1000)} s)`);
  }
  db.pragma('wal_checkpoint(TRUNCATE)');
  return db;
}

export function runSearchBench(log: (s: string) => void): string {
  const file = path.join(os.tmpdir(), `holdfast-bench-search-${MESSAGES}.db`);
  log(`Building (or reusing) ${file} …`);
  const db = buildDatabase(file, log);
  const search = new Search(db, () => Date.UTC(2024, 0, 1));
  const words = vocabulary(20_000);
  const rand = rng(99);
  const pick = () => words[Math.floor(Math.pow(rand(), 2) * words.length)]!;
  const queries = Array.from({ length: 200 }, (_, i) => {
    const w = pick();
    if (i % 4 === 1) return `${w} ${pick()}`; // two words
    if (i % 4 === 2) return w.slice(0, Math.max(3, w.length - 2)); // a prefix, as typed
    if (i % 4 === 3) return `"${w} ${pick()}"`; // a phrase
    return w;
  });
  for (const q of queries.slice(0, 20)) search.search(q); // warm the page cache
  const fts = queries.map((q) => {
    const t = performance.now();
    search.search(q, 20);
    return performance.now() - t;
  });
  const like = db.prepare(
    `SELECT m.id FROM messages m JOIN conversations c ON c.id = m.conversation_id WHERE m.content LIKE ? ORDER BY m.created_at DESC LIMIT 20`,
  );
  const scanQueries = queries.filter((_, i) => i % 10 === 0);
  const scan = scanQueries.map((q) => {
    const t = performance.now();
    like.all(`%${q.replace(/"/g, '').split(' ')[0]}%`);
    return performance.now() - t;
  });
  db.close();
  const rows = [
    '| approach | queries | p50 ms | p95 ms | max ms |',
    '|---|---|---|---|---|',
    `| FTS5 (Holdfast) | ${fts.length} | ${percentile(fts, 50).toFixed(2)} | ${percentile(fts, 95).toFixed(2)} | ${Math.max(...fts).toFixed(2)} |`,
    `| LIKE '%word%' scan | ${scan.length} | ${percentile(scan, 50).toFixed(1)} | ${percentile(scan, 95).toFixed(1)} | ${Math.max(...scan).toFixed(1)} |`,
    '',
    `${MESSAGES.toLocaleString('en')} messages. p95 ratio (scan ÷ FTS5): ${(percentile(scan, 95) / percentile(fts, 95)).toFixed(0)}×. Budget: FTS5 p95 ≤ 50 ms.`,
  ];
  return rows.join('\n');
}
