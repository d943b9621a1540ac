/**
 * Where a list-level message's renderer time goes: one window shows a conversation that is not streaming while 16 answers
 * stream in others, so everything it hears is list-level (conversation rows, app status); prints what it received by
 * type, its main-thread CPU per message, and a CPU profile's self time by function. Not part of `npm run bench`: run
 * `npm run bench -- latency-profile` after `npm run build`; CLEAN=1 measures CPU without the profiler and tracing (their
 * own cost is large), NO_PULSE=1 stops the list's generating-dot animation, CONTAIN=<css> adds a style sheet.
 */
import { chromium } from '@playwright/test';
import { FakeAnthropic } from '../test/support/fake-anthropic';
import { startHostProcess } from '../test/support/host-process';
import { finished } from './latency';
import { tempDir } from '../test/support/core';
import { chromiumLaunchOptions } from '../test/support/chromium';
import { selfTimeByFunction, topFunctions, type CpuProfile } from './cpu-profile';

export async function runLatencyProfile(): Promise<string> {
  const out: string[] = [];
  const fake = await new FakeAnthropic({ paceMs: 20 }).listen();
  const host = await startHostProcess({
    dataDir: tempDir('holdfast-prof-latency-'),
    env: { ANTHROPIC_API_KEY: 'k', ANTHROPIC_BASE_URL: fake.url },
  });
  const browser = await chromium.launch(chromiumLaunchOptions);
  try {
    const post = async (path: string, body: unknown) =>
      (await (await fetch(`${host.url}${path}`, { method: 'POST', body: JSON.stringify(body), headers: host.headers })).json()) as {
        id: string;
      };
    const shown = (await post('/api/sessions', { title: 'shown' })).id;
    await post(`/api/sessions/${shown}/messages`, { content: 'a short one [len=40]' });
    const others: string[] = [];
    for (let i = 0; i < 16; i++) others.push((await post('/api/sessions', { title: `other ${i}` })).id);
    const page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
    const kinds = new Map<string, number>();
    let counting = false;
    page.on('websocket', (ws) =>
      ws.on('framereceived', (f) => {
        if (!counting || typeof f.payload !== 'string') return;
        const m = /"type":"([\w.]+)"(?:,"seq":\d+,"entity":"(\w+)")?/.exec(f.payload);
        const k = m ? `${m[1]}${m[2] ? ` ${m[2]}` : ''}` : 'reply';
        kinds.set(k, (kinds.get(k) ?? 0) + 1);
      }),
    );
    await page.goto(host.appUrl(`#/c/${shown}`));
    await page.locator('[data-testid="message"][data-role="assistant"][data-status="completed"]').waitFor();
    if (process.env.NO_PULSE)
      await page.addStyleTag({
        content: `.generating-dot { animation: ${process.env.NO_PULSE === 'steps' ? 'pulse 1s steps(2, jump-none) infinite alternate' : 'none'} !important; }`,
      });
    if (process.env.CONTAIN) await page.addStyleTag({ content: process.env.CONTAIN });
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Performance.enable');
    const cpu = async () =>
      ((await cdp.send('Performance.getMetrics')) as { metrics: { name: string; value: number }[] }).metrics.find(
        (m) => m.name === 'ThreadTime',
      )!.value * 1000;
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: 100 });
    // The same span with nothing streaming: what the idle window costs on its own.
    const idle0 = await cpu();
    await new Promise((r) => setTimeout(r, 3000));
    const idleMs = (await cpu()) - idle0;
    // CLEAN=1: CPU alone, without the profiler's and the tracing's own cost.
    const clean = Boolean(process.env.CLEAN);
    if (!clean) {
      if (!process.env.NO_PROFILER) await cdp.send('Profiler.start');
      await browser.startTracing(page, { categories: ['devtools.timeline', 'toplevel', 'blink', 'cc', 'v8'] });
    }
    counting = true;
    const before = await cpu();
    const t0 = Date.now();
    await Promise.all(others.map((id, i) => post(`/api/sessions/${id}/messages`, { content: `other #${i} [len=3000]` })));
    // Polled on the host, not in the page: a locator's polling would spend the renderer's time it measures.
    for (const id of others) await finished(host, id);
    await page.waitForTimeout(300);
    const spent = (await cpu()) - before;
    const span = Date.now() - t0;
    counting = false;
    const messages = [...kinds.values()].reduce((a, b) => a + b, 0);
    const idleShare = (idleMs / 3000) * span;
    out.push(
      `one window showing an idle conversation while 16 answers stream elsewhere: ${messages} WebSocket messages in ${span} ms`,
      `  by type: ${[...kinds.entries()].map(([k, v]) => `${k} ${v}`).join(', ')}`,
      `  renderer main-thread CPU ${spent.toFixed(0)} ms (idle over the same span ≈ ${idleShare.toFixed(0)} ms): ${((spent - idleShare) / messages).toFixed(2)} ms per message`,
    );
    if (clean) return out.join('\n');
    const raw = await browser.stopTracing();
    if (process.env.TRACE_OUT) (await import('node:fs')).writeFileSync(process.env.TRACE_OUT, raw);
    const trace = JSON.parse(raw.toString()) as {
      traceEvents: { name: string; ph: string; dur?: number; tid: number; pid: number; args?: { name?: string } }[];
    };
    const { profile } = process.env.NO_PROFILER
      ? { profile: { nodes: [], samples: [], timeDeltas: [] } as CpuProfile }
      : ((await cdp.send('Profiler.stop')) as { profile: CpuProfile });
    const self = selfTimeByFunction(profile, true);
    // The renderer main thread's tasks by kind (complete events nest: each name's total includes what runs inside it).
    const main = trace.traceEvents.find((e) => e.name === 'thread_name' && e.args?.name === 'CrRendererMain');
    const byName = new Map<string, number>();
    for (const e of trace.traceEvents)
      if (main && e.pid === main.pid && e.tid === main.tid && (e.ph === 'X' || e.ph === 'I'))
        byName.set(e.name, (byName.get(e.name) ?? 0) + (e.dur ? e.dur / 1000 : 0));
    const counts = new Map<string, number>();
    for (const e of trace.traceEvents)
      if (main && e.pid === main.pid && e.tid === main.tid) counts.set(e.name, (counts.get(e.name) ?? 0) + 1);
    out.push(
      `  main-thread trace event counts: ${[...counts.entries()]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 16)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}`,
    );
    out.push(
      `  main-thread trace events (ms, nested): ${[...byName.entries()]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 14)
        .map(([k, v]) => `${k} ${v.toFixed(1)}`)
        .join(', ')}`,
    );
    out.push('  self time by function (ms, sampled):');
    out.push(topFunctions(self, Number(process.env.TOP ?? 16), '    '));
  } finally {
    await browser.close();
    await host.kill('SIGKILL');
    await fake.close();
  }
  return out.join('\n');
}
