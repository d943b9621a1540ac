import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeAnthropic } from '../../support/fake-anthropic';
import { startHostProcess, type HostProcess } from '../../support/host-process';
import { makeCore, settled, tempDir } from '../../support/core';
import { pollJson, requestJson, type Json } from '../../support/http';
import type { Core } from '../../../src/main/core/core';

let fake: FakeAnthropic;
beforeEach(async () => {
  fake = await new FakeAnthropic({ paceMs: 2 }).listen();
});
afterEach(async () => {
  await fake.close();
});

describe('tree operations in the core', () => {
  let core: Core;
  beforeEach(() => {
    core = makeCore(fake);
  });
  afterEach(async () => {
    await core.close();
  });

  it('regenerates any assistant message as a new sibling, keeping the earlier variants', async () => {
    const conv = core.conversations.create({});
    const first = core.engine.send({ conversation_id: conv.id, content: 'variant prompt [len=300]' });
    await settled(core, first.assistant_message_id);
    const second = core.engine.send({ conversation_id: conv.id, content: 'follow-up [len=300]' });
    await settled(core, second.assistant_message_id);
    // Regenerate the first answer, not the last.
    const { assistant_message_id: v2 } = core.engine.regenerate(first.assistant_message_id);
    expect(() => core.engine.regenerate(v2)).toThrow(expect.objectContaining({ code: 'conflict', details: { reason: 'generating' } }));
    await settled(core, v2);
    const thread = core.conversations.thread(conv.id).messages;
    expect(thread.map((m) => m.id)).toEqual([first.user_message_id, v2]);
    expect(thread[1]!.sibling_ids).toEqual([first.assistant_message_id, v2]);
    expect(core.conversations.tree(conv.id).messages).toHaveLength(5);
    // Back to the first variant: the thread follows it down to its latest leaf.
    core.conversations.setLeaf(conv.id, first.assistant_message_id);
    expect(core.conversations.thread(conv.id).messages.map((m) => m.id)).toEqual([
      first.user_message_id,
      first.assistant_message_id,
      second.user_message_id,
      second.assistant_message_id,
    ]);
  });

  it('edits a user message into a new branch and keeps the old one', async () => {
    const conv = core.conversations.create({});
    const a = core.engine.send({ conversation_id: conv.id, content: 'original [len=200]' });
    await settled(core, a.assistant_message_id);
    const b = core.engine.edit(a.user_message_id, 'edited [len=200]');
    const answer = await settled(core, b.assistant_message_id);
    expect(answer.content).toBe(FakeAnthropic.answer('edited [len=200]'));
    const thread = core.conversations.thread(conv.id).messages;
    expect(thread.map((m) => m.content)).toEqual(['edited [len=200]', FakeAnthropic.answer('edited [len=200]')]);
    expect(thread[0]!.sibling_ids).toEqual([a.user_message_id, b.user_message_id]);
    expect(() => core.engine.edit(a.assistant_message_id, 'x')).toThrow(/Only a user message/);
    // The edited request did not carry the old branch.
    expect(fake.requests.at(-1)!.messages.map((m) => m.content)).toEqual(['edited [len=200]']);
  });

  it('sends the system prompt, model, max tokens and temperature of the conversation', async () => {
    const conv = core.conversations.create({});
    core.conversations.update(conv.id, { system_prompt: 'You are terse.', model: 'claude-custom', max_tokens: 321, temperature: 0.2 });
    const { assistant_message_id: id } = core.engine.send({ conversation_id: conv.id, content: 'settings [len=100]' });
    expect((await settled(core, id)).model).toBe('claude-custom');
    const req = fake.requests.at(-1)!;
    expect(req).toMatchObject({ model: 'claude-custom', system: 'You are terse.' });
  });
});

