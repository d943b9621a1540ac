/**
 * Chunk arrives → visible: the time from the local Anthropic server writing a text delta to that text showing in a
 * window, for 4 windows while 20 answers stream at once, side by side with 1 window and 1 answer; and what each window
 * costs per chunk (renderer main-thread CPU, and the host's CPU), with 4 windows each showing one of 4 answers side by
 * side with the same 4 windows while 16 more answers stream that none of them shows, and with a control: the same 4
 * windows while those 16 answers stream on a second host process instead (the same load on the machine, no messages to
 * the windows), which tells machine contention from the windows' own processing.
 */
import fs from 'node:fs';
import { chromium, type Page } from '@playwright/test';
import { FakeAnthropic } from '../test/support/fake-anthropic';
import { startHostProcess, type HostProcess } from '../test/support/host-process';
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
      const n = Number(el.querySelector<HTMLElement>('.markdown')?.dataset.length ?? 0);
      if (n > last) {
        last = n;
        w.__seen.push([performance.timeOrigin + performance.now(), n]);
      }
    }).observe(document.body, { subtree: true, childList: true, characterData: true });
  });
}

export interface Scenario {
  latencies: number[];
  /** Renderer main-thread busy time (CDP TaskDuration: wall time in tasks) per window while the answers streamed, ms. */
  rendererMs: number[];
  /** The renderer main thread's CPU time (CDP ThreadTime) per window over the same span, ms: unlike busy time it does not
   * grow when the thread waits for a core the other processes hold. */
  rendererCpuMs: number[];
  /** WebSocket messages (and their bytes) each window received over the same span. */
  frames: number[];
  bytes: number[];
  /** The host process's CPU (user + system) over the same span, ms. */
  hostMs: number;
  /** Text deltas the provider sent, over all answers, and those of the answers the windows show. */
  chunks: number;
  shownChunks: number;
}

function cpuMs(pid: number): number {
  // Fields 14 and 15 of /proc/<pid>/stat: user and system time in clock ticks (100 per second on Linux).
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** Waits until the conversation's last message is a finished answer (the host's view: `GET /api/sessions/:id/messages`). */
export async function finished(host: HostProcess, id: string): Promise<void> {
  for (let t = Date.now(); Date.now() - t < 120_000; await new Promise((r) => setTimeout(r, 100))) {
    const thread = (await (await fetch(`${host.url}/api/sessions/${id}/messages`, { headers: host.headers })).json()) as {
      role: string;
      status: string;
    }[];
    const last = thread.at(-1);
    if (last?.role === 'assistant' && last.status !== 'queued' && last.status !== 'generating') return;
  }
  throw new Error(`answer in ${id} did not finish`);
}

async function newConversations(host: HostProcess, n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const r = await fetch(`${host.url}/api/sessions`, { method: 'POST', body: JSON.stringify({ title: `c${i}` }), headers: host.headers });
    ids.push(((await r.json()) as { id: string }).id);
  }
  return ids;
}

/**
 * `windows` windows, each showing one of `answers` answers streaming on one host; with `elsewhere`, that many more
 * answers stream at the same time on a second host process no window is connected to (the machine's load of the extra
 * answers, without their messages).
 */
