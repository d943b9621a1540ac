/**
 * The renderer's own sync (src/renderer/src/state/sync.ts and its store) against a fake transport: snapshot,
 * catch-up since a seq, a gap in chunk offsets, duplicate chunks, reconnect — and against a real core.
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { Sync } from '../../src/renderer/src/state/sync';
import { initialState, useHoldfast } from '../../src/renderer/src/state/store';
import type { Conversation, Message } from '../../src/shared/model';
import type { PullOutput } from '../../src/shared/sync';
import { FakeTransport, conversationRow, coreHandler, messageRow, onlineStatus } from '../support/fake-transport';
import { fakeAnthropic } from '../support/servers';
import { makeCore, settled } from '../support/core';

const status = onlineStatus;
const conversation = (id: string, title = id): Conversation => conversationRow({ id, title });
const message = (id: string, content: string, o: Partial<Message> = {}): Message => messageRow({ id, content, status: 'generating', ...o });

const pull = (o: Partial<PullOutput>): PullOutput => ({
  seq: 0,
  reset: false,
  conversations: [],
  messages: [],
  deleted_conversation_ids: [],
  network: 'online',
  ...o,
});

/** Chunks are applied when the test says a frame has passed. */
function frames() {
  const queue: (() => void)[] = [];
  return {
    schedule: (flush: () => void) => queue.push(flush),
    run: () => queue.splice(0).forEach((f) => f()),
  };
}

const content = (id: string, conversationId = 'c1') => useHoldfast.getState().trees[conversationId]?.messages[id]?.content;

beforeEach(() => useHoldfast.setState(initialState(), true));

