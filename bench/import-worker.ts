/** Runs one import approach in its own process, so its peak memory is its own: `streaming` (Holdfast) or `naive`. */
import fs from 'node:fs';
import { performance } from 'node:perf_hooks';
import { makeBenchCore } from './bench-core';

const [mode, file] = process.argv.slice(2) as ['streaming' | 'naive', string];
let peak = process.memoryUsage().rss;
const sampler = setInterval(() => {
  peak = Math.max(peak, process.memoryUsage().rss);
}, 20);
const start = performance.now();
const core = makeBenchCore();
let conversations = 0;
if (mode === 'streaming') {
  conversations = (await core.exchange.importFile(file)).conversations;
} else {
  // The naive way: read and parse the whole file at once.
  const all = JSON.parse(fs.readFileSync(file, 'utf8')) as unknown[];
  conversations = all.length;
  peak = Math.max(peak, process.memoryUsage().rss);
}
const seconds = (performance.now() - start) / 1000;
clearInterval(sampler);
peak = Math.max(peak, process.memoryUsage().rss);
await core.close();
// The imported database is hundreds of MB: a temp folder per run would fill the disk over a day of benchmarks.
fs.rmSync(core.options.dataDir, { recursive: true, force: true });
console.log(JSON.stringify({ mode, seconds, peakMb: peak / 1e6, conversations }));
