/**
 * The window's paged list and what it watches (src/renderer/src/state/sync.ts and store.ts): live changes stay correct
 * across pages, only the shown conversation is watched, a kept tree catches up, and the kept trees are bounded.
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { Sync } from '../../src/renderer/src/state/sync';
import { MAX_TREES, initialState, setTree, useHoldfast, visibleList } from '../../src/renderer/src/state/store';
import { createActions, type ActionEnv } from '../../src/renderer/src/state/actions';
import type { Conversation, Message } from '../../src/shared/model';
import type { PullOutput } from '../../src/shared/sync';
import { encodeCursor, type ConversationPage } from '../../src/shared/conversations';
import { FakeTransport, conversationRow, coreHandler, messageRow, onlineStatus } from '../support/fake-transport';
import { fakeAnthropic } from '../support/servers';
import { makeCore, settled } from '../support/core';

const status = onlineStatus;

const conversation = (n: number, o: Partial<Conversation> = {}): Conversation =>
  conversationRow({ id: `c${String(n).padStart(3, '0')}`, title: `conversation ${n}`, created_at: n, updated_at: n, ...o });

const message = (id: string, conversationId: string, content: string): Message =>
  messageRow({ id, conversation_id: conversationId, content });

/** 300 conversations in the host's list order (newest first), paged 100 at a time like the host does. */
const all = Array.from({ length: 300 }, (_, i) => conversation(300 - i));
const pageFrom = (start: number, limit = 100): ConversationPage => {
  const items = all.slice(start, start + limit);
  return { items, next_cursor: start + limit < all.length ? encodeCursor(items.at(-1)!) : null, total: all.length };
};
const snapshot = (): PullOutput => {
  const first = pageFrom(0);
  return { seq: 10, reset: true, conversations: first.items, messages: [], deleted_conversation_ids: [], network: 'online', ...first };
};

const env: ActionEnv = { setHash: () => undefined, afterPaint: async () => undefined, postImport: async () => new Response('{}') };
const shownIds = () => visibleList(useHoldfast.getState()).map((c) => c.id);

beforeEach(() => useHoldfast.setState(initialState(), true));

describe('the paged list in the window', () => {
  function connect(hold: () => Promise<void> = async () => undefined) {
    const fake = new FakeTransport(async (method, input) => {
      if (method === 'sync.pull') return snapshot();
      if (method === 'app.status') return status;
      if (method === 'sync.watch') return { seq: 10, reset: false, messages: [] };
      if (method === 'conversations.page') {
        const cursor = (input as { cursor: string }).cursor;
        const page = pageFrom(all.findIndex((c) => encodeCursor(c) === cursor) + 1, (input as { limit: number }).limit);
        await hold();
        return page;
      }
      throw new Error(`unexpected ${method}`);
    });
    const sync = new Sync(fake, (flush) => flush());
    fake.setConnection('connected');
    return { fake, sync };
  }

  it('shows the first page, then the next as asked, each conversation once and in order', async () => {
    const { fake, sync } = connect();
    await vi.waitFor(() => expect(useHoldfast.getState().lastSeq).toBe(10));
    expect(shownIds()).toEqual(all.slice(0, 100).map((c) => c.id));
    expect(useHoldfast.getState().listTotal).toBe(300);
    await Promise.all([sync.loadMore(), sync.loadMore()]); // asked twice while scrolling: one request
    expect(fake.callsOf('conversations.page')).toHaveLength(1);
    expect(shownIds()).toEqual(all.slice(0, 300).map((c) => c.id));
    expect(useHoldfast.getState().listCursor).toBeNull();
  });

  it('keeps live changes right across pages: new activity moves to the top, an unloaded one appears when newest', async () => {
    let release: () => void = () => undefined;
    const { fake, sync } = connect(() => new Promise<void>((r) => (release = r)));
    await vi.waitFor(() => expect(useHoldfast.getState().lastSeq).toBe(10));
    // On the loaded page, gets new activity: moves to the top.
    fake.emit({ type: 'sync.didChange', seq: 11, entity: 'conversation', data: { ...all[50]!, updated_at: 1000 } });
    expect(shownIds()[0]).toBe(all[50]!.id);
    // While the next page is read, one on it is renamed (no new activity: it stays in its place, not shown before its
    // page) and another becomes the newest (it appears at the top at once).
    const more = sync.loadMore();
    await vi.waitFor(() => expect(fake.callsOf('conversations.page')).toHaveLength(1));
    fake.emit({ type: 'sync.didChange', seq: 12, entity: 'conversation', data: { ...all[150]!, title: 'renamed' } });
    fake.emit({ type: 'sync.didChange', seq: 13, entity: 'conversation', data: { ...all[120]!, updated_at: 2000 } });
    expect(shownIds()).not.toContain(all[150]!.id);
    expect(shownIds()).toHaveLength(101);
    expect(shownIds().slice(0, 2)).toEqual([all[120]!.id, all[50]!.id]);
    // The page was read before those changes: its older copies do not undo them.
    release();
    await more;
    await sync.loadMore();
    const ids = shownIds();
    expect(new Set(ids).size).toBe(300);
    expect(ids.slice(0, 2)).toEqual([all[120]!.id, all[50]!.id]);
    expect(useHoldfast.getState().conversations[all[120]!.id]!.updated_at).toBe(2000);
    expect(useHoldfast.getState().conversations[all[150]!.id]!.title).toBe('renamed');
    expect(ids.indexOf(all[150]!.id)).toBe(150);
  });
});

