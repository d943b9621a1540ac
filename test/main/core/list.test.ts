import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeAnthropic } from '../../support/fake-anthropic';
import { makeCore, settled, waitFor } from '../../support/core';
import type { Core } from '../../../src/main/core/core';
import type { HoldfastEvent } from '../../../src/shared/sync';
import type { ConversationPage } from '../../../src/shared/conversations';

let fake: FakeAnthropic;
let core: Core;
let now = 1_000_000;
beforeEach(async () => {
  fake = await new FakeAnthropic({ paceMs: 3 }).listen();
  core = makeCore(fake, { clock: { now: () => now } });
});
afterEach(async () => {
  await core.close();
  await fake.close();
});

/** `n` conversations, each with its own activity time (the first created is the oldest). */
function seed(n: number): string[] {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    now += 10;
    ids.push(core.conversations.create({ title: `c${i}` }).id);
  }
  return ids;
}

async function allPages(limit: number): Promise<ConversationPage[]> {
  const pages: ConversationPage[] = [];
  let cursor: string | undefined;
  do {
    const page = (await core.call('conversations.page', { limit, ...(cursor ? { cursor } : {}) })) as ConversationPage;
    pages.push(page);
    cursor = page.next_cursor ?? undefined;
  } while (cursor);
  return pages;
}

describe('the paged conversation list', () => {
  it('pages pinned first, then newest activity first, each once, with the total', async () => {
    const ids = seed(25);
    core.conversations.update(ids[3]!, { pinned: true });
    core.conversations.update(ids[10]!, { pinned: true });
    core.conversations.trash(ids[20]!);
    const pages = await allPages(7);
    const listed = pages.flatMap((p) => p.items.map((c) => c.id));
    const expected = [ids[10]!, ids[3]!, ...ids.filter((_, i) => i !== 3 && i !== 10 && i !== 20).reverse()];
    expect(listed).toEqual(expected);
    expect(pages.map((p) => p.total)).toEqual(pages.map(() => 24));
    expect(pages.at(-1)!.next_cursor).toBeNull();
    expect(pages.slice(0, -1).every((p) => p.items.length === 7)).toBe(true);
    // A list that ends exactly at a page's end says so on that page: no empty page after it.
    expect((await allPages(12)).map((p) => p.items.length)).toEqual([12, 12]);
  });

  it('neither skips nor repeats a conversation when others get new activity between pages', async () => {
    const ids = seed(30);
    const first = (await core.call('conversations.page', { limit: 10 })) as ConversationPage;
    // One on a page not read yet becomes the newest; one already read gets activity too.
    now += 10;
    core.conversations.update(ids[5]!, { title: 'moved' });
    core.store.mutate(() => core.store.updateConversation(ids[5]!, {}, true));
    core.store.mutate(() => core.store.updateConversation(ids[25]!, {}, true));
    const rest: string[] = [];
    let cursor = first.next_cursor;
    while (cursor) {
      const page = (await core.call('conversations.page', { limit: 10, cursor })) as ConversationPage;
      rest.push(...page.items.map((c) => c.id));
      cursor = page.next_cursor;
    }
    const seen = [...first.items.map((c) => c.id), ...rest];
    // Every untouched conversation exactly once, in order; the moved one is above the cursor now (a live event brings it).
    const untouched = ids.filter((_, i) => i !== 5 && i !== 25).reverse();
    expect(seen.filter((id) => id !== ids[5] && id !== ids[25])).toEqual(untouched);
    expect(new Set(seen).size).toBe(seen.length);
    expect(rest).not.toContain(ids[5]);
    const top = (await core.call('conversations.page', { limit: 2 })) as ConversationPage;
    expect(top.items.map((c) => c.id)).toEqual([ids[25], ids[5]]);
  });

  it('refuses a cursor it did not give out, and a snapshot pull carries the first page and its cursor', async () => {
    seed(120);
    await expect(core.call('conversations.page', { cursor: 'not-a-cursor' })).rejects.toMatchObject({ code: 'invalid_input' });
    const snap = core.sync.pull(null);
    expect(snap.conversations).toHaveLength(100);
    expect(snap.total).toBe(120);
    const next = (await core.call('conversations.page', { cursor: snap.next_cursor! })) as ConversationPage;
    expect(next.items).toHaveLength(20);
    expect(next.next_cursor).toBeNull();
  });

  it('walks the keyset index rather than sorting the table', () => {
    const plan = core.db
      .prepare(
        `EXPLAIN QUERY PLAN SELECT * FROM conversations WHERE deleted_at IS NULL AND (pinned, updated_at, id) < (1, 5, 'x')
         ORDER BY pinned DESC, updated_at DESC, id DESC LIMIT 10`,
      )
      .all() as { detail: string }[];
    const detail = plan.map((p) => p.detail).join(' | ');
    expect(detail).toContain('conversations_list');
    expect(detail).not.toContain('TEMP B-TREE');
  });
});

