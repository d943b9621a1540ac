/**
 * The fault matrix: every fault the local server can script × every moment × with and without a restart of the core.
 * Each case ends `completed` with exactly the server's answer, or (retries exhausted) `error` with every received
 * character kept. The matrix is printed as a table. The engine runs the production retry policy (30-s watchdog,
 * 3-min budget) on a clock 100× faster than the real one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeAnthropic, type Fault, type FaultMoment } from '../../../support/fake-anthropic';
import { makeCore, settled, tempDir, waitFor } from '../../../support/core';
import { acceleratedClock } from '../../../support/clock';
import { DEFAULT_POLICY, type Core, type CoreOptions } from '../../../../src/main/core/core';

type Case = { fault: string; moment: Exclude<FaultMoment, number>; restart: boolean; faults: Fault[] };

const moments = ['start', 'middle', 'before_stop'] as const;
const streamFaults: Record<string, (m: FaultMoment) => Fault[]> = {
  'connection reset': (after) => [{ kind: 'drop', after }],
  'clean close before message_stop': (after) => [{ kind: 'close', after }],
  'stall past the watchdog': (after) => [{ kind: 'stall', after, ms: 1000 }], // real ms: 100 s of engine time
  'mid-stream overloaded_error': (after) => [{ kind: 'error_event', after, errorType: 'overloaded_error' }],
  'mid-stream api_error': (after) => [{ kind: 'error_event', after, errorType: 'api_error' }],
};
// A status fault answers a request: the first one (start), or the continuation after a drop (middle, before_stop).
const statusFaults: Record<string, Fault> = {
  '429 with retry-after': { kind: 'status', status: 429, retryAfter: 1 },
  '529 overloaded': { kind: 'status', status: 529 },
  '500': { kind: 'status', status: 500 },
};

const cases: Case[] = [];
for (const restart of [false, true]) {
  for (const moment of moments) {
    for (const [fault, make] of Object.entries(streamFaults)) cases.push({ fault, moment, restart, faults: make(moment) });
    for (const [fault, f] of Object.entries(statusFaults)) {
      cases.push({ fault, moment, restart, faults: moment === 'start' ? [f] : [{ kind: 'drop', after: moment }, f] });
    }
  }
}

const rows: string[] = [];
let fake: FakeAnthropic;
beforeAll(async () => {
  fake = await new FakeAnthropic({ paceMs: 1 }).listen();
});
afterAll(async () => {
  await fake.close();
  console.log(
    `\nFault matrix (${rows.length} cases)\n| fault | moment | restart | requests | final status | text |\n|---|---|---|---|---|---|\n${rows.join('\n')}\n`,
  );
});

const SPEED = 100;
const open = (opts: Partial<CoreOptions> = {}): Core =>
  makeCore(fake, { policy: DEFAULT_POLICY, engineClock: acceleratedClock(SPEED), random: () => 0.5, ...opts });

describe('fault matrix', () => {
  it.each(cases.map((c, i) => [i, `${c.fault} at ${c.moment}${c.restart ? ', with a restart' : ''}`, c] as const))(
    '#%i %s',
    async (_i, _name, c) => {
      const prompt = `matrix ${c.fault} ${c.moment} ${c.restart} [len=600]`;
      const full = FakeAnthropic.answer(prompt);
      const dir = tempDir();
      let core = open({ dataDir: dir });
      const before = fake.requests.length;
      const fired = fake.firedFaults;
      fake.script(...c.faults.map((f) => ({ ...f, match: prompt })));
      const conv = core.conversations.create({});
      const { assistant_message_id: id } = core.engine.send({ conversation_id: conv.id, content: prompt });
      if (c.restart) {
        // Restart once the scripted faults have fired: the new process picks the answer up from the database.
        await waitFor(() => fake.firedFaults >= fired + c.faults.length || !core.engine.isActive(id), 10_000, 'faults to fire');
        await core.close();
        core = open({ dataDir: dir });
      }
      const m = await settled(core, id, 25_000);
      await core.close();
      const requests = fake.requests.length - before;
      rows.push(
        `| ${c.fault} | ${c.moment} | ${c.restart ? 'yes' : 'no'} | ${requests} | ${m.status} | ${m.content === full ? 'exact' : `${m.content.length}/${full.length}`} |`,
      );
      expect(m.error).toBeNull();
      expect(m.status).toBe('completed');
      expect(m.content).toBe(full);
      expect(requests).toBeGreaterThanOrEqual(2);
    },
  );

  it('when retries are exhausted the answer ends `error` with the reason and every received character', async () => {
    const prompt = 'exhausted [len=2000]';
    const core = open({ policy: { ...DEFAULT_POLICY, budgetMs: 30_000 } });
    fake.script(
      { kind: 'drop', after: 'middle', match: prompt },
      ...Array.from({ length: 200 }, () => ({ kind: 'status' as const, status: 500, match: prompt })),
    );
    const conv = core.conversations.create({});
    const { assistant_message_id: id } = core.engine.send({ conversation_id: conv.id, content: prompt });
    const m = await settled(core, id);
    const full = FakeAnthropic.answer(prompt);
    expect(m.status).toBe('error');
    expect(m.error).toMatch(/Gave up after retrying for 30 s.*500/);
    expect(m.content.length).toBeGreaterThan(100);
    expect(full.startsWith(m.content)).toBe(true);
    rows.push(
      `| 500 on every retry (budget 30 s) | middle | no | ${fake.requests.filter((r) => r.messages[0]?.content === prompt).length} | ${m.status} | ${m.content.length}/${full.length} kept |`,
    );
    // Retry continues it from the kept text once the provider is healthy again.
    fake.clearFaults();
    core.engine.retry(id);
    const again = await settled(core, id);
    expect(again.status).toBe('completed');
    expect(again.content).toBe(full);
    await core.close();
  });

  it('401 and a plain 400 fail at once with a clear reason, without retrying', async () => {
    const core = open();
    for (const [status, pattern] of [
      [401, /Not authorised \(401\)/],
      [400, /Request refused \(400\)/],
    ] as const) {
      const prompt = `no retry ${status}`;
      fake.script({ kind: 'status', status, match: prompt, message: 'scripted' });
      const before = fake.requests.length;
      const conv = core.conversations.create({});
      const { assistant_message_id: id } = core.engine.send({ conversation_id: conv.id, content: prompt });
      const m = await settled(core, id);
      expect(m.status).toBe('error');
      expect(m.error).toMatch(pattern);
      expect(fake.requests.length - before).toBe(1);
    }
    await core.close();
  });

  it('honours retry-after on 429', async () => {
    const clock = acceleratedClock(SPEED);
    const core = open({ engineClock: clock });
    fake.now = clock.now; // requests stamped in engine time
    const prompt = 'retry after [len=300]';
    fake.script({ kind: 'status', status: 429, retryAfter: 1, match: prompt });
    const conv = core.conversations.create({});
    const { assistant_message_id: id } = core.engine.send({ conversation_id: conv.id, content: prompt });
    expect((await settled(core, id)).status).toBe('completed');
    fake.now = () => Date.now();
    const times = fake.requests.filter((r) => r.messages[0]?.content === prompt).map((r) => r.at);
    expect(times).toHaveLength(2);
    // The backoff alone would wait 375 ms (random 0.5): the wait is the server's second instead.
    expect(clock.slept).toContain(1000);
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(1000);
    await core.close();
  });
});