describe('what a window watches', () => {
  it('watches only the shown conversation, and a tree kept from before catches up when shown again', async () => {
    const fake = new FakeTransport((method, input) => {
      if (method === 'sync.pull') return { ...snapshot(), seq: 20 };
      if (method === 'app.status') return status;
      if (method === 'sync.watch') {
        const { conversation_ids: ids, since } = input as { conversation_ids: string[]; since?: number | null };
        // While c001 was not shown its answer finished: the log says so from `since`.
        return ids[0] === 'c001' && since === 20
          ? { seq: 30, reset: false, messages: [message('m1', 'c001', 'Hello, world')] }
          : { seq: 30, reset: false, messages: [] };
      }
      if (method === 'messages.thread') {
        const id = (input as { conversation_id: string }).conversation_id;
        return { conversation: conversation(Number(id.slice(1))), messages: [] };
      }
      if (method === 'messages.tree') {
        const id = (input as { conversation_id: string }).conversation_id;
        return { current_leaf_id: null, messages: id === 'c001' ? [message('m1', 'c001', 'Hello')] : [] };
      }
      throw new Error(`unexpected ${method}`);
    });
    const sync = new Sync(fake, (flush) => flush());
    const actions = createActions(fake, sync, env);
    fake.setConnection('connected');
    await vi.waitFor(() => expect(useHoldfast.getState().lastSeq).toBe(20));
    await actions.selectConversation('c001');
    await actions.selectConversation('c002');
    expect(useHoldfast.getState().trees.c001?.asOf).toBe(20);
    expect(useHoldfast.getState().trees.c001?.messages.m1?.content).toBe('Hello');
    await actions.selectConversation('c001');
    expect(useHoldfast.getState().trees.c001?.messages.m1?.content).toBe('Hello, world');
    expect(useHoldfast.getState().trees.c001?.asOf).toBeNull();
    const watches = fake.callsOf('sync.watch');
    expect(watches.slice(1)).toEqual([
      { conversation_ids: ['c001'], since: null },
      { conversation_ids: ['c002'], since: null },
      { conversation_ids: ['c001'], since: 20 },
    ]);
    // Shown from memory: no second tree read for c001.
    expect(fake.callsOf('messages.tree').filter((i) => (i as { conversation_id: string }).conversation_id === 'c001')).toHaveLength(1);
  });

  it('a connection that refuses sync.watch still opens conversations, reloading a kept tree instead of catching it up', async () => {
    let content = 'Hello';
    const fake = new FakeTransport((method, input) => {
      if (method === 'sync.pull') return { ...snapshot(), seq: 20 };
      if (method === 'app.status') return status;
      if (method === 'sync.watch') throw new Error('Unknown method sync.watch');
      const id = (input as { conversation_id: string }).conversation_id;
      if (method === 'messages.thread') return { conversation: conversation(Number(id.slice(1))), messages: [] };
      if (method === 'messages.tree') return { current_leaf_id: null, messages: id === 'c001' ? [message('m1', 'c001', content)] : [] };
      throw new Error(`unexpected ${method}`);
    });
    const sync = new Sync(fake, (flush) => flush());
    const actions = createActions(fake, sync, env);
    fake.setConnection('connected');
    await vi.waitFor(() => expect(useHoldfast.getState().lastSeq).toBe(20));
    await actions.selectConversation('c001');
    await actions.selectConversation('c002');
    content = 'Hello, world';
    await actions.selectConversation('c001');
    expect(useHoldfast.getState().error).toBeNull();
    expect(useHoldfast.getState().trees.c001?.messages.m1?.content).toBe('Hello, world');
  });

  it('keeps at most MAX_TREES trees, dropping the least recently shown and never the shown one', () => {
    useHoldfast.setState({ currentId: 't0' });
    for (let i = 0; i < MAX_TREES + 8; i++) setTree(`t${i}`, [message(`m${i}`, `t${i}`, 'x')]);
    const kept = Object.keys(useHoldfast.getState().trees);
    expect(kept).toHaveLength(MAX_TREES);
    expect(kept).toContain('t0');
    expect(kept).toContain(`t${MAX_TREES + 7}`);
    expect(kept).not.toContain('t1');
  });
});

