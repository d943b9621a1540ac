/**
 * The headless host's resident memory (VmRSS of the built host process) against history size: an empty data folder, an
 * import of 100,000 messages, and a database of 1,000,000 messages, each serving the same window-like reads, side by side
 * in one run.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startHostProcess, type HostProcess } from '../test/support/host-process';
import { answerFor } from '../src/main/core/providers/demo-text';
import { archiveOf, chainConversation } from '../test/support/archive';
import { LARGE_MESSAGES as LARGE, largeFolder } from './large-folder';

/** Budget, written down before measuring: the host stays under this resident size, after an import and while serving. */
export const HOST_RSS_BUDGET_MB = 300;
const IMPORT_CONVERSATIONS = 200;
const IMPORT_MESSAGES = 500;
const OPENED = 200;

interface Memory {
  rss: number;
  hwm: number;
}
function memoryOf(pid: number): Memory {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(status)![1]) / 1024;
  return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
}

/** Samples the host's RSS every 20 ms until stopped: the peak of a stretch of work (VmHWM is the peak since start). */
function sampler(pid: number): () => number {
  let peak = memoryOf(pid).rss;
  const timer = setInterval(() => {
    try {
      peak = Math.max(peak, memoryOf(pid).rss);
    } catch {
      // the process ended; the caller reports what it saw
    }
  }, 20);
  return () => {
    clearInterval(timer);
    return Math.max(peak, memoryOf(pid).rss);
  };
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function getJson<T>(host: HostProcess, route: string): Promise<T> {
  const res = await fetch(`${host.url}${route}`, { headers: host.headers });
  if (!res.ok) throw new Error(`${route}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/**
 * What windows ask of the host over a session: the list page by page, then `OPENED` conversations opened one after
 * another (the thread, then the whole tree, as a window loads them), then searches.
 */
async function serve(host: HostProcess): Promise<void> {
  const ids: string[] = [];
  let cursor: string | null = null;
  do {
    const page: { items: { id: string }[]; next_cursor: string | null } = await getJson(
      host,
      `/api/sessions?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    );
    ids.push(...page.items.map((c) => c.id));
    cursor = page.next_cursor;
  } while (cursor && ids.length < OPENED);
  for (const id of ids.slice(0, OPENED)) {
    await getJson(host, `/api/sessions/${encodeURIComponent(id)}/messages`);
    await getJson(host, `/api/sessions/${encodeURIComponent(id)}/tree`);
  }
  for (const q of ['water', 'people time', 'sourdough', 'wor', 'the first', 'answer', 'made over', 'little', 'find use', 'called'])
    await getJson(host, `/api/search?q=${encodeURIComponent(q)}`);
}

interface Run {
  started: number;
  /** Peak while the background work after start ran (integrity check, the first daily backup), when waited for. */
  background?: number;
  importPeak?: number;
  afterImport?: number;
  idle?: number;
  servingPeak: number;
  served: number;
  hwm: number;
}