describe('trash', () => {
  it('refuses every way of starting an answer in a trashed conversation, as send does, with reason trashed', async () => {
    const core = makeCore(fake);
    const conv = core.conversations.create({});
    const sent = core.engine.send({ conversation_id: conv.id, content: 'cut me [len=2000]' });
    await vi.waitFor(() => expect(core.store.message(sent.assistant_message_id).content.length).toBeGreaterThan(0));
    core.engine.stop(sent.assistant_message_id);
    await settled(core, sent.assistant_message_id);
    const long = core.engine.send({ conversation_id: conv.id, content: 'long [len=40]', parent_id: sent.user_message_id });
    await settled(core, long.assistant_message_id);
    core.db.prepare("UPDATE messages SET stop_reason = 'max_tokens' WHERE id = ?").run(long.assistant_message_id);
    core.conversations.trash(conv.id);
    const count = () => core.db.prepare('SELECT count(*) AS n FROM messages WHERE conversation_id = ?').get(conv.id);
    const before = count();
    const trashed = expect.objectContaining({ code: 'conflict', details: { reason: 'trashed' } });
    expect(() => core.engine.send({ conversation_id: conv.id, content: 'x' })).toThrow(trashed);
    expect(() => core.engine.edit(sent.user_message_id, 'edited')).toThrow(trashed);
    expect(() => core.engine.regenerate(long.assistant_message_id)).toThrow(trashed);
    expect(() => core.engine.retry(sent.assistant_message_id)).toThrow(trashed);
    expect(() => core.engine.continueAnswer(long.assistant_message_id)).toThrow(trashed);
    expect(count()).toEqual(before);
    expect(core.store.message(sent.assistant_message_id).status).toBe('cancelled');
    expect(core.store.message(long.assistant_message_id).status).toBe('completed');
    // Restored, it takes answers again.
    core.conversations.restore(conv.id);
    await settled(core, core.engine.retry(sent.assistant_message_id).assistant_message_id);
    expect(core.store.message(sent.assistant_message_id).status).toBe('completed');
    await core.close();
  });

  it('a trashed conversation can be restored; emptying the trash deletes it for good and tells every window', async () => {
    const core = makeCore(fake);
    const conv = core.conversations.create({ title: 'doomed' });
    const { assistant_message_id: id } = core.engine.send({ conversation_id: conv.id, content: 'bye [len=100]' });
    await settled(core, id);
    const keep = core.conversations.create({ title: 'kept' });
    core.conversations.trash(conv.id);
    expect(core.conversations.list(false).map((c) => c.id)).toEqual([keep.id]);
    expect(core.conversations.list(true).map((c) => c.id)).toEqual([conv.id]);
    core.conversations.restore(conv.id);
    core.conversations.trash(conv.id);
    const since = core.sync.seq();
    const events: string[] = [];
    core.sync.subscribe((e) => {
      if (e.type === 'sync.didDelete') events.push(e.id);
    });
    expect(await core.call('conversations.emptyTrash', {})).toEqual({ deleted: 1 });
    expect(events).toEqual([conv.id]);
    expect(core.store.findConversation(conv.id)).toBeUndefined();
    expect(core.db.prepare('SELECT count(*) AS n FROM messages WHERE conversation_id = ?').get(conv.id)).toEqual({ n: 0 });
    expect(core.sync.pull(since).deleted_conversation_ids).toEqual([conv.id]);
    expect(core.store.findConversation(keep.id)).toBeDefined();
    await core.close();
  });
});

describe('automatic titles', () => {
  it('titles a conversation after its first answer with a short request to the model', async () => {
    const core = makeCore(fake, { autoTitle: true });
    const conv = core.conversations.create({});
    const { assistant_message_id: id } = core.engine.send({ conversation_id: conv.id, content: 'Plan a trip to Lisbon [len=200]' });
    await settled(core, id);
    const titled = await new Promise<string>((resolve) => {
      const t = setInterval(() => {
        const c = core.store.conversation(conv.id);
        if (c.title) {
          clearInterval(t);
          resolve(c.title);
        }
      }, 20);
    });
    expect(titled.length).toBeGreaterThan(0);
    expect(titled.length).toBeLessThanOrEqual(60);
    expect(fake.requests.at(-1)!.messages[0]!.content).toMatch(/^Title this conversation/);
    // A person's own title is never overwritten.
    const named = core.conversations.create({ title: 'Mine' });
    const r = core.engine.send({ conversation_id: named.id, content: 'hello [len=100]' });
    const before = fake.requests.length;
    await settled(core, r.assistant_message_id);
    await core.engine.backgroundIdle();
    expect(core.store.conversation(named.id).title).toBe('Mine');
    expect(fake.requests.length).toBe(before + 1); // the answer only: no title request for a named conversation
    await core.close();
  });
});

