/** `npm run bench`: every benchmark, each measured side by side with its baseline in one run, printed as ratios. */
import { runPersistBench } from './persist';

const which = process.argv[2];
if (!which || which === 'persist') {
  console.log('## Persisting streamed chunks (DESIGN budget: ≤ 10 µs/chunk, flat in answer length)\n');
  console.log(runPersistBench());
}