describe('the renderer sync', () => {
  it('starts from a snapshot when it holds no seq', async () => {
    const fake = new FakeTransport((method) => {
      if (method === 'sync.pull') return pull({ seq: 42, reset: true, conversations: [conversation('c1', 'First'), conversation('c2')] });
      if (method === 'app.status') return status;
      throw new Error(`unexpected ${method}`);
    });
    new Sync(fake, frames().schedule);
    fake.setConnection('connected');
    await vi.waitFor(() => expect(useHoldfast.getState().lastSeq).toBe(42));
    expect(fake.callsOf('sync.pull')).toEqual([{ since: null }]);
    expect(useHoldfast.getState().conversations.c1?.title).toBe('First');
    expect(Object.keys(useHoldfast.getState().conversations).sort()).toEqual(['c1', 'c2']);
    expect(useHoldfast.getState().connection).toBe('connected');
    await vi.waitFor(() => expect(useHoldfast.getState().status).toEqual(status));
  });

  it('after a reconnect pulls only what changed since its seq, then replays what arrived during the pull', async () => {
    let release: () => void = () => undefined;
    let held = false;
    const fake = new FakeTransport(async (method, input) => {
      if (method === 'app.status') return status;
      if (method === 'messages.tree') return { current_leaf_id: 'm1', messages: [message('m1', 'Hello')] };
      if (method === 'sync.pull') {
        const since = (input as { since: number | null }).since;
        if (since === null) return pull({ seq: 5, reset: true, conversations: [conversation('c1')] });
        if (held) await new Promise<void>((r) => (release = r));
        return pull({ seq: 8, messages: [message('m1', 'Hello, world')] });
      }
      throw new Error(`unexpected ${method}`);
    });
    const f = frames();
    const sync = new Sync(fake, f.schedule);
    fake.setConnection('connected');
    await vi.waitFor(() => expect(useHoldfast.getState().lastSeq).toBe(5));
    await sync.loadTree('c1');
    expect(content('m1')).toBe('Hello');

    fake.setConnection('disconnected');
    held = true;
    fake.setConnection('connected');
    await vi.waitFor(() => expect(fake.callsOf('sync.pull')).toEqual([{ since: null }, { since: 5 }]));
    // While the pull is in flight, the host already streams on: these must wait for the pull, not be lost to it.
    fake.emit({ type: 'messages.didAppendChunk', seq: 8, message_id: 'm1', conversation_id: 'c1', offset: 12, text: '!' });
    fake.emit({ type: 'sync.didChange', seq: 9, entity: 'message', data: message('m1', 'Hello, world!', { status: 'completed' }) });
    expect(content('m1')).toBe('Hello');
    release();
    await vi.waitFor(() => expect(useHoldfast.getState().lastSeq).toBe(9));
    f.run();
    expect(content('m1')).toBe('Hello, world!');
    expect(useHoldfast.getState().trees.c1?.messages.m1?.status).toBe('completed');
  });

  it('a gap in chunk offsets makes it catch up from the log', async () => {
    let stored = message('m1', 'Hello');
    const fake = new FakeTransport((method, input) => {
      if (method === 'app.status') return status;
      if (method === 'messages.tree') return { current_leaf_id: 'm1', messages: [message('m1', 'Hello')] };
      if (method === 'sync.pull')
        return (input as { since: number | null }).since === null
          ? pull({ seq: 3, reset: true, conversations: [conversation('c1')] })
          : pull({ seq: 4, messages: [stored] });
      throw new Error(`unexpected ${method}`);
    });
    const f = frames();
    const sync = new Sync(fake, f.schedule);
    fake.setConnection('connected');
    await vi.waitFor(() => expect(useHoldfast.getState().lastSeq).toBe(3));
    await sync.loadTree('c1');

    fake.emit({ type: 'messages.didAppendChunk', seq: 3, message_id: 'm1', conversation_id: 'c1', offset: 5, text: ', wor' });
    f.run();
    expect(content('m1')).toBe('Hello, wor');
    // The chunk at offset 10 ("ld") never arrives; the one after it shows the gap.
    stored = message('m1', 'Hello, world and more');
    fake.emit({ type: 'messages.didAppendChunk', seq: 3, message_id: 'm1', conversation_id: 'c1', offset: 12, text: ' and more' });
    f.run();
    expect(content('m1')).toBe('Hello, wor'); // never text after a hole
    await vi.waitFor(() => expect(fake.callsOf('sync.pull')).toContainEqual({ since: 3 }));
    await vi.waitFor(() => expect(content('m1')).toBe('Hello, world and more'));
    expect(useHoldfast.getState().lastSeq).toBe(4);
  });

  it('duplicate and overlapping chunks are harmless', async () => {
    const fake = new FakeTransport((method) => {
      if (method === 'app.status') return status;
      if (method === 'messages.tree') return { current_leaf_id: 'm1', messages: [message('m1', 'Hello')] };
      if (method === 'sync.pull') return pull({ seq: 3, reset: true, conversations: [conversation('c1')] });
      throw new Error(`unexpected ${method}`);
    });
    const f = frames();
    const sync = new Sync(fake, f.schedule);
    fake.setConnection('connected');
    await vi.waitFor(() => expect(useHoldfast.getState().lastSeq).toBe(3));
    await sync.loadTree('c1');
    const chunk = (offset: number, text: string) =>
      fake.emit({ type: 'messages.didAppendChunk', seq: 3, message_id: 'm1', conversation_id: 'c1', offset, text });
    chunk(0, 'Hel'); // already held
    chunk(5, ' there');
    chunk(5, ' there'); // the same chunk twice, in one frame
    f.run();
    chunk(8, 'ere, you'); // overlaps what is held
    chunk(5, ' th'); // stale
    f.run();
    expect(content('m1')).toBe('Hello there, you');
    expect(fake.callsOf('sync.pull')).toEqual([{ since: null }]); // nothing here needed a catch-up
  });

  it('a pull that fails is retried at the next connect, from the same seq', async () => {
    let down = true;
    const fake = new FakeTransport((method, input) => {
      if (method === 'app.status') return status;
      if (method === 'sync.pull') {
        if (down && (input as { since: number | null }).since !== null) throw new Error('database busy');
        return (input as { since: number | null }).since === null ? pull({ seq: 3, reset: true }) : pull({ seq: 6 });
      }
      throw new Error(`unexpected ${method}`);
    });
    new Sync(fake, frames().schedule);
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    fake.setConnection('connected');
    await vi.waitFor(() => expect(useHoldfast.getState().lastSeq).toBe(3));
    fake.setConnection('disconnected');
    fake.setConnection('connected');
    await vi.waitFor(() => expect(warn).toHaveBeenCalled());
    expect(useHoldfast.getState().lastSeq).toBe(3);
    down = false;
    fake.setConnection('disconnected');
    fake.setConnection('connected');
    await vi.waitFor(() => expect(useHoldfast.getState().lastSeq).toBe(6));
    expect(fake.callsOf('sync.pull')).toEqual([{ since: null }, { since: 3 }, { since: 3 }]);
    warn.mockRestore();
  });
});

