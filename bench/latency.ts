/**
 * Chunk arrives → visible: the time from the local Anthropic server writing a text delta to that text showing in a
 * window, for 4 windows while 20 answers stream at once, side by side with 1 window and 1 answer.
 */
import { chromium, type Page } from '@playwright/test';
import { FakeAnthropic } from '../test/support/fake-anthropic';
import { startHostProcess } from '../test/support/host-process';
import { tempDir } from '../test/support/core';
import { percentile } from './stats';
import { chromiumLaunchOptions } from '../test/support/chromium';

/** Records [epoch ms, characters shown] each time the last answer's text grows. */
async function watch(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { __seen: [number, number][] };
    w.__seen = [];
    let last = 0;
    new MutationObserver(() => {
      const el = [...document.querySelectorAll('[data-testid="message"][data-role="assistant"]')].pop();
      if (!el) return;
      const n = [...el.querySelectorAll<HTMLElement>('.md-block')].reduce((a, b) => a + (b.dataset.source?.length ?? 0), 0);
      if (n > last) {
        last = n;
        w.__seen.push([performance.timeOrigin + performance.now(), n]);
      }
    }).observe(document.body, { subtree: true, childList: true, characterData: true });
  });
}

export async function scenario(windows: number, answers: number): Promise<number[]> {
  const fake = await new FakeAnthropic({ paceMs: 20 }).listen();
  const host = await startHostProcess({
    dataDir: tempDir('holdfast-bench-latency-'),
    env: { ANTHROPIC_API_KEY: 'k', ANTHROPIC_BASE_URL: fake.url },
  });
  const browser = await chromium.launch(chromiumLaunchOptions);
  try {
    const sent = new Map<string, [number, number][]>();
    fake.onDelta = (prompt, n) => {
      let l = sent.get(prompt);
      if (!l) sent.set(prompt, (l = []));
      l.push([Date.now(), n]);
    };
    const convs: string[] = [];
    for (let i = 0; i < answers; i++) {
      const r = await fetch(`${host.url}/api/sessions`, {
        method: 'POST',
        body: JSON.stringify({ title: `c${i}` }),
        headers: host.headers,
      });
      convs.push(((await r.json()) as { id: string }).id);
    }
    const pages: Page[] = [];
    for (let i = 0; i < windows; i++) {
      const page = await browser.newPage();
      await page.goto(host.appUrl(`#/c/${convs[i]}`));
      await page.locator('[data-testid="connection-status"][data-state="connected"]').waitFor();
      pages.push(page);
    }
    await Promise.all(pages.map(watch));
    const prompts = convs.map((_, i) => `latency ${windows}x${answers} #${i} [len=3000]`);
    await Promise.all(
      convs.map((id, i) =>
        fetch(`${host.url}/api/sessions/${id}/messages`, {
          method: 'POST',
          body: JSON.stringify({ content: prompts[i] }),
          headers: host.headers,
        }),
      ),
    );
    for (const page of pages)
      await page.locator('[data-testid="message"][data-role="assistant"][data-status="completed"]').waitFor({ timeout: 120_000 });
    const latencies: number[] = [];
    for (let i = 0; i < windows; i++) {
      const seen = await pages[i]!.evaluate(() => (window as unknown as { __seen: [number, number][] }).__seen);
      for (const [at, n] of sent.get(prompts[i]!) ?? []) {
        const shown = seen.find(([, m]) => m >= n);
        if (shown) latencies.push(shown[0] - at);
      }
    }
    return latencies;
  } finally {
    await browser.close();
    await host.kill('SIGKILL');
    await fake.close();
  }
}

export async function runLatencyBench(): Promise<string> {
  const base = await scenario(1, 1);
  const loaded = await scenario(4, 20);
  return [
    '| chunk written by the provider → visible in the window | chunks measured | p50 ms | p95 ms | max ms |',
    '|---|---|---|---|---|',
    `| 1 window, 1 answer (baseline) | ${base.length} | ${percentile(base, 50).toFixed(1)} | ${percentile(base, 95).toFixed(1)} | ${Math.max(...base).toFixed(1)} |`,
    `| 4 windows, 20 answers at once | ${loaded.length} | ${percentile(loaded, 50).toFixed(1)} | ${percentile(loaded, 95).toFixed(1)} | ${Math.max(...loaded).toFixed(1)} |`,
    '',
    `p95 ratio (loaded ÷ baseline): ${(percentile(loaded, 95) / percentile(base, 95)).toFixed(1)}×. Budget: ≤ 50 ms p95 with 4 windows and 20 answers.`,
  ].join('\n');
}
