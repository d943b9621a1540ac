import { beforeEach, describe, expect, it } from 'vitest';
import { FakeAnthropic } from '../../../support/fake-anthropic';
import { makeCore, settled, tempDir, waitFor } from '../../../support/core';
import { fakeAnthropic } from '../../../support/servers';
import { acceleratedClock } from '../../../support/clock';

let fake: FakeAnthropic;
// The server, and every core a test makes with makeCore, stop when the test ends (test/support/cleanup.ts).
beforeEach(async () => {
  fake = await fakeAnthropic({ paceMs: 5 });
});

describe('offline-first', () => {
  it('a network cut mid-answer puts the engine offline, pauses retries, and the answer resumes exactly when it returns', async () => {
    // A 20-s retry budget on an engine clock 20× faster: 1 s of real time, less than the cut.
    const core = makeCore(fake, {
      policy: { budgetMs: 20_000, baseMs: 500, capMs: 4000, watchdogMs: 30_000 },
      engineClock: acceleratedClock(20),
    });
    const prompt = 'cut the cable [len=3000]';
    const conv = core.conversations.create({});
    const { assistant_message_id: id } = core.engine.send({ conversation_id: conv.id, content: prompt });
    await waitFor(() => (core.engine.liveText(id)?.length ?? 0) > 500);
    const states: string[] = [];
    core.engine.network.onChange((s) => states.push(s));
    fake.goOffline(2500); // longer than the retry budget: offline time must not count against it
    await waitFor(() => core.engine.network.state === 'offline', 5000, 'offline state');
    expect(core.sync.status().waiting_message_ids).toContain(id);
    const cutAt = Date.now();
    const m = await settled(core, id, 20_000);
    expect(m.status).toBe('completed');
    expect(m.content).toBe(FakeAnthropic.answer(prompt));
    expect(states).toEqual(['offline', 'online']);
    expect(Date.now() - cutAt).toBeGreaterThan(1500);
  });

  it('messages sent while offline are stored queued, survive a restart, and are sent in order when the network returns', async () => {
    const dir = tempDir();
    let core = makeCore(fake, { dataDir: dir });
    fake.goOffline(60_000);
    core.engine.network.hint(false);
    const conv = core.conversations.create({});
    const first = core.engine.send({ conversation_id: conv.id, content: 'queued one [len=400]' });
    const second = core.engine.send({ conversation_id: conv.id, content: 'queued two [len=400]' });
    const other = core.conversations.create({});
    const third = core.engine.send({ conversation_id: other.id, content: 'queued three [len=400]' });
    for (const s of [first, second, third]) expect(core.store.message(s.assistant_message_id).status).toBe('queued');
    expect(core.sync.status().queued_message_ids).toHaveLength(3);
    // Counted by the provider that will write them (all three: the default one here).
    expect(core.sync.status().waiting_by_provider).toEqual({ [core.sync.status().default_provider_id!]: 3 });
    await core.close();
    core = makeCore(fake, { dataDir: dir });
    // The new process probes before sending its queue: the network is down, so everything stays queued.
    await waitFor(() => core.engine.network.state === 'offline', 10_000, 'offline after restart');
    for (const s of [first, second, third]) expect(core.store.message(s.assistant_message_id).status).toBe('queued');
    fake.goOffline(0);
    for (const s of [first, second, third]) {
      const m = await settled(core, s.assistant_message_id, 20_000);
      expect(m.status).toBe('completed');
    }
    expect(core.store.message(second.assistant_message_id).content).toBe(FakeAnthropic.answer('queued two [len=400]'));
    // In order: the second answer was asked with the first answer in its history.
    const req = fake.requests.filter((r) => r.messages.some((m) => m.content === 'queued two [len=400]')).at(-1)!;
    expect(req.messages.map((m) => m.content)).toEqual([
      'queued one [len=400]',
      FakeAnthropic.answer('queued one [len=400]'),
      'queued two [len=400]',
    ]);
  });

  it('stopping a queued message cancels it without sending it', async () => {
    const core = makeCore(fake);
    core.engine.network.hint(false);
    fake.goOffline(60_000);
    const conv = core.conversations.create({});
    const { assistant_message_id: id } = core.engine.send({ conversation_id: conv.id, content: 'never sent' });
    expect(core.engine.stop(id)).toEqual({ stopped: true });
    expect(core.store.message(id).status).toBe('cancelled');
    fake.goOffline(0);
    // The queue is sent when the network returns: once it is back and a later message has been answered, the
    // cancelled one would have gone out with it.
    await waitFor(() => core.engine.network.state === 'online', 10_000, 'the network to return');
    const later = core.conversations.create({});
    const { assistant_message_id: after } = core.engine.send({ conversation_id: later.id, content: 'sent after [len=100]' });
    expect((await settled(core, after)).status).toBe('completed');
    expect(core.store.message(id).status).toBe('cancelled');
    expect(fake.requests.some((r) => r.messages.some((m) => m.content === 'never sent'))).toBe(false);
  });
});
