import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeAnthropic } from '../support/fake-anthropic';
import { makeCore, settled } from '../support/core';
import type { Core } from '../../src/main/core/core';
import type { HoldfastEvent } from '../../src/shared/sync';
import type { Message } from '../../src/shared/model';

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

/** A window's replica, built the way the renderer builds it: pull, then events; chunks by offset. */
function replica() {
  const messages = new Map<string, Message>();
  let seq: number | null = null;
  const apply = (e: HoldfastEvent) => {
    if (e.type === 'sync.didChange' && e.entity === 'message') {
      messages.set(e.data.id, e.data);
      seq = Math.max(seq ?? 0, e.seq);
    } else if (e.type === 'sync.didChange') seq = Math.max(seq ?? 0, e.seq);
    else if (e.type === 'messages.didAppendChunk') {
      const m = messages.get(e.message_id);
      if (!m) return;
      if (e.offset > m.content.length) throw new Error(`gap at ${e.offset}, have ${m.content.length}`);
      m.content += e.text.slice(m.content.length - e.offset);
    }
  };
  return {
    messages,
    apply,
    get seq() {
      return seq;
    },
    set seq(v) {
      seq = v;
    },
  };
}

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

  it('a subscriber that missed events catches up with no gap and no duplicate', async () => {
    const conv = core.conversations.create({});
    const r = replica();
    const unsubscribe = core.sync.subscribe(r.apply);
    const first = core.engine.send({ conversation_id: conv.id, content: 'before the gap [len=1500]' });
    await new Promise((res) => setTimeout(res, 60));
    unsubscribe(); // the window disconnects mid-answer
    const second = core.engine.send({ conversation_id: conv.id, content: 'during the gap [len=600]' });
    await settled(core, first.assistant_message_id);
    await settled(core, second.assistant_message_id);
    // Reconnect: subscribe first, buffer, pull since the last seq, then replay the buffer.
    const buffer: HoldfastEvent[] = [];
    core.sync.subscribe((e) => buffer.push(e));
    const pulled = core.sync.pull(r.seq);
    expect(pulled.reset).toBe(false);
    const ids = pulled.messages.map((m) => m.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const m of pulled.messages) r.messages.set(m.id, { ...m });
    r.seq = pulled.seq;
    buffer.forEach(r.apply);
    for (const m of core.store.messagesOf(conv.id)) expect(r.messages.get(m.id)).toEqual(m);
    // Nothing new: a second pull from the new seq is empty.
    expect(core.sync.pull(pulled.seq).messages).toEqual([]);
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
});