export async function scenario(windows: number, answers: number, elsewhere = 0): Promise<Scenario> {
  const fake = await new FakeAnthropic({ paceMs: 20 }).listen();
  const host = await startHostProcess({
    dataDir: tempDir('holdfast-bench-latency-'),
    env: { ANTHROPIC_API_KEY: 'k', ANTHROPIC_BASE_URL: fake.url },
  });
  const other = elsewhere
    ? await startHostProcess({
        dataDir: tempDir('holdfast-bench-latency-other-'),
        env: { ANTHROPIC_API_KEY: 'k', ANTHROPIC_BASE_URL: fake.url },
      })
    : null;
  const browser = await chromium.launch(chromiumLaunchOptions);
  try {
    const sent = new Map<string, [number, number][]>();
    fake.onDelta = (prompt, n) => {
      let l = sent.get(prompt);
      if (!l) sent.set(prompt, (l = []));
      l.push([Date.now(), n]);
    };
    const convs = await newConversations(host, answers);
    const otherConvs = other ? await newConversations(other, elsewhere) : [];
    const pages: Page[] = [];
    // What each window hears over its WebSocket while the answers stream (listening from before the page opens it).
    const frames = Array.from({ length: windows }, () => 0);
    const bytes = Array.from({ length: windows }, () => 0);
    let counting = false;
    for (let i = 0; i < windows; i++) {
      const page = await browser.newPage();
      page.on('websocket', (ws) =>
        ws.on('framereceived', (f) => {
          if (!counting) return;
          frames[i]!++;
          bytes[i]! += typeof f.payload === 'string' ? Buffer.byteLength(f.payload) : f.payload.length;
        }),
      );
      await page.goto(host.appUrl(`#/c/${convs[i]}`));
      await page.locator('[data-testid="connection-status"][data-state="connected"]').waitFor();
      pages.push(page);
    }
    await Promise.all(pages.map(watch));
    const sessions = await Promise.all(pages.map((p) => p.context().newCDPSession(p)));
    const metric = (name: string) =>
      Promise.all(
        sessions.map(async (cdp) => {
          const { metrics } = (await cdp.send('Performance.getMetrics')) as { metrics: { name: string; value: number }[] };
          return (metrics.find((m) => m.name === name)?.value ?? 0) * 1000;
        }),
      );
    const busy = () => metric('TaskDuration');
    await Promise.all(sessions.map((cdp) => cdp.send('Performance.enable')));
    const busyBefore = await busy();
    const cpuBefore = await metric('ThreadTime');
    counting = true;
    const hostBefore = cpuMs(host.proc.pid!);
    const prompts = convs.map((_, i) => `latency ${windows}x${answers} #${i} [len=3000]`);
    const send = (h: HostProcess, id: string, content: string) =>
      fetch(`${h.url}/api/sessions/${id}/messages`, { method: 'POST', body: JSON.stringify({ content }), headers: h.headers });
    await Promise.all([
      ...convs.map((id, i) => send(host, id, prompts[i]!)),
      ...otherConvs.map((id, i) => send(other!, id, `elsewhere ${i} [len=3000]`)),
    ]);
    for (const page of pages)
      await page.locator('[data-testid="message"][data-role="assistant"][data-status="completed"]').waitFor({ timeout: 120_000 });
    // Every answer done, not only the shown ones (nor only this host's): the span covers all the streaming.
    for (const id of convs) await finished(host, id);
    for (const id of otherConvs) await finished(other!, id);
    const busyAfter = await busy();
    const cpuAfter = await metric('ThreadTime');
    counting = false;
    const hostMs = cpuMs(host.proc.pid!) - hostBefore;
    const latencies: number[] = [];
    for (let i = 0; i < windows; i++) {
      const seen = await pages[i]!.evaluate(() => (window as unknown as { __seen: [number, number][] }).__seen);
      for (const [at, n] of sent.get(prompts[i]!) ?? []) {
        const shown = seen.find(([, m]) => m >= n);
        if (shown) latencies.push(shown[0] - at);
      }
    }
    const count = (i: number) => sent.get(prompts[i]!)?.length ?? 0;
    return {
      latencies,
      rendererMs: busyAfter.map((b, i) => b - busyBefore[i]!),
      rendererCpuMs: cpuAfter.map((b, i) => b - cpuBefore[i]!),
      frames,
      bytes,
      hostMs,
      chunks: prompts.reduce((a, _, i) => a + count(i), 0),
      shownChunks: pages.reduce((a, _, i) => a + count(i), 0),
    };
  } finally {
    await browser.close();
    await host.kill('SIGKILL');
    await other?.kill('SIGKILL');
    await fake.close();
  }
}

/** Several runs of one scenario as one: per-window figures over every window of every run, totals summed. */
function pool(runs: Scenario[]): Scenario & { rounds: number } {
  const all = <K extends keyof Scenario>(k: K) => runs.flatMap((r) => r[k] as number[]);
  const total = (k: 'hostMs' | 'chunks' | 'shownChunks') => runs.reduce((a, r) => a + r[k], 0);
  return {
    latencies: all('latencies'),
    rendererMs: all('rendererMs'),
    rendererCpuMs: all('rendererCpuMs'),
    frames: all('frames'),
    bytes: all('bytes'),
    hostMs: total('hostMs'),
    chunks: total('chunks'),
    shownChunks: total('shownChunks'),
    rounds: runs.length,
  };
}

