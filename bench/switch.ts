/**
 * Switching conversations (issue 14 §3): the first open of a 2,000-message conversation and switching back to it,
 * Holdfast's renderer side by side with the renderer of a baseline commit (built by this benchmark in a temporary copy,
 * served by the same host), alternating fresh windows of each, timed without the tracer; where each switch's main-thread
 * time goes (a Chromium trace, in further windows: script, style, layout, paint), and what the socket and the core take
 * for the thread's tail.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { chromium, type Browser, type Page } from '@playwright/test';
import { FakeAnthropic } from '../test/support/fake-anthropic';
import { startHostProcess, type HostProcess } from '../test/support/host-process';
import { tempDir } from '../test/support/core';
import { answerFor } from '../src/main/core/providers/demo-text';
import { chromiumLaunchOptions } from '../test/support/chromium';
import { archiveOf, chainConversation } from '../test/support/archive';
import { percentile } from './stats';

/** The commit the baseline renderer is built from: the last one before this benchmark's switching work. */
export const SWITCH_BASELINE = process.env.BENCH_SWITCH_BASELINE ?? '93c45a3';

const root = path.resolve(import.meta.dirname, '..');

/** Builds the baseline commit's renderer in a temporary copy (node_modules shared by a link); returns its directory. */
export function buildBaseline(commit: string, log: (s: string) => void): { dir: string; cleanup: () => void } {
  const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'holdfast-baseline-'));
  log(`  building the baseline renderer (${commit}) in ${copy}`);
  execFileSync('sh', ['-c', `git archive ${commit} | tar -x -C "${copy}"`], { cwd: root });
  fs.symlinkSync(path.join(root, 'node_modules'), path.join(copy, 'node_modules'));
  execFileSync(path.join(root, 'node_modules/.bin/electron-vite'), ['build'], { cwd: copy, stdio: 'ignore' });
  return { dir: path.join(copy, 'out/renderer'), cleanup: () => fs.rmSync(copy, { recursive: true, force: true }) };
}

/** Main-thread time of a trace by kind: each event's self time (its duration less its children's). */
type Breakdown = Record<'script' | 'style' | 'layout' | 'paint' | 'other', number>;

const KIND: [RegExp, keyof Breakdown][] = [
  [/^(UpdateLayoutTree|RecalculateStyles|ParseAuthorStyleSheet|ScheduleStyleRecalculation)$/, 'style'],
  [/^(Layout|UpdateLayout|LayoutShift)$/, 'layout'],
  [/^(Paint|PrePaint|Layerize|Commit|UpdateLayer|CompositeLayers|PaintImage|RasterTask|Decode.*)$/, 'paint'],
  [
    /^(FunctionCall|EvaluateScript|v8\..*|V8\..*|TimerFire|EventDispatch|FireAnimationFrame|RunMicrotasks|MajorGC|MinorGC|GCEvent|ParseHTML)$/,
    'script',
  ],
];

interface TraceEvent {
  name: string;
  ph: string;
  ts: number;
  dur?: number;
  pid: number;
  tid: number;
  args?: { name?: string };
}

function breakdown(trace: Buffer): Breakdown {
  const events = (JSON.parse(trace.toString()) as { traceEvents: TraceEvent[] }).traceEvents;
  const main = events.find((e) => e.name === 'thread_name' && e.args?.name === 'CrRendererMain');
  const out: Breakdown = { script: 0, style: 0, layout: 0, paint: 0, other: 0 };
  if (!main) return out;
  const spans = events
    .filter((e) => e.pid === main.pid && e.tid === main.tid && e.ph === 'X' && e.dur !== undefined)
    .sort((a, b) => a.ts - b.ts || b.dur! - a.dur!);
  // A stack of open spans: each span's self time is its duration less that of the spans directly inside it.
  const stack: { end: number; kind: keyof Breakdown | null; self: number }[] = [];
  const close = (until: number) => {
    while (stack.length && stack.at(-1)!.end <= until) {
      const s = stack.pop()!;
      out[s.kind ?? 'other'] += s.self / 1000;
    }
  };
  for (const e of spans) {
    close(e.ts);
    const parent = stack.at(-1);
    if (parent) parent.self -= e.dur!;
    const kind = KIND.find(([re]) => re.test(e.name))?.[1] ?? (parent ? parent.kind : null);
    stack.push({ end: e.ts + e.dur!, kind, self: e.dur! });
  }
  close(Infinity);
  return out;
}