describe('sync.watch', () => {
  it('a window hears chunks only of what it watches, list changes always, and catches up when it watches again', async () => {
    const a = core.conversations.create({ title: 'a' });
    const b = core.conversations.create({ title: 'b' });
    const heard: HoldfastEvent[] = [];
    const sub = core.sync.connect((e) => heard.push(e));
    const caller = { subscription: sub };
    await core.call('sync.watch', { conversation_ids: [a.id] }, caller);
    const since = core.sync.seq();
    const inA = core.engine.send({ conversation_id: a.id, content: 'in a [len=400]' });
    const inB = core.engine.send({ conversation_id: b.id, content: 'in b [len=400]' });
    await settled(core, inA.assistant_message_id);
    await settled(core, inB.assistant_message_id);
    const chunksOf = (id: string) => heard.filter((e) => e.type === 'messages.didAppendChunk' && e.conversation_id === id);
    const messagesOf = (id: string) =>
      heard.filter((e) => e.type === 'sync.didChange' && e.entity === 'message' && e.data.conversation_id === id);
    expect(chunksOf(a.id).length).toBeGreaterThan(0);
    expect(messagesOf(a.id).length).toBeGreaterThan(0);
    expect(chunksOf(b.id)).toEqual([]);
    expect(messagesOf(b.id)).toEqual([]);
    // List-level: b's row changed (new activity) and the window heard it.
    expect(heard.some((e) => e.type === 'sync.didChange' && e.entity === 'conversation' && e.data.id === b.id)).toBe(true);

    const caughtUp = (await core.call('sync.watch', { conversation_ids: [b.id], since }, caller)) as {
      reset: boolean;
      messages: { id: string; content: string; status: string }[];
    };
    expect(caughtUp.reset).toBe(false);
    const answer = caughtUp.messages.find((m) => m.id === inB.assistant_message_id)!;
    expect(answer.status).toBe('completed');
    expect(answer.content).toBe(core.store.message(inB.assistant_message_id).content);
    expect(caughtUp.messages.map((m) => m.id).sort()).toEqual([inB.user_message_id, inB.assistant_message_id].sort());

    heard.length = 0;
    const again = core.engine.send({ conversation_id: b.id, content: 'again [len=200]' });
    await settled(core, again.assistant_message_id);
    await waitFor(() => chunksOf(b.id).length > 0, 5000, 'chunks of b');
    expect(chunksOf(a.id)).toEqual([]);
    sub.close();
  });

  it('is refused without a live connection, and a window that never watches hears everything', async () => {
    await expect(core.call('sync.watch', { conversation_ids: [] })).rejects.toMatchObject({ code: 'invalid_input' });
    const heard: HoldfastEvent[] = [];
    const stop = core.sync.subscribe((e) => heard.push(e));
    const c = core.conversations.create({});
    const sent = core.engine.send({ conversation_id: c.id, content: 'all [len=200]' });
    await settled(core, sent.assistant_message_id);
    expect(heard.some((e) => e.type === 'messages.didAppendChunk' && e.conversation_id === c.id)).toBe(true);
    stop();
  });
});

describe('opening a long conversation', () => {
  it('the thread tail is exactly the last messages of the whole thread, siblings included, on any branch', async () => {
    const c = core.conversations.create({});
    let last = '';
    for (let i = 0; i < 4; i++) {
      now += 10;
      last = core.engine.send({ conversation_id: c.id, content: `turn ${i} [len=50]` }).assistant_message_id;
      await settled(core, last);
    }
    now += 10;
    const variant = core.engine.regenerate(last).assistant_message_id;
    await settled(core, variant);
    for (const tail of [1, 3, 8, 40])
      expect(core.conversations.thread(c.id, tail).messages).toEqual(core.conversations.thread(c.id).messages.slice(-tail));
    expect(core.conversations.thread(c.id, 1).messages[0]!.sibling_ids).toEqual([last, variant]);
    core.conversations.setLeaf(c.id, last);
    expect(core.conversations.thread(c.id, 2).messages).toEqual(core.conversations.thread(c.id).messages.slice(-2));
    expect(core.conversations.thread(c.id, 1).messages[0]!.id).toBe(last);
  });
});
