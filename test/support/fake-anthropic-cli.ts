/** Runs the local Anthropic-compatible server alone: npm run fake-anthropic -- --port P [--pace MS] [--refuse-prefill MODEL]. */
import { parseArgs } from 'node:util';
import { FakeAnthropic } from './fake-anthropic';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '8787' },
    pace: { type: 'string', default: '20' },
    'refuse-prefill': { type: 'string', multiple: true, default: [] },
  },
});
const server = await new FakeAnthropic({ paceMs: Number(values.pace), refusePrefill: values['refuse-prefill'] }).listen(
  Number(values.port),
);
console.log(`fake Anthropic API listening on ${server.url} (set ANTHROPIC_BASE_URL=${server.url} and any ANTHROPIC_API_KEY)`);
const stop = () => void server.close().then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