/** Clicks a conversation and resolves when its last message is in the page, at the next animation frame. */
function openMs(page: Page, id: string, lastId: string): Promise<number> {
  return page.evaluate(
    async ([cid, last]) => {
      const t = performance.now();
      (document.querySelector(`[data-testid="conversation-item"][data-id="${cid}"]`) as HTMLElement).click();
      for (;;) {
        await new Promise((r) => requestAnimationFrame(() => r(null)));
        const msgs = document.querySelectorAll('[data-testid="message"]');
        if (msgs.length && msgs[msgs.length - 1]!.getAttribute('data-id') === last) return performance.now() - t;
      }
    },
    [id, lastId] as const,
  );
}

interface Run {
  cold: number;
  /** First open of a second 2,000-message conversation, in the same window after the switches (its code warm). */
  second: number;
  secondTrace: Breakdown;
  warm: number[];
  coldTrace: Breakdown;
  warmTrace: Breakdown;
}

const WARM = 5;
const ROUNDS = 6;

const UNTRACED: Breakdown = { script: 0, style: 0, layout: 0, paint: 0, other: 0 };

/** One fresh window's switches; under the tracer (`trace`) for where the time goes, without it for the times. */
async function oneWindow(browser: Browser, host: HostProcess, hash: string, trace: boolean): Promise<Run> {
  const page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
  await page.goto(host.appUrl(hash));
  await page.locator('[data-testid="conversation-item"][data-id="big"]').waitFor();
  await page.locator('[data-testid="connection-status"][data-state="connected"]').waitFor();
  // A person does not click within milliseconds of the window appearing: let it settle for a second.
  await page.waitForTimeout(1000);
  const traced = async <T>(f: () => Promise<T>): Promise<[T, Breakdown]> => {
    if (!trace) return [await f(), UNTRACED];
    await browser.startTracing(page, { categories: ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'v8'] });
    const r = await f();
    return [r, breakdown(await browser.stopTracing())];
  };
  const [cold, coldTrace] = await traced(() => openMs(page, 'big', 'bigm1999'));
  // Let the whole tree that follows a first open land before switching away.
  await page.waitForTimeout(1500);
  const warm: number[] = [];
  const warmTraces: Breakdown[] = [];
  for (let i = 0; i < WARM; i++) {
    await openMs(page, 'small', 'smallm1');
    await page.waitForTimeout(200);
    const [ms, b] = await traced(() => openMs(page, 'big', 'bigm1999'));
    warm.push(ms);
    warmTraces.push(b);
    await page.waitForTimeout(200);
  }
  const [second, secondTrace] = await traced(() => openMs(page, 'other', 'otherm1999'));
  await page.close();
  // The median warm switch's trace stands for them all.
  const mid = warm.indexOf([...warm].sort((a, b) => a - b)[Math.floor(WARM / 2)]!);
  return { cold, warm, coldTrace, warmTrace: warmTraces[mid]!, second, secondTrace };
}

/**
 * The first open in a fresh window of a conversation further down the list, past the few a window reads ahead at idle
 * (Sync.readAhead): the open that still waits on the socket and the core.
 */
async function farWindow(browser: Browser, host: HostProcess): Promise<number> {
  const page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
  await page.goto(host.appUrl());
  await page.locator('[data-testid="conversation-item"][data-id="other"]').waitFor();
  await page.locator('[data-testid="connection-status"][data-state="connected"]').waitFor();
  await page.waitForTimeout(1000);
  const ms = await openMs(page, 'other', 'otherm1999');
  await page.close();
  return ms;
}