async function measure(dataDir: string, work: { archive?: string; waitForBackup?: boolean }, log: (s: string) => void): Promise<Run> {
  const host = await startHostProcess({ dataDir, env: { ANTHROPIC_API_KEY: 'k', ANTHROPIC_BASE_URL: 'http://127.0.0.1:9' } });
  const pid = host.proc.pid!;
  try {
    await getJson(host, '/api/sessions?limit=100'); // ready: the first list answered
    const run: Partial<Run> = { started: memoryOf(pid).rss };
    if (work.waitForBackup) {
      // The first start of a history without a backup checks it in the background and writes the daily backup.
      const stop = sampler(pid);
      const t0 = Date.now();
      while (!/backup (written|failed)/.test(host.output()) && Date.now() - t0 < 15 * 60_000) await pause(200);
      run.background = stop();
      log(`  host-memory: background check and first backup done in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    }
    if (work.archive) {
      const stop = sampler(pid);
      const res = await fetch(`${host.url}/api/import`, { method: 'POST', body: await fs.openAsBlob(work.archive), headers: host.headers });
      if (!res.ok) throw new Error(`import failed: ${await res.text()}`);
      run.importPeak = stop();
      run.afterImport = memoryOf(pid).rss;
      await pause(10_000);
      run.idle = memoryOf(pid).rss;
    }
    const stop = sampler(pid);
    await serve(host);
    run.servingPeak = stop();
    run.served = memoryOf(pid).rss;
    run.hwm = memoryOf(pid).hwm;
    return run as Run;
  } finally {
    await host.kill('SIGTERM');
  }
}

export async function runHostMemoryBench(log: (s: string) => void): Promise<string> {
  const large = await largeFolder(log);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'holdfast-bench-host-memory-'));
  try {
    const texts = [answerFor('memory user [len=120]'), answerFor('memory assistant [len=900]')];
    const now = Date.now();
    const archive = path.join(tmp, 'archive.json');
    fs.writeFileSync(
      archive,
      archiveOf(
        Array.from({ length: IMPORT_CONVERSATIONS }, (_, c) =>
          chainConversation({
            id: `conv${c}`,
            title: `Conversation ${c}`,
            prefix: `c${c}m`,
            messages: IMPORT_MESSAGES,
            content: (i) => `${c}/${i} ${texts[i % 2]}`,
            at: now + c,
          }),
        ),
      ),
    );
    const archiveMb = fs.statSync(archive).size / 2 ** 20;
    log('  host-memory: empty data folder');
    const empty = await measure(path.join(tmp, 'empty'), {}, log);
    log(`  host-memory: importing ${(IMPORT_CONVERSATIONS * IMPORT_MESSAGES).toLocaleString('en')} messages`);
    const imported = await measure(path.join(tmp, 'import'), { archive }, log);
    // Every run starts as a first start with that history: no backup yet, so the daily one is written.
    fs.rmSync(path.join(large, 'backups'), { recursive: true, force: true });
    log(`  host-memory: ${LARGE.toLocaleString('en')} messages`);
    const big = await measure(large, { waitForBackup: true }, log);
    fs.rmSync(path.join(large, 'backups'), { recursive: true, force: true });
    const dbMb = fs.statSync(path.join(large, 'holdfast.db')).size / 2 ** 20;
    const mb = (n: number | undefined) => (n === undefined ? '—' : `${n.toFixed(0)} MB`);
    const row = (what: string, k: keyof Run) => `| ${what} | ${mb(empty[k])} | ${mb(imported[k])} | ${mb(big[k])} |`;
    const worst = Math.max(imported.afterImport!, imported.idle!, imported.served, big.served, big.background!);
    return [
      `| host resident memory (VmRSS) | empty data folder | ${(IMPORT_CONVERSATIONS * IMPORT_MESSAGES).toLocaleString('en')} messages imported (${archiveMb.toFixed(0)} MB archive) | ${LARGE.toLocaleString('en')} messages (${dbMb.toFixed(0)} MB database) |`,
      '|---|---|---|---|',
      row('started, first list page answered', 'started'),
      row('peak during the background check and the first daily backup', 'background'),
      row('peak during the import', 'importPeak'),
      row('right after the import', 'afterImport'),
      row('10 s later, idle', 'idle'),
      row(`peak while serving (list pages, ${OPENED} conversations opened: thread and tree, 10 searches)`, 'servingPeak'),
      row('after serving', 'served'),
      row('peak over the whole run (VmHWM)', 'hwm'),
      '',
      `${LARGE.toLocaleString('en')} messages ÷ empty, after serving: ${(big.served / empty.served).toFixed(2)}×. Budget: ≤ ${HOST_RSS_BUDGET_MB} MB resident after an import, idle and while serving (worst of those here: ${worst.toFixed(0)} MB, ${worst <= HOST_RSS_BUDGET_MB ? 'met' : 'missed'}).`,
    ].join('\n');
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
