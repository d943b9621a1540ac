/**
 * Where a switch's time goes: a CPU profile of the window (CDP Profiler, 0.1 ms samples) while it opens a 2,000-message
 * conversation for the first time, opens a small one, and switches back; self time by function. "(program)" is the
 * browser's native work outside JavaScript (style, layout, paint). Not part of `npm run bench`: run
 * `npm run bench -- switch-profile` after `npm run build`.
 */
import { chromium } from '@playwright/test';
import { FakeAnthropic } from '../test/support/fake-anthropic';
import { startHostProcess } from '../test/support/host-process';
import { tempDir } from '../test/support/core';
import { answerFor } from '../src/main/core/providers/demo-text';
import { chromiumLaunchOptions } from '../test/support/chromium';
import { archiveOf, chainConversation } from '../test/support/archive';
import { selfTimeByFunction, topFunctions, type CpuProfile } from './cpu-profile';

export async function runSwitchProfile(): Promise<string> {
  const out: string[] = [];
  const fake = await new FakeAnthropic({ paceMs: 1 }).listen();
  const host = await startHostProcess({
    dataDir: tempDir('holdfast-prof-'),
    env: { ANTHROPIC_API_KEY: 'k', ANTHROPIC_BASE_URL: fake.url },
  });
  const browser = await chromium.launch(chromiumLaunchOptions);
  const conv = (id: string, n: number) =>
    chainConversation({ id, messages: n, content: (i) => answerFor(`msg ${i} [len=${i % 2 ? 600 : 80}]`) });
  const imported = await fetch(`${host.url}/api/import`, {
    method: 'POST',
    body: archiveOf([conv('big', 2000), conv('small', 2)]),
    headers: host.headers,
  });
  if (!imported.ok) throw new Error(`import failed: ${await imported.text()}`);
  const page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
  await page.goto(host.appUrl());
  await page.locator('[data-testid="conversation-item"][data-id="big"]').waitFor();
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 100 });
  for (const [label, id] of [
    ['cold', 'big'],
    ['small', 'small'],
    ['warm', 'big'],
  ] as const) {
    await cdp.send('Profiler.start');
    const ms = await page.evaluate(async (cid) => {
      const t = performance.now();
      (document.querySelector(`[data-testid="conversation-item"][data-id="${cid}"]`) as HTMLElement).click();
      for (;;) {
        await new Promise((r) => requestAnimationFrame(() => r(null)));
        const msgs = document.querySelectorAll('[data-testid="message"]');
        if (msgs.length && msgs[msgs.length - 1]!.getAttribute('data-id') === (cid === 'big' ? 'bigm1999' : 'smallm1'))
          return performance.now() - t;
      }
    }, id);
    const { profile } = (await cdp.send('Profiler.stop')) as { profile: CpuProfile };
    const self = selfTimeByFunction(profile);
    out.push(`${label}: ${ms.toFixed(0)} ms; self time by function (ms, sampled):`);
    out.push(topFunctions(self, Number(process.env.TOP ?? 14)));
  }
  await browser.close();
  await host.kill('SIGKILL');
  await fake.close();
  return out.join('\n');
}
