/** `npm run bench [persist|search|import|renderer|freeze|bundle|latency|switch|startup|list|memory|host-memory|launch|providers]`: each benchmark measured side by side with its baseline, printed as ratios, with the commit, machine and date. */
import { runPersistBench } from './persist';
import { runSearchBench } from './search';
import { runImportBench } from './import';
import { runRendererBench } from './renderer';
import { runLatencyBench } from './latency';
import { runStartupBench } from './startup';
import { runFreezeBench } from './renderer-freeze';
import { runBundleBench } from './bundle';
import { runListBench } from './list';
import { runMemoryBench } from './memory';
import { runHostMemoryBench } from './host-memory';
import { runLaunchBench } from './launch';
import { machineLine } from './machine';
import { runSwitchProfile } from './switch-profile';
import { runLatencyProfile } from './latency-profile';
import { runSwitchBench } from './switch';
import { runProvidersBench } from './providers';

const which = process.argv[2];
const log = (s: string) => console.error(s);
// Printed with every table: figures from a shared machine mean little without when, where and under what load.
const header = (title: string) => console.log(`${title}\n\n${machineLine()}\n`);
if (!which || which === 'persist') {
  header('## Persisting streamed chunks (budget: ≤ 10 µs/chunk, flat in answer length)');
  console.log(runPersistBench(), '\n');
}
if (!which || which === 'import') {
  header('## Importing a large ChatGPT export (memory must not grow with the file)');
  console.log(runImportBench(log), '\n');
}
if (!which || which === 'search') {
  header('## Full-text search (budget: p95 ≤ 50 ms over 1,000,000 messages)');
  console.log(runSearchBench(log), '\n');
}
if (!which || which === 'renderer') {
  header('## The window (needs `npm run build` first)');
  console.log(await runRendererBench(log), '\n');
}
if (!which || which === 'freeze') {
  header('## Renderer freezes: the longest task while hostile-sized answers stream (budget: none over 50 ms)');
  console.log(await runFreezeBench(log), '\n');
}
if (!which || which === 'bundle') {
  header('## The renderer bundle: JavaScript loaded at start, and what loads only when an answer needs it (needs `npm run build` first)');
  console.log(runBundleBench(), '\n');
}
if (!which || which === 'latency') {
  header('## Chunk → visible in every window (needs `npm run build` first)');
  console.log(await runLatencyBench(), '\n');
}
if (!which || which === 'startup') {
  header('## Start-up against history size (budget: time to the first conversation list within 2× of an empty database)');
  console.log(await runStartupBench(log), '\n');
}
if (!which || which === 'list') {
  header('## The conversation list: first page vs the whole list (budget: first page ≤ 20 ms, flat in the number of conversations)');
  console.log(await runListBench(log), '\n');
}
if (!which || which === 'memory') {
  header('## Memory: renderer heap over 200 conversations opened one after another, host RSS (needs `npm run build` first)');
  console.log(await runMemoryBench(log), '\n');
}
if (!which || which === 'host-memory') {
  header(
    '## Host memory: resident size with an empty folder, after a 100,000-message import, with 1,000,000 messages (needs `npm run build` first)',
  );
  console.log(await runHostMemoryBench(log), '\n');
}
if (!which || which === 'launch') {
  header('## Launch to an interactive window: empty data folder vs 1,000,000 messages (budget: within 2×; needs `npm run build` first)');
  console.log(await runLaunchBench(log), '\n');
}
if (!which || which === 'switch') {
  header('## Switching conversations: first open and switch back, side by side with a baseline renderer (needs `npm run build` first)');
  console.log(await runSwitchBench(log), '\n');
}
if (which === 'latency-profile') {
  header("## Where a list-level message's renderer time goes (needs `npm run build` first)");
  console.log(await runLatencyProfile(), '\n');
}
if (which === 'switch-profile') {
  header('## Where a switch goes: a CPU profile of the window (needs `npm run build` first)');
  console.log(await runSwitchProfile(), '\n');
}
if (!which || which === 'providers') {
  header('## Streamed chunks persisted end to end, per provider (the real SDKs, the engine, the journal)');
  console.log(await runProvidersBench(), '\n');
}
