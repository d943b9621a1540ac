/** `npm run bench [persist|search|import|renderer|latency|startup|providers]`: each benchmark measured side by side with its baseline, printed as ratios. */
import { runPersistBench } from './persist';
import { runSearchBench } from './search';
import { runImportBench } from './import';
import { runRendererBench } from './renderer';
import { runLatencyBench } from './latency';
import { runStartupBench } from './startup';
import { runProvidersBench } from './providers';

const which = process.argv[2];
const log = (s: string) => console.error(s);
if (!which || which === 'persist') {
  console.log('## Persisting streamed chunks (budget: ≤ 10 µs/chunk, flat in answer length)\n');
  console.log(runPersistBench(), '\n');
}
if (!which || which === 'import') {
  console.log('## Importing a large ChatGPT export (memory must not grow with the file)\n');
  console.log(runImportBench(log), '\n');
}
if (!which || which === 'search') {
  console.log('## Full-text search (budget: p95 ≤ 50 ms over 1,000,000 messages)\n');
  console.log(runSearchBench(log), '\n');
}
if (!which || which === 'renderer') {
  console.log('## The window (needs `npm run build` first)\n');
  console.log(await runRendererBench(log), '\n');
}
if (!which || which === 'latency') {
  console.log('## Chunk → visible in every window (needs `npm run build` first)\n');
  console.log(await runLatencyBench(), '\n');
}
if (!which || which === 'startup') {
  console.log('## Start-up against history size (budget: time to the first conversation list within 2× of an empty database)\n');
  console.log(await runStartupBench(log), '\n');
}
if (!which || which === 'providers') {
  console.log('## Streamed chunks persisted end to end, per provider (the real SDKs, the engine, the journal)\n');
  console.log(await runProvidersBench(), '\n');
}