export async function runLatencyBench(): Promise<string> {
  const base = (await scenario(1, 1)).latencies;
  // The three cost rows run in rounds, in turn and in alternating order, so a machine that gets busier or quieter
  // during the run weighs on each of them alike.
  const rounds = Number(process.env.LATENCY_ROUNDS ?? 2);
  const runs = { own: [] as Scenario[], loaded: [] as Scenario[], control: [] as Scenario[] };
  for (let i = 0; i < rounds; i++) {
    const order = (['own', 'loaded', 'control'] as const).slice();
    if (i % 2) order.reverse();
    for (const k of order) runs[k].push(await (k === 'own' ? scenario(4, 4) : k === 'loaded' ? scenario(4, 20) : scenario(4, 4, 16)));
  }
  const [own, loadedRun, control] = [pool(runs.own), pool(runs.loaded), pool(runs.control)];
  const loaded = loadedRun.latencies;
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  // Per window: each shows one answer, so the shown chunks are the sum over windows.
  const perChunk = (r: Scenario) => sum(r.rendererMs) / r.shownChunks;
  const cpuPerChunk = (r: Scenario) => sum(r.rendererCpuMs) / r.shownChunks;
  const w = (r: Scenario) => r.rendererMs.length;
  const row = (name: string, r: Scenario & { rounds: number }) =>
    `| ${name} | ${(r.chunks / r.rounds).toFixed(0)} | ${(r.shownChunks / w(r)).toFixed(0)} | ${(sum(r.frames) / w(r)).toFixed(0)} | ${(sum(r.bytes) / w(r) / 1024).toFixed(0)} | ${(sum(r.rendererMs) / w(r)).toFixed(0)} | ${perChunk(r).toFixed(2)} | ${(sum(r.rendererCpuMs) / w(r)).toFixed(0)} | ${cpuPerChunk(r).toFixed(2)} | ${(r.hostMs / r.rounds).toFixed(0)} | ${((r.hostMs / r.chunks / (w(r) / r.rounds)) * 1000).toFixed(0)} |`;
  return [
    '| chunk written by the provider → visible in the window | chunks measured | p50 ms | p95 ms | max ms |',
    '|---|---|---|---|---|',
    `| 1 window, 1 answer (baseline) | ${base.length} | ${percentile(base, 50).toFixed(1)} | ${percentile(base, 95).toFixed(1)} | ${Math.max(...base).toFixed(1)} |`,
    `| 4 windows, 20 answers at once | ${loaded.length} | ${percentile(loaded, 50).toFixed(1)} | ${percentile(loaded, 95).toFixed(1)} | ${Math.max(...loaded).toFixed(1)} |`,
    '',
    `p95 ratio (loaded ÷ baseline): ${(percentile(loaded, 95) / percentile(base, 95)).toFixed(1)}×. Budget: ≤ 50 ms p95 with 4 windows and 20 answers.`,
    '',
    `Cost per window: ${rounds} rounds of each row, pooled (per window: the mean over every window of every round; chunks and host CPU: per round).`,
    '',
    '| cost per window (4 windows, each showing one streaming answer) | chunks streamed in all | chunks shown per window | WebSocket messages received per window | their KB | renderer busy per window, ms | busy per shown chunk, ms | renderer main-thread CPU per window, ms | CPU per shown chunk, ms | host CPU, ms | host CPU per chunk per window, µs |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
    row('4 answers: only the shown ones stream (baseline)', own),
    row('20 answers: 16 more stream that no window shows', loadedRun),
    row('control: 4 answers, and 16 more stream on a second host no window hears', control),
    '',
    `Per shown chunk, 20 answers ÷ 4 answers: renderer busy time ${(perChunk(loadedRun) / perChunk(own)).toFixed(2)}×, renderer CPU ${(cpuPerChunk(loadedRun) / cpuPerChunk(own)).toFixed(2)}×, WebSocket messages per window ${(sum(loadedRun.frames) / sum(own.frames)).toFixed(2)}× (independent of streams a window does not show is 1×). Busy time is wall time in tasks (CDP TaskDuration), which grows when the main thread waits for a core; CPU is the thread's own (CDP ThreadTime).`,
    '',
    `Control ÷ 4 answers (the same machine load, no extra messages): renderer busy time ${(perChunk(control) / perChunk(own)).toFixed(2)}×, renderer CPU ${(cpuPerChunk(control) / cpuPerChunk(own)).toFixed(2)}×. 20 answers ÷ control (what the extra list-level messages cost the window itself): renderer busy time ${(perChunk(loadedRun) / perChunk(control)).toFixed(2)}×, renderer CPU ${(cpuPerChunk(loadedRun) / cpuPerChunk(control)).toFixed(2)}×; ${((sum(loadedRun.frames) - sum(control.frames)) / w(loadedRun)).toFixed(0)} more messages per window, ${((sum(loadedRun.rendererCpuMs) - sum(control.rendererCpuMs)) / Math.max(1, sum(loadedRun.frames) - sum(control.frames))).toFixed(2)} ms of renderer CPU each. The control's host CPU is the first host's only.`,
  ].join('\n');
}
