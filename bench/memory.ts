/**
 * Bounded memory: the renderer's JS heap (after a forced GC) as a window opens 200 conversations of 500 messages one
 * after another, side by side with the heap after the first 12 (what the tree cache may hold), and the headless host's
 * resident memory over the same run.
 */
import fs from 'node:fs';
import { chromium } from '@playwright/test';
import { startHostProcess } from '../test/support/host-process';
import { tempDir } from '../test/support/core';
import { answerFor } from '../src/main/core/providers/demo-text';
import { chromiumLaunchOptions } from '../test/support/chromium';
import { MAX_TREES } from '../src/renderer/src/state/store';
import { archiveOf, chainConversation } from '../test/support/archive';

const CONVERSATIONS = 200;
const MESSAGES = 500;
/** Budgets, written down before measuring: the heap may not grow past the first cache-full by more than this. */
const HEAP_GROWTH_BUDGET = 1.5;
const HEAP_BUDGET_MB = 150;
const HOST_RSS_BUDGET_MB = 300;

function rssMb(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024;
}

export async function runMemoryBench(log: (s: string) => void): Promise<string> {
  const dataDir = tempDir('holdfast-bench-memory-');
  const host = await startHostProcess({ dataDir, env: { ANTHROPIC_API_KEY: 'k', ANTHROPIC_BASE_URL: 'http://127.0.0.1:9' } });
  const browser = await chromium.launch(chromiumLaunchOptions);
  try {
    const now = Date.now();
    const texts = [answerFor('memory user [len=120]'), answerFor('memory assistant [len=900]')];
    const conversations = Array.from({ length: CONVERSATIONS }, (_, c) =>
      chainConversation({
        id: `conv${c}`,
        title: `Conversation ${c}`,
        prefix: `c${c}m`,
        messages: MESSAGES,
        content: (i) => `${c}/${i} ${texts[i % 2]}`,
        at: now + c,
      }),
    );
    const archive = archiveOf(conversations);
    const imported = await fetch(`${host.url}/api/import`, { method: 'POST', body: archive, headers: host.headers });
    if (!imported.ok) throw new Error(`import failed: ${await imported.text()}`);
    log(`  memory: imported ${CONVERSATIONS} × ${MESSAGES} messages (${(archive.length / 2 ** 20).toFixed(0)} MB archive)`);
    const hostAfterImport = rssMb(host.proc.pid!);
    const page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
    const cdp = await page.context().newCDPSession(page);
    const heapMb = async () => {
      await cdp.send('HeapProfiler.collectGarbage');
      return ((await cdp.send('Runtime.getHeapUsage')) as { usedSize: number }).usedSize / 2 ** 20;
    };
    await page.goto(host.appUrl());
    await page.locator('[data-testid="connection-status"][data-state="connected"]').waitFor();
    const start = await heapMb();
    const at: Record<number, number> = {};
    for (let c = 0; c < CONVERSATIONS; c++) {
      await page.evaluate((id) => (location.hash = `#/c/${id}`), `conv${c}`);
      // Any of its messages on screen: the thread is open (where it scrolled to does not matter for memory).
      await page.locator(`[data-testid="message"][data-id^="c${c}m"]`).first().waitFor({ timeout: 60_000 });
      // The tail paints first and the whole tree follows: give it time to land before the next (a bench, not a test).
      await page.evaluate(() => new Promise((r) => setTimeout(r, 150)));
      const n = c + 1;
      if (n === MAX_TREES || n === 50 || n === 100 || n === CONVERSATIONS) {
        at[n] = await heapMb();
        log(`  memory: ${n} opened, heap ${at[n]!.toFixed(1)} MB`);
      }
    }
    const hostEnd = rssMb(host.proc.pid!);
    const full = at[MAX_TREES]!;
    const end = at[CONVERSATIONS]!;
    return [
      `| after opening (${MESSAGES} messages each) | renderer JS heap after GC |`,
      '|---|---|',
      `| nothing (the list only) | ${start.toFixed(1)} MB |`,
      ...Object.entries(at).map(
        ([n, mb]) => `| ${n} conversations${Number(n) === MAX_TREES ? ' (the tree cache full: baseline)' : ''} | ${mb.toFixed(1)} MB |`,
      ),
      '',
      `Heap after ${CONVERSATIONS} ÷ after ${MAX_TREES}: ${(end / full).toFixed(2)}× (budget ≤ ${HEAP_GROWTH_BUDGET}×; and ≤ ${HEAP_BUDGET_MB} MB in all: ${end <= HEAP_BUDGET_MB ? 'met' : 'missed'}).`,
      '',
      '| host (headless, Node) | resident memory |',
      '|---|---|',
      `| after importing ${(CONVERSATIONS * MESSAGES).toLocaleString('en')} messages | ${hostAfterImport.toFixed(0)} MB |`,
      `| after a window opened all ${CONVERSATIONS} conversations | ${hostEnd.toFixed(0)} MB |`,
      '',
      `Host budget: ≤ ${HOST_RSS_BUDGET_MB} MB while serving windows (${hostEnd <= HOST_RSS_BUDGET_MB ? 'met' : 'missed'}); the first row is what the import left resident, before the heap shrank.`,
    ].join('\n');
  } finally {
    await browser.close();
    await host.kill('SIGKILL');
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
