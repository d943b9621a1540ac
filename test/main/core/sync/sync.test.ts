import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeAnthropic } from '../../../support/fake-anthropic';
import { makeCore, settled } from '../../../support/core';
import type { Core } from '../../../../src/main/core/core';
import type { HoldfastEvent } from '../../../../src/shared/sync';
import { platformDoor } from '../../../../src/main/core/platform';

let fake: FakeAnthropic;
let core: Core;
beforeEach(async () => {
  fake = await new FakeAnthropic({ paceMs: 3 }).listen();
  core = makeCore(fake);
});
afterEach(async () => {
  await core.close();
  await fake.close();
});

describe('sync', () => {
  it('every event carries a seq, and entity events come in increasing seq order', async () => {
    const events: HoldfastEvent[] = [];
    core.sync.subscribe((e) => events.push(e));
    const conv = core.conversations.create({});
    const { assistant_message_id: id } = core.engine.send({ conversation_id: conv.id, content: 'seq [len=800]' });
    await settled(core, id);
    const entity = events.filter((e) => e.type === 'sync.didChange').map((e) => e.seq);
    expect(entity.length).toBeGreaterThan(3);
    expect([...entity].sort((a, b) => a - b)).toEqual(entity);
    expect(events.every((e) => typeof e.seq === 'number')).toBe(true);
    expect(events.some((e) => e.type === 'messages.didAppendChunk')).toBe(true);
  });

  it('twenty answers started at once are a few status events, not one each, and the last says all of them', async () => {
    const events: HoldfastEvent[] = [];
    core.sync.subscribe((e) => events.push(e));
    const convs = Array.from({ length: 20 }, (_, i) => core.conversations.create({ title: `s${i}` }));
    const ids = convs.map((c) => core.engine.send({ conversation_id: c.id, content: `status [len=400]` }).assistant_message_id);
    const statuses = () => events.flatMap((e) => (e.type === 'app.didChangeStatus' ? [e.status] : []));
    // The first change goes out at once; the other nineteen of the same moment follow together.
    expect(statuses()).toHaveLength(1);
    await expect.poll(() => statuses().at(-1)?.generating_conversation_ids.length).toBe(20);
    expect(statuses().findIndex((st) => st.generating_conversation_ids.length === 20)).toBe(1);
    for (const id of ids) await settled(core, id);
    await expect.poll(() => statuses().at(-1)?.generating_conversation_ids).toEqual([]);
    expect(core.sync.status().generating_conversation_ids).toEqual([]);
  });

  it('answers with a snapshot when it has no seq or the log was compacted past it', async () => {
    const conv = core.conversations.create({ title: 'snap' });
    const { assistant_message_id: id } = core.engine.send({ conversation_id: conv.id, content: 'snapshot [len=300]' });
    await settled(core, id);
    expect(core.sync.pull(null)).toMatchObject({ reset: true, messages: [] });
    expect(core.sync.pull(null).conversations.map((c) => c.id)).toEqual([conv.id]);
    core.store.compactChanges(1);
    expect(core.sync.pull(1).reset).toBe(true);
    expect(core.sync.pull(core.sync.seq() + 100).reset).toBe(true);
  });

  it("the platform door's catch-up gives each change since a seq once, under its latest seq, or a reset past the log", async () => {
    const door = platformDoor(core);
    const conv = core.conversations.create({ title: 'catch up' });
    const since = core.sync.seq();
    const { assistant_message_id: id } = core.engine.send({ conversation_id: conv.id, content: 'catch up [len=300]' });
    await settled(core, id);
    const missed = door.catchUp(since);
    if (!('events' in missed)) throw new Error('expected events, got a reset');
    const seqs = missed.events.map((e) => e.seq);
    expect(seqs.every((s) => s > since && s <= core.sync.seq())).toBe(true);
    expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
    const answer = missed.events.filter((e) => e.type === 'sync.didChange' && e.entity === 'message' && e.data.id === id);
    expect(answer).toHaveLength(1); // one event per entity, however many chunks it got
    expect(answer[0]).toMatchObject({ data: { status: 'completed', content: core.store.message(id).content } });
    expect(door.catchUp(core.sync.seq())).toEqual({ events: [] });
    core.store.compactChanges(1);
    expect(door.catchUp(since)).toMatchObject({ reset: { reset: true, conversations: [{ id: conv.id }] } });
  });
});