describe('tree REST routes', () => {
  let host: HostProcess;
  beforeEach(async () => {
    host = await startHostProcess({ dataDir: tempDir(), fromSource: true, env: { ANTHROPIC_API_KEY: 'k', ANTHROPIC_BASE_URL: fake.url } });
  });
  afterEach(async () => {
    await host.kill('SIGKILL');
  });

  const call = (method: string, path: string, body?: unknown) =>
    requestJson(`${host.url}${path}`, { method, body: body === undefined ? undefined : JSON.stringify(body) });
  const until = (path: string, ok: (b: Json) => boolean) => pollJson(`${host.url}${path}`, ok);

  it('regenerate, edit, tree, leaf, reaction, patch, trash and restore', async () => {
    const { body: conv } = await call('POST', '/api/sessions', { title: 'tree' });
    const { body: sent } = await call('POST', `/api/sessions/${conv.id}/messages`, { content: 'rest tree [len=300]' });
    expect((await call('POST', `/api/messages/${sent.assistant_message_id}/regenerate`)).status).toBe(409);
    await until(`/api/sessions/${conv.id}/status`, (b) => !b.has_active_generation);
    expect((await call('POST', `/api/messages/${sent.user_message_id}/regenerate`)).status).toBe(400);
    expect((await call('POST', '/api/messages/nope/regenerate')).status).toBe(404);
    const regen = await call('POST', `/api/messages/${sent.assistant_message_id}/regenerate`);
    expect(regen.status).toBe(200);
    await until(`/api/sessions/${conv.id}/status`, (b) => !b.has_active_generation);
    const thread = await call('GET', `/api/sessions/${conv.id}/messages`);
    expect(thread.body[1]).toMatchObject({
      id: regen.body.assistant_message_id,
      sibling_ids: [sent.assistant_message_id, regen.body.assistant_message_id],
      reaction: null,
      reaction_comment: null,
    });

    const edited = await call('POST', `/api/messages/${sent.user_message_id}/edit`, { content: 'rest edited [len=200]' });
    expect(edited.status).toBe(200);
    expect((await call('POST', `/api/messages/${sent.user_message_id}/edit`, {})).status).toBe(400);
    await until(`/api/sessions/${conv.id}/status`, (b) => !b.has_active_generation);
    const tree = await call('GET', `/api/sessions/${conv.id}/tree`);
    expect(tree.body.current_leaf_id).toBe(edited.body.assistant_message_id);
    expect(tree.body.messages).toHaveLength(5);
    expect(tree.body.messages.every((m: { parent_id: unknown }) => 'parent_id' in m)).toBe(true);

    const leaf = await call('PUT', `/api/sessions/${conv.id}/leaf`, { message_id: sent.user_message_id });
    expect(leaf.status).toBe(200);
    expect(leaf.body.current_leaf_id).toBe(regen.body.assistant_message_id); // the most recently active leaf below it
    expect((await call('PUT', `/api/sessions/${conv.id}/leaf`, { message_id: 'nope' })).status).toBe(404);

    const liked = await call('PUT', `/api/messages/${regen.body.assistant_message_id}/reaction`, { value: 'dislike', comment: 'too long' });
    expect(liked.body).toMatchObject({ reaction: 'dislike', reaction_comment: 'too long' });
    expect((await call('PUT', `/api/messages/${regen.body.assistant_message_id}/reaction`, { value: 'meh' })).status).toBe(400);
    const cleared = await call('PUT', `/api/messages/${regen.body.assistant_message_id}/reaction`, { value: null });
    expect(cleared.body).toMatchObject({ reaction: null, reaction_comment: null });

    const patched = await call('PATCH', `/api/sessions/${conv.id}`, { title: 'Renamed', pinned: true, system_prompt: 'Be brief.' });
    expect(patched.body).toMatchObject({ title: 'Renamed', pinned: true, system_prompt: 'Be brief.' });
    expect((await call('PATCH', `/api/sessions/${conv.id}`, { pinned: 'yes' })).status).toBe(400);
    expect((await call('DELETE', `/api/sessions/${conv.id}`)).status).toBe(200);
    expect((await call('GET', '/api/sessions')).body.map((c: { id: string }) => c.id)).not.toContain(conv.id);
    expect((await call('GET', '/api/sessions?trashed=1')).body.map((c: { id: string }) => c.id)).toContain(conv.id);
    expect((await call('POST', `/api/sessions/${conv.id}/restore`)).status).toBe(200);
    expect((await call('GET', '/api/sessions')).body.map((c: { id: string }) => c.id)).toContain(conv.id);
  });
});
