/**
 * The window's budgets, in Debian's Chromium against the headless host:
 * - Markdown work per streamed chunk of a 50,000-character answer: Holdfast's block-incremental rendering side by
 *   side with re-parsing the whole text per chunk (CPU, in one process), and the longest renderer task seen while
 *   the real app streams that answer;
 * - switching to a 2,000-message conversation: the first open (fetched over the socket) and switching back (in memory).
 */
import fs from 'node:fs';

import { performance } from 'node:perf_hooks';
import { Marked } from 'marked';
import { chromium } from '@playwright/test';
import { FakeAnthropic } from '../test/support/fake-anthropic';
import { startHostProcess } from '../test/support/host-process';
import { tempDir } from '../test/support/core';
import { BlockLexer } from '../src/renderer/src/components/markdown/blocks';
import { answerFor, splitIntoDeltas } from '../src/main/core/providers/demo-text';
import { percentile } from './stats';
import { chromiumLaunchOptions } from '../test/support/chromium';
import { archiveOf, chainConversation } from '../test/support/archive';

function markdownPerChunk(): string {
  const text = answerFor('bench [len=50000]');
  const deltas = splitIntoDeltas(text);
  const marked = new Marked({ gfm: true });
  const cache = new Map<string, string>();
  const lexer = new BlockLexer();
  let acc = '';
  const whole: number[] = [];
  const incremental: number[] = [];
  for (const d of deltas) {
    acc += d;
    let t = performance.now();
    marked.parse(acc, { async: false });
    whole.push(performance.now() - t);
    t = performance.now();
    // What the app does per chunk: lex again from the last blocks, render only blocks it has not seen.
    for (const t of lexer.update(acc).tokens) if (!cache.has(t.raw)) cache.set(t.raw, marked.parser([t]));
    incremental.push(performance.now() - t);
  }
  return [
    '| Markdown per chunk, 50,000-character answer | chunks | p50 ms | p95 ms | max ms |',
    '|---|---|---|---|---|',
    `| whole text re-parsed per chunk (baseline) | ${whole.length} | ${percentile(whole, 50).toFixed(2)} | ${percentile(whole, 95).toFixed(2)} | ${Math.max(...whole).toFixed(2)} |`,
    `| block-incremental (Holdfast) | ${incremental.length} | ${percentile(incremental, 50).toFixed(3)} | ${percentile(incremental, 95).toFixed(3)} | ${Math.max(...incremental).toFixed(2)} |`,
    '',
    `p95 ratio (baseline ÷ Holdfast): ${(percentile(whole, 95) / percentile(incremental, 95)).toFixed(0)}×.`,
  ].join('\n');
}

