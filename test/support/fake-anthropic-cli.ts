/**
 * Runs the local Anthropic-compatible server alone: npm run fake-anthropic -- --port P [--pace MS] [--refuse-prefill MODEL]
 * [--data-only] [--crlf] [--restart-continuations] [--omit-message-stop] [--replay FILE [--strip-final-blank-line]
 * [--drop-message-stop]]. The last ones reproduce misbehaving gateways by hand.
 */
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { FakeAnthropic } from './fake-anthropic';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '8787' },
    pace: { type: 'string', default: '20' },
    'refuse-prefill': { type: 'string', multiple: true, default: [] },
    'data-only': { type: 'boolean', default: false },
    crlf: { type: 'boolean', default: false },
    'restart-continuations': { type: 'boolean', default: false },
    'omit-message-stop': { type: 'boolean', default: false },
    replay: { type: 'string' },
    'strip-final-blank-line': { type: 'boolean', default: false },
    'drop-message-stop': { type: 'boolean', default: false },
  },
});
const server = await new FakeAnthropic({
  paceMs: Number(values.pace),
  refusePrefill: values['refuse-prefill'],
  framing: values['data-only'] ? 'data-only' : 'standard',
  lineEnding: values.crlf ? '\r\n' : '\n',
  restartContinuations: values['restart-continuations'],
  omitMessageStop: values['omit-message-stop'],
}).listen(Number(values.port));
if (values.replay) {
  // Every request gets the recording: a server that ignores the prefill and restarts.
  server.replay({
    sse: fs.readFileSync(values.replay, 'utf8'),
    stripFinalBlankLine: values['strip-final-blank-line'],
    dropMessageStop: values['drop-message-stop'],
    dataOnly: values['data-only'],
  });
}
console.log(`fake Anthropic API listening on ${server.url} (set ANTHROPIC_BASE_URL=${server.url} and any ANTHROPIC_API_KEY)`);
const stop = () => void server.close().then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