describe('the renderer sync against a real core', () => {
  let core: ReturnType<typeof makeCore>;
  // Both stopped when each test ends (test/support/cleanup.ts).
  beforeEach(async () => {
    core = makeCore(await fakeAnthropic({ paceMs: 3 }));
  });

  it('a window that missed events while disconnected catches up with no gap and no duplicate', async () => {
    const fake = new FakeTransport(coreHandler(core));
    core.sync.subscribe((e) => fake.emit(e)); // the host pushes every event; the socket drops them while down
    const f = frames();
    const sync = new Sync(fake, (flush) => {
      f.schedule(flush);
      queueMicrotask(f.run);
    });
    const conv = core.conversations.create({});
    fake.setConnection('connected');
    await vi.waitFor(() => expect(useHoldfast.getState().lastSeq).not.toBeNull());
    await sync.loadTree(conv.id);

    const first = core.engine.send({ conversation_id: conv.id, content: 'before the gap [len=1500]' });
    await vi.waitFor(() => expect(content(first.assistant_message_id, conv.id)?.length).toBeGreaterThan(100));
    fake.setConnection('disconnected'); // mid-answer
    const second = core.engine.send({ conversation_id: conv.id, content: 'during the gap [len=600]' });
    await settled(core, first.assistant_message_id);
    await settled(core, second.assistant_message_id);
    fake.setConnection('connected');

    const stored = core.store.messagesOf(conv.id);
    await vi.waitFor(() => {
      for (const m of stored) expect(useHoldfast.getState().trees[conv.id]?.messages[m.id]).toEqual(m);
    });
    expect(Object.keys(useHoldfast.getState().trees[conv.id]!.messages).sort()).toEqual(stored.map((m) => m.id).sort());
    expect(useHoldfast.getState().conversations[conv.id]).toEqual(core.store.findConversation(conv.id));
    const pulls = fake.callsOf('sync.pull');
    expect(pulls).toHaveLength(2); // the snapshot, then one catch-up: no gap found in between
    // Nothing is left to catch up on: a pull from the replica's seq brings nothing.
    expect(core.sync.pull(useHoldfast.getState().lastSeq).messages).toEqual([]);
  });

  it('reads ahead the tails of the conversations at the top of the list, and opening one catches it up from when it was read', async () => {
    // The window hears no events here: whatever changes after the read ahead reaches it only through the catch-up.
    const fake = new FakeTransport(coreHandler(core));
    const made: string[] = [];
    for (let i = 0; i < 5; i++) {
      const c = core.conversations.create({ title: `c${i}` });
      if (i !== 2) await settled(core, core.engine.send({ conversation_id: c.id, content: `question ${i} [len=80]` }).assistant_message_id);
      made.push(c.id);
    }
    const sync = new Sync(fake, frames().schedule);
    fake.setConnection('connected');
    await vi.waitFor(() => expect(useHoldfast.getState().lastSeq).not.toBeNull());
    await sync.show(made[4]!); // shown: not read ahead

    // Newest first: c4 is shown and c2 has no messages, so c3, c1 and c0 are read, 40 messages at most each.
    expect(await sync.readAhead()).toEqual([made[3], made[1], made[0]]);
    expect(fake.callsOf('messages.thread')).toEqual([made[3], made[1], made[0]].map((id) => ({ conversation_id: id, tail: 40 })));
    const tree = useHoldfast.getState().trees[made[3]!]!;
    expect(tree.complete).toBe(false);
    expect(tree.asOf).toBe(useHoldfast.getState().lastSeq);
    expect(await sync.readAhead()).toEqual([]); // each once

    // An answer lands in c3 after it was read: opening it brings that in without reading its tail again.
    const later = core.engine.send({ conversation_id: made[3]!, content: 'after the read ahead [len=60]' });
    await settled(core, later.assistant_message_id);
    await sync.show(made[3]!);
    expect(fake.callsOf('messages.thread')).toHaveLength(3);
    expect(useHoldfast.getState().trees[made[3]!]!.messages[later.assistant_message_id]).toEqual(
      core.store.message(later.assistant_message_id),
    );
  });
});