async function inBrowser(log: (s: string) => void): Promise<string> {
  const fake = await new FakeAnthropic({ paceMs: 1 }).listen();
  const dataDir = tempDir('holdfast-bench-ui-');
  const host = await startHostProcess({ dataDir, env: { ANTHROPIC_API_KEY: 'k', ANTHROPIC_BASE_URL: fake.url } });
  const browser = await chromium.launch(chromiumLaunchOptions);
  try {
    // A 2,000-message conversation and a small one, through the import route.
    const now = Date.now();
    const big = chainConversation({
      id: 'big',
      title: 'Two thousand messages',
      prefix: 'm',
      messages: 2000,
      content: (i) => answerFor(`msg ${i} [len=${i % 2 ? 600 : 80}]`),
      at: now,
    });
    const small = {
      ...big,
      conversation: { ...big.conversation, id: 'small', title: 'Small', current_leaf_id: 's1' },
      messages: big.messages.slice(0, 2).map((m, i) => ({ ...m, id: `s${i}`, conversation_id: 'small', parent_id: i ? 's0' : null })),
    };
    const archive = archiveOf([big, small]);
    const imported = await fetch(`${host.url}/api/import`, { method: 'POST', body: archive, headers: host.headers });
    if (!imported.ok) throw new Error(`import failed: ${await imported.text()}`);
    const page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
    await page.goto(host.appUrl());
    await page.locator('[data-testid="conversation-item"][data-id="big"]').waitFor();
    const openMs = async (id: string) =>
      page.evaluate(async (cid) => {
        const t = performance.now();
        (document.querySelector(`[data-testid="conversation-item"][data-id="${cid}"]`) as HTMLElement).click();
        for (;;) {
          await new Promise((r) => requestAnimationFrame(() => r(null)));
          const msgs = document.querySelectorAll('[data-testid="message"]');
          if (msgs.length && msgs[msgs.length - 1]!.getAttribute('data-id') === (cid === 'big' ? 'm1999' : 's1'))
            return performance.now() - t;
        }
      }, id);
    // Where a first open's time goes: the socket and the core, timed alone over a second WebSocket from the page.
    const socketMs = (method: string, input: unknown) =>
      page.evaluate(
        async ([m, i]) => {
          const ws = new WebSocket(`${location.origin.replace('http', 'ws')}/ws`);
          await new Promise((r) => (ws.onopen = r));
          const times: number[] = [];
          for (let n = 0; n < 5; n++) {
            const t = performance.now();
            ws.send(JSON.stringify({ id: n, method: m, input: i }));
            await new Promise((r) => (ws.onmessage = r));
            times.push(performance.now() - t);
          }
          ws.close();
          return times.sort((a, b) => a - b)[2]!;
        },
        [method, input] as const,
      );
    const tailOverSocket = await socketMs('messages.thread', { conversation_id: 'big', tail: 40 });
    const treeOverSocket = await socketMs('messages.tree', { conversation_id: 'big' });
    const cold = await openMs('big');

    const warm: number[] = [];
    for (let i = 0; i < 5; i++) {
      await openMs('small');
      warm.push(await openMs('big'));
    }
    log('  switch measured');
    // Longest task while a 50,000-character answer streams into the open window.
    await page.getByTestId('new-conversation').click();
    await page.evaluate(() => {
      (window as unknown as { __long: number[] }).__long = [];
      new PerformanceObserver((l) => {
        for (const e of l.getEntries()) (window as unknown as { __long: number[] }).__long.push(e.duration);
      }).observe({ type: 'longtask', buffered: false });
    });
    await page.getByTestId('composer-input').fill('bench [len=50000]');
    await page.getByTestId('composer-input').press('Enter');
    await page.locator('[data-testid="message"][data-role="assistant"][data-status="completed"]').waitFor({ timeout: 120_000 });
    const long = await page.evaluate(() => (window as unknown as { __long: number[] }).__long);
    return [
      '| window | measured | budget |',
      '|---|---|---|',
      `| switch to a 2,000-message conversation, first open (fetched over the socket) | ${cold.toFixed(0)} ms | ≤ 50 ms |`,
      `| switch back when already loaded (median of 5) | ${percentile(warm, 50).toFixed(0)} ms | ≤ 16 ms |`,
      `| of a first open: the thread's last 40 messages over the socket (socket + core, median of 5) | ${tailOverSocket.toFixed(1)} ms | |`,
      `| the whole tree over the socket, fetched after the first paint (socket + core, median of 5) | ${treeOverSocket.toFixed(1)} ms | |`,
      `| longest renderer task while a 50,000-character answer streams | ${long.length ? Math.max(...long).toFixed(0) : '< 50'} ms (${long.length} tasks over 50 ms) | no task over 50 ms |`,
      '',
      `Cold ÷ warm switch: ${(cold / percentile(warm, 50)).toFixed(1)}×.`,
    ].join('\n');
  } finally {
    await browser.close();
    await host.kill('SIGKILL');
    await fake.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

export async function runRendererBench(log: (s: string) => void): Promise<string> {
  return `${markdownPerChunk()}\n\n${await inBrowser(log)}`;
}