describe('the paged list against a real core', () => {
  it('a window with 300 conversations loads them page by page in the core order, and hears only the shown one', async () => {
    const core = makeCore(await fakeAnthropic({ paceMs: 2 }));
    for (let i = 0; i < 300; i++) core.conversations.create({ title: `c${i}` });
    const fake = new FakeTransport(coreHandler(core));
    const sub = core.sync.connect((e) => fake.emit(e));
    fake.setHandler((method, input) => core.call(method, input, { subscription: sub }));
    const sync = new Sync(fake, (flush) => flush());
    const actions = createActions(fake, sync, env);
    fake.setConnection('connected');
    await vi.waitFor(() => expect(useHoldfast.getState().lastSeq).not.toBeNull());
    expect(shownIds()).toHaveLength(100);
    while (useHoldfast.getState().listCursor) await sync.loadMore();
    expect(shownIds()).toEqual(core.conversations.list().map((c) => c.id));

    const listed = core.conversations.list();
    const [shown, other] = [listed[0], listed.at(-1)];
    await actions.selectConversation(shown!.id);
    const heard: string[] = [];
    fake.subscribe((e) => {
      if (e.type === 'messages.didAppendChunk') heard.push(e.conversation_id);
    });
    const a = core.engine.send({ conversation_id: shown!.id, content: 'shown [len=300]' });
    const b = core.engine.send({ conversation_id: other!.id, content: 'not shown [len=300]' });
    await settled(core, a.assistant_message_id);
    await settled(core, b.assistant_message_id);
    await vi.waitFor(() => expect(useHoldfast.getState().trees[shown!.id]?.messages[a.assistant_message_id]?.status).toBe('completed'));
    expect(heard.length).toBeGreaterThan(0);
    expect(heard.every((id) => id === shown!.id)).toBe(true);
    // The other one got new activity: the list heard it and moved it to the top.
    await vi.waitFor(() => expect(shownIds().slice(0, 2).sort()).toEqual([shown!.id, other!.id].sort()));
  });
});
