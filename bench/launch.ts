/**
 * Launch to an interactive window: from starting the built headless host process to a Chromium window on it whose
 * composer is usable (connected, the composer enabled, and with a history the first conversations listed), with an
 * empty data folder and with 1,000,000 messages, run by turns in one run and reported as a ratio.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { chromium, type Browser } from '@playwright/test';
import { startHostProcess } from '../test/support/host-process';
import { chromiumLaunchOptions } from '../test/support/chromium';
import { LARGE_MESSAGES as LARGE, largeFolder } from './large-folder';
import { percentile } from './stats';

const RUNS = Number(process.env.BENCH_LAUNCH_RUNS ?? 5);

interface Launch {
  /** The host printed that it listens. */
  listening: number;
  /** The first page of the conversation list answered over REST (runs of their own, no window). */
  firstList?: number;
  /** The window's composer usable. */
  interactive?: number;
}

/** One launch: spawn the host, then either ask for the first list page or open a window and wait until it is usable. */
async function launch(dataDir: string, browser: Browser | null, expectList: boolean): Promise<Launch> {
  const t0 = performance.now();
  const host = await startHostProcess({ dataDir, env: { ANTHROPIC_API_KEY: 'k', ANTHROPIC_BASE_URL: 'http://127.0.0.1:9' } });
  const out: Launch = { listening: performance.now() - t0 };
  try {
    if (!browser) {
      const res = await fetch(`${host.url}/api/sessions?limit=100`, { headers: host.headers });
      if (!res.ok) throw new Error(`first list: ${res.status}`);
      await res.json();
      out.firstList = performance.now() - t0;
      return out;
    }
    // A fresh context: nothing cached from the previous launch, as a new window loading the app.
    const context = await browser.newContext({ viewport: { width: 1200, height: 800 } });
    try {
      const page = await context.newPage();
      await page.goto(host.appUrl(), { waitUntil: 'commit' });
      await page.waitForFunction(
        (list) => {
          const input = document.querySelector<HTMLTextAreaElement>('[data-testid="composer-input"]');
          const connected = document.querySelector('[data-testid="connection-status"][data-state="connected"]');
          const listed = !list || document.querySelector('[data-testid="conversation-item"]');
          return Boolean(input && !input.disabled && input.offsetParent && connected && listed);
        },
        expectList,
        { polling: 'raf', timeout: 120_000 },
      );
      out.interactive = performance.now() - t0;
      return out;
    } finally {
      await context.close();
    }
  } finally {
    // A clean stop, so the next start is a start after a clean shutdown (no full check first).
    await host.kill('SIGTERM');
  }
}

export async function runLaunchBench(log: (s: string) => void): Promise<string> {
  const large = await largeFolder(log);
  const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'holdfast-bench-launch-empty-'));
  const browser = await chromium.launch(chromiumLaunchOptions);
  try {
    // Warm-up, not counted: the first start creates the empty database, and both files come into the page cache.
    await launch(empty, browser, false);
    await launch(large, browser, true);
    const runs = { empty: [] as Launch[], large: [] as Launch[] };
    for (let i = 0; i < RUNS; i++) {
      // By turns, so a change in the machine's load falls on both alike.
      runs.empty.push(await launch(empty, null, false));
      runs.large.push(await launch(large, null, true));
      runs.empty.push(await launch(empty, browser, false));
      runs.large.push(await launch(large, browser, true));
      log(`  launch: run ${i + 1}/${RUNS}`);
    }
    const med = (xs: Launch[], k: keyof Launch) =>
      percentile(
        xs.flatMap((x) => (x[k] === undefined ? [] : [x[k]])),
        50,
      );
    const row = (what: string, k: keyof Launch) => {
      const e = med(runs.empty, k);
      const b = med(runs.large, k);
      return `| ${what} | ${e.toFixed(0)} ms | ${b.toFixed(0)} ms | ${(b / e).toFixed(2)}× |`;
    };
    const size = fs.statSync(path.join(large, 'holdfast.db')).size / 2 ** 20;
    return [
      `| from spawning the host process (median of ${RUNS} launches each, by turns) | empty data folder | ${LARGE.toLocaleString('en')} messages (${size.toFixed(0)} MB) | ratio (large ÷ empty) |`,
      '|---|---|---|---|',
      row('host listening', 'listening'),
      row('first page of the conversation list answered (`GET /api/sessions?limit=100`)', 'firstList'),
      row('window interactive: connected, composer enabled, first conversations listed', 'interactive'),
      '',
      `Budget: the interactive window within 2× of the empty data folder. Chromium is launched once before the runs (the browser's own start is not the app's); each launch opens a fresh browser context, so the renderer bundle is loaded and parsed every time.`,
    ].join('\n');
  } finally {
    await browser.close();
    fs.rmSync(empty, { recursive: true, force: true });
  }
}
