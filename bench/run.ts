/** `npm run bench [persist|search|import|renderer|latency|list|memory]`: each benchmark measured side by side with its baseline, printed as ratios, with the commit, machine and date. */
import { runPersistBench } from './persist';
import { runSearchBench } from './search';
import { runImportBench } from './import';
import { runRendererBench } from './renderer';
import { runLatencyBench } from './latency';
import { runListBench } from './list';
import { runMemoryBench } from './memory';
import { machineLine } from './machine';
import { runSwitchProfile } from './switch-profile';

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
if (!which || which === 'latency') {
  header('## Chunk → visible in every window (needs `npm run build` first)');
  console.log(await runLatencyBench(), '\n');
}
if (!which || which === 'list') {
  header('## The conversation list: first page vs the whole list (budget: first page ≤ 20 ms, flat in the number of conversations)');
  console.log(await runListBench(log), '\n');
}
if (!which || which === 'memory') {
  header('## Memory: renderer heap over 200 conversations opened one after another, host RSS (needs `npm run build` first)');
  console.log(await runMemoryBench(log), '\n');
}
if (which === 'switch-profile') {
  header('## Where a switch goes: a CPU profile of the window (needs `npm run build` first)');
  console.log(await runSwitchProfile(), '\n');
}