export async function runSwitchBench(log: (s: string) => void): Promise<string> {
  const baseline = buildBaseline(SWITCH_BASELINE, log);
  const fake = await new FakeAnthropic({ paceMs: 1 }).listen();
  const dataDir = tempDir('holdfast-bench-switch-');
  const host = await startHostProcess({ dataDir, env: { ANTHROPIC_API_KEY: 'k', ANTHROPIC_BASE_URL: fake.url } });
  const baseHost = await startHostProcess({
    dataDir: tempDir('holdfast-bench-switch-base-'),
    env: { ANTHROPIC_API_KEY: 'k', ANTHROPIC_BASE_URL: fake.url },
    args: ['--renderer-dir', baseline.dir],
  });
  const browser = await chromium.launch(chromiumLaunchOptions);
  try {
    // Each conversation's texts are its own (the id is in each): a first open of the second long one must not find the
    // first one's texts already lexed and rendered in the window's caches.
    // The list's order is the conversations' activity: 'big' at the top with two short ones under it (the three a
    // window reads ahead), then 'small' and 'other' (not read ahead).
    const now = Date.now();
    const conv = (id: string, n: number, ago: number) =>
      chainConversation({ id, title: id, messages: n, at: now - ago, content: (i) => answerFor(`${id} ${i} [len=${i % 2 ? 600 : 80}]`) });
    const archive = archiveOf([
      conv('big', 2000, 0),
      conv('recent1', 2, 1000),
      conv('recent2', 2, 2000),
      conv('small', 2, 3000),
      conv('other', 2000, 4000),
    ]);
    for (const h of [host, baseHost]) {
      const imported = await fetch(`${h.url}/api/import`, { method: 'POST', body: archive, headers: h.headers });
      if (!imported.ok) throw new Error(`import failed: ${await imported.text()}`);
    }
    // The socket and the core alone: the thread's last 40 messages over a second WebSocket from a page.
    const probe = await browser.newPage();
    await probe.goto(host.appUrl());
    const tailMs = await probe.evaluate(async () => {
      const ws = new WebSocket(`${location.origin.replace('http', 'ws')}/ws`);
      await new Promise((r) => (ws.onopen = r));
      const times: number[] = [];
      for (let n = 0; n < 7; n++) {
        const t = performance.now();
        ws.send(JSON.stringify({ id: n, method: 'messages.thread', input: { conversation_id: 'big', tail: 40 } }));
        await new Promise((r) => (ws.onmessage = r));
        times.push(performance.now() - t);
      }
      ws.close();
      return times.sort((a, b) => a - b)[3]!;
    });
    await probe.close();
    const runs: { base: Run[]; ours: Run[] } = { base: [], ours: [] };
    const far: { base: number[]; ours: number[] } = { base: [], ours: [] };
    const traces: { base: Run[]; ours: Run[] } = { base: [], ours: [] };
    for (let round = 0; round < ROUNDS; round++) {
      // Alternating, each going first in turn, so a burst of load elsewhere on the machine falls on both.
      const order = round % 2 ? (['ours', 'base'] as const) : (['base', 'ours'] as const);
      // Timed without the tracer (it slows a fresh window's first open by tens of milliseconds); every other round a
      // second fresh window of each repeats the steps under it, for where the time goes.
      for (const which of order) runs[which].push(await oneWindow(browser, which === 'base' ? baseHost : host, '', false));
      for (const which of order) far[which].push(await farWindow(browser, which === 'base' ? baseHost : host));
      if (round % 2 === 0)
        for (const which of order) traces[which].push(await oneWindow(browser, which === 'base' ? baseHost : host, '', true));
      log(`  round ${round + 1} of ${ROUNDS}`);
    }
    const med = (xs: number[]) => percentile(xs, 50);
    const sum = (b: Breakdown) => b.script + b.style + b.layout + b.paint + b.other;
    const avg = (rs: Run[], pick: (r: Run) => Breakdown): Breakdown => {
      const keys = ['script', 'style', 'layout', 'paint', 'other'] as const;
      return Object.fromEntries(keys.map((k) => [k, rs.reduce((a, r) => a + pick(r)[k], 0) / rs.length])) as Breakdown;
    };
    const fmt = (b: Breakdown) =>
      `${b.script.toFixed(1)} | ${b.style.toFixed(1)} | ${b.layout.toFixed(1)} | ${b.paint.toFixed(1)} | ${b.other.toFixed(1)} | ${sum(b).toFixed(1)}`;
    const row = (name: string, rs: Run[], ts: Run[], farOpens: number[]) => {
      const cold = rs.map((r) => r.cold);
      const warm = rs.flatMap((r) => r.warm);
      const second = rs.map((r) => r.second);
      const underTracer = (xs: number[]) => `${med(xs).toFixed(1)}`;
      return [
        `| ${name}: first open, in a fresh window, of one at the top of the list (which Holdfast reads ahead) | ${cold.map((c) => c.toFixed(0)).join(', ')} | ${med(cold).toFixed(1)} | ${underTracer(ts.map((r) => r.cold))} | ${fmt(avg(ts, (r) => r.coldTrace))} |`,
        `| ${name}: first open, in a fresh window, of one further down (not read ahead by either) | ${farOpens.map((c) => c.toFixed(0)).join(', ')} | ${med(farOpens).toFixed(1)} | — | — | — | — | — | — | — |`,
        `| ${name}: first open of another (not read ahead by either), in the window used for the switches | ${second.map((c) => c.toFixed(0)).join(', ')} | ${med(second).toFixed(1)} | ${underTracer(ts.map((r) => r.second))} | ${fmt(avg(ts, (r) => r.secondTrace))} |`,
        `| ${name}: switch back | ${warm.map((c) => c.toFixed(0)).join(', ')} | ${med(warm).toFixed(1)} | ${underTracer(ts.flatMap((r) => r.warm))} | ${fmt(avg(ts, (r) => r.warmTrace))} |`,
      ];
    };
    const bc = med(runs.base.map((r) => r.cold));
    const oc = med(runs.ours.map((r) => r.cold));
    const bs = med(runs.base.map((r) => r.second));
    const os_ = med(runs.ours.map((r) => r.second));
    const bw = med(runs.base.flatMap((r) => r.warm));
    const ow = med(runs.ours.flatMap((r) => r.warm));
    return [
      `Baseline: the renderer of ${SWITCH_BASELINE}; Holdfast: this checkout's build. Same host build, same 2,000-message conversation, a fresh 1200×800 window per round, ${ROUNDS} rounds alternating, timed without the tracer; ${traces.ours.length} more fresh windows of each under it.`,
      '',
      '| switch to a 2,000-message conversation (to the frame after its last message is in the page) | each, ms | median ms | median under the tracer, ms | main thread: script | style | layout | paint | other | traced total, ms |',
      '|---|---|---|---|---|---|---|---|---|---|',
      ...row(`baseline (${SWITCH_BASELINE})`, runs.base, traces.base, far.base),
      ...row('Holdfast', runs.ours, traces.ours, far.ours),
      '',
      `The thread's last 40 messages over the socket (socket + core, median of 7): ${tailMs.toFixed(1)} ms.`,
      `Baseline ÷ Holdfast (medians): first open ${(bc / oc).toFixed(2)}× in a fresh window (read ahead), ${(med(far.base) / med(far.ours)).toFixed(2)}× in a fresh window (not read ahead), ${(bs / os_).toFixed(2)}× in a used one; switch back ${(bw / ow).toFixed(2)}×. Budgets: first open ≤ 50 ms, switch back ≤ 16 ms.`,
      'The main-thread columns are the mean over the traced windows of self time by kind in a Chromium trace of the switch (the median switch back of each); "other" is task overhead not inside a named event.',
    ].join('\n');
  } finally {
    await browser.close();
    await host.kill('SIGKILL');
    await baseHost.kill('SIGKILL');
    await fake.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
    baseline.cleanup();
  }
}
