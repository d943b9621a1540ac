/**
 * Start-up against history size: time from opening the core to the first page of the conversation list (what a window
 * asks for first) with a large database and with an empty one, side by side in one run; the whole list (what a window
 * loaded before the list was paged) is the baseline. After a clean shutdown the full integrity check runs in the
 * background, so the ratio should stay near 1; the start after an unclean shutdown (full check first) is shown too.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Core } from '../src/main/core/core';
import { DemoProvider } from '../src/main/core/providers/demo';
import { openDatabase } from '../src/main/core/store/database';
import { CLEAN_MARKER } from '../src/main/core/store/lock';
import { percentile } from './stats';

const MESSAGES = Number(process.env.BENCH_STARTUP_MESSAGES ?? 200_000);
const PER_CONVERSATION = 100;
const RUNS = Number(process.env.BENCH_STARTUP_RUNS ?? 7);

const WORDS =
  'the a of and to in is that it for on with as was at by an be this from or have are not but what all were when we there can your which their said if do will each about how up out them then she many some so these would other into has more her two like him see time could no make than first been its who now people my made over did down only way find use may water long little very after words called just where most know'.split(
    ' ',
  );

/** A data folder holding `messages` messages in chains of 100, written with plain SQL (minutes faster than the API). */
export function buildFolder(dir: string, messages: number, log: (s: string) => void): void {
  const file = path.join(dir, 'holdfast.db');
  if (fs.existsSync(file)) {
    const db = openDatabase(file);
    const n = (db.prepare('SELECT count(*) AS n FROM messages').get() as { n: number }).n;
    db.close();
    if (n === messages) return;
    fs.rmSync(dir, { recursive: true, force: true });
  }
  fs.mkdirSync(dir, { recursive: true });
  const db = openDatabase(file);
  const start = performance.now();
  let seed = 7;
  const rand = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const text = (n: number) => Array.from({ length: n }, () => WORDS[Math.floor(rand() * WORDS.length)]).join(' ');
  const insC = db.prepare('INSERT INTO conversations (id, title, created_at, updated_at, current_leaf_id) VALUES (?, ?, ?, ?, ?)');
  const insM = db.prepare(
    `INSERT INTO messages (id, conversation_id, parent_id, role, content, status, created_at, last_updated) VALUES (?, ?, ?, ?, ?, 'completed', ?, ?)`,
  );
  const t0 = Date.UTC(2022, 0, 1);
  const conversations = Math.ceil(messages / PER_CONVERSATION);
  const batch = db.transaction((from: number, to: number) => {
    for (let c = from; c < to; c++) {
      const at = t0 + c * 3_600_000;
      const count = Math.min(PER_CONVERSATION, messages - c * PER_CONVERSATION);
      insC.run(`c${c}`, text(4), at, at, `m${c}-${count - 1}`);
      for (let i = 0; i < count; i++)
        insM.run(`m${c}-${i}`, `c${c}`, i ? `m${c}-${i - 1}` : null, i % 2 ? 'assistant' : 'user', text(i % 2 ? 60 : 15), at + i, at + i);
    }
  });
  for (let c = 0; c < conversations; c += 100) {
    batch(c, Math.min(conversations, c + 100));
    if ((c / 100) % 10 === 9) log(`  built ${(c + 100) * PER_CONVERSATION} messages (${Math.round((performance.now() - start) / 1000)} s)`);
  }
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
}

interface Start {
  open: number;
  page: number;
  list: number;
  conversations: number;
}

/** One start as the apps do it (resume and queue included): time to a ready core, to the first list page, to the whole list. */
async function timeStart(dir: string, clean: boolean): Promise<Start> {
  if (!clean) fs.rmSync(path.join(dir, CLEAN_MARKER), { force: true });
  const t0 = performance.now();
  const core = new Core({ dataDir: dir, provider: new DemoProvider(), autoTitle: false });
  const t1 = performance.now();
  JSON.stringify(core.conversations.page(100)); // as a window gets it: read and serialised
  const t2 = performance.now();
  const conversations = core.conversations.list().length;
  const t3 = performance.now();
  await core.close();
  return { open: t1 - t0, page: t2 - t0, list: t3 - t2 + (t1 - t0), conversations };
}

export async function runStartupBench(log: (s: string) => void): Promise<string> {
  // BENCH_LARGE_DIR: the host benchmarks' folder (1,000,000 messages), reused instead of building one here.
  const big = process.env.BENCH_LARGE_DIR ?? path.join(os.tmpdir(), `holdfast-bench-startup-${MESSAGES}`);
  log(`Building (or reusing) ${big} …`);
  if (!process.env.BENCH_LARGE_DIR) buildFolder(big, MESSAGES, log);
  const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'holdfast-bench-startup-empty-'));
  await timeStart(empty, false); // creates the empty database
  const size = fs.statSync(path.join(big, 'holdfast.db')).size;
  const runs = { big: [] as Start[], empty: [] as Start[] };
  let conversations = 0;
  await timeStart(big, true); // warm the page cache the same way for both
  const counting = new Core({ dataDir: big, provider: new DemoProvider(), autoTitle: false, autoStart: false });
  const messages = counting.db.prepare('SELECT count(*) FROM messages').pluck().get() as number;
  await counting.close();
  for (let i = 0; i < RUNS; i++) {
    const b = await timeStart(big, true);
    conversations = b.conversations;
    runs.big.push(b);
    runs.empty.push(await timeStart(empty, true));
  }
  const unclean = process.env.BENCH_STARTUP_UNCLEAN !== '0';
  const uncleanBig = unclean ? await timeStart(big, false) : null;
  const uncleanEmpty = unclean ? await timeStart(empty, false) : null;
  fs.rmSync(empty, { recursive: true, force: true });
  const med = (xs: Start[], k: 'open' | 'page' | 'list') =>
    percentile(
      xs.map((x) => x[k]),
      50,
    );
  const row = (what: string, e: number, b: number) => `| ${what} | ${e.toFixed(1)} ms | ${b.toFixed(1)} ms | ${(b / e).toFixed(1)}× |`;
  return [
    '| start | empty database | large database | ratio (large ÷ empty) |',
    '|---|---|---|---|',
    row(`clean shutdown before: core ready (median of ${RUNS})`, med(runs.empty, 'open'), med(runs.big, 'open')),
    row(
      `clean shutdown before: first page of the list, 100 conversations (median of ${RUNS})`,
      med(runs.empty, 'page'),
      med(runs.big, 'page'),
    ),
    row(
      `baseline: the whole list, all ${conversations.toLocaleString('en')} conversations, instead of the first page (median of ${RUNS})`,
      med(runs.empty, 'list'),
      med(runs.big, 'list'),
    ),
    ...(uncleanBig && uncleanEmpty
      ? [row('unclean shutdown before (full check first): first page, once', uncleanEmpty.page, uncleanBig.page)]
      : []),
    '',
    `From opening the core (lock, open, schema, resume, queue) to ready, and to the first page of the conversation list read and serialised (what a window asks for first); the whole list, timed after it in the same start, is what a window loaded before the list was paged. Large: ${messages.toLocaleString('en')} messages in ${conversations.toLocaleString('en')} conversations, ${(size / 2 ** 20).toFixed(0)} MB (BENCH_STARTUP_MESSAGES builds one, BENCH_LARGE_DIR reuses the host benchmarks' folder; BENCH_STARTUP_UNCLEAN=0 skips the slow row). Page cache warm for both. Budget: within 2× of the empty database.`,
  ].join('\n');
}
