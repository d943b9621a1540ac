import Database from 'better-sqlite3';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { FakeAnthropic } from '../../../support/fake-anthropic';
import { fakeAnthropic } from '../../../support/servers';
import { makeCore, settled, tempDir, waitFor } from '../../../support/core';
import type { Core } from '../../../../src/main/core/core';

let fake: FakeAnthropic;

beforeEach(async () => {
  fake = await fakeAnthropic({ paceMs: 3 });
});

async function sendIn(core: Core, prompt: string) {
  const conv = core.conversations.create({ title: 't' });
  const ids = core.engine.send({ conversation_id: conv.id, content: prompt });
  return { conv, ...ids };
}

describe('engine with the real SDK against the local server', () => {
  it('returns both ids before the first token and stores the complete answer with stop reason and usage', async () => {
    const core = makeCore(fake);
    const prompt = 'Explain group commits [len=1500]';
    const { user_message_id, assistant_message_id } = await sendIn(core, prompt);
    const a = core.store.message(assistant_message_id);
    expect(a.status).toBe('generating');
    expect(a.content).toBe('');
    expect(core.store.message(user_message_id).content).toBe(prompt);
    const done = await settled(core, assistant_message_id);
    expect(done.error).toBeNull();
    expect(done.status).toBe('completed');
    expect(done.content).toBe(FakeAnthropic.answer(prompt));
    expect(done.stop_reason).toBe('end_turn');
    expect(done.output_tokens).toBeGreaterThan(10);
    expect(done.input_tokens).toBeGreaterThan(0);
    expect(core.db.prepare('SELECT count(*) AS n FROM chunks').get()).toEqual({ n: 0 });
  });

  it('makes the partial text readable through a second database connection while the answer streams', async () => {
    fake.config.paceMs = 15;
    const dir = tempDir();
    const core = makeCore(fake, { dataDir: dir });
    const prompt = 'stream slowly [len=3000]';
    const { assistant_message_id: id } = await sendIn(core, prompt);
    const reader = new Database(path.join(dir, 'holdfast.db'), { readonly: true });
    const read = () =>
      reader
        .prepare(
          `SELECT m.status, m.content || coalesce((SELECT group_concat(text, '' ORDER BY ord) FROM chunks WHERE message_id = m.id), '') AS text FROM messages m WHERE id = ?`,
        )
        .get(id) as { status: string; text: string };
    const partial = await waitFor(() => {
      const r = read();
      return r.text.length > 200 && r.status === 'generating' ? r : undefined;
    });
    expect(FakeAnthropic.answer(prompt).startsWith(partial.text)).toBe(true);
    await settled(core, id);
    expect(read().text).toBe(FakeAnthropic.answer(prompt));
    reader.close();
  });

  it('stop cancels the request and keeps the partial text', async () => {
    fake.config.paceMs = 15;
    const core = makeCore(fake);
    const prompt = 'stop me [len=5000]';
    const { assistant_message_id: id } = await sendIn(core, prompt);
    await waitFor(() => (core.engine.liveText(id)?.length ?? 0) > 100);
    expect(core.engine.stop(id)).toEqual({ stopped: true });
    const m = await settled(core, id);
    expect(m.status).toBe('cancelled');
    expect(m.content.length).toBeGreaterThan(100);
    expect(FakeAnthropic.answer(prompt).startsWith(m.content)).toBe(true);
    expect(m.content.length).toBeLessThan(FakeAnthropic.answer(prompt).length);
  });

  it('continues with a user turn where the model refuses prefills, and remembers it for that model', async () => {
    fake.config.refusePrefill = ['claude-noprefill'];
    const core = makeCore(fake, { model: 'claude-noprefill' });
    const prompt = 'refusing model [len=2000]';
    fake.script({ kind: 'drop', after: 'middle' }, { kind: 'drop', after: 'middle', match: 'second' });
    const { assistant_message_id: id } = await sendIn(core, prompt);
    const m = await settled(core, id);
    expect(m.status).toBe('completed');
    expect(m.content).toBe(FakeAnthropic.answer(prompt));
    const strategies = core.db.prepare('SELECT endpoint, model, strategy FROM continuation_strategies').all();
    expect(strategies).toEqual([{ endpoint: `anthropic ${fake.url}`, model: 'claude-noprefill', strategy: 'user_turn' }]);
    // The next interruption goes straight to the user-turn strategy: no second prefill attempt.
    const before = fake.requests.length;
    const second = await sendIn(core, 'second prompt [len=2000]');
    expect((await settled(core, second.assistant_message_id)).content).toBe(FakeAnthropic.answer('second prompt [len=2000]'));
    const tail = fake.requests.slice(before);
    expect(tail).toHaveLength(2);
    expect(tail[1]!.messages.at(-1)!.role).toBe('user');
  });

  it('restarts as a new variant, keeping the partial one, when the model can continue in no way', async () => {
    const core = makeCore(fake, { model: 'claude-stubborn' });
    core.db.prepare("INSERT INTO continuation_strategies VALUES (?, 'claude-stubborn', 'new_variant', 0)").run(`anthropic ${fake.url}`);
    const prompt = 'no continuation [len=1500]';
    fake.script({ kind: 'drop', after: 'middle' });
    const { conv, assistant_message_id: id } = await sendIn(core, prompt);
    const first = await settled(core, id);
    expect(first.status).toBe('error');
    expect(first.content.length).toBeGreaterThan(0);
    const leaf = await waitFor(() => {
      const c = core.store.conversation(conv.id);
      return c.current_leaf_id !== id ? c.current_leaf_id : undefined;
    });
    const variant = await settled(core, leaf!);
    expect(variant.parent_id).toBe(first.parent_id);
    expect(variant.content).toBe(FakeAnthropic.answer(prompt));
  });

  it('runs many generations at once in different conversations', async () => {
    const core = makeCore(fake);
    const prompts = Array.from({ length: 6 }, (_, i) => `concurrent ${i} [len=${800 + i * 300}]`);
    const sent = await Promise.all(prompts.map((p) => sendIn(core, p)));
    expect(core.engine.activeIds().length).toBe(6);
    const done = await Promise.all(sent.map((s) => settled(core, s.assistant_message_id)));
    done.forEach((m, i) => expect(m.content).toBe(FakeAnthropic.answer(prompts[i]!)));
  });

  it('resumes an answer left generating by a previous process and completes it exactly', async () => {
    fake.config.paceMs = 10;
    const dir = tempDir();
    const first = makeCore(fake, { dataDir: dir });
    const prompt = 'survive a restart [len=4000]';
    const { assistant_message_id: id } = await sendIn(first, prompt);
    await waitFor(() => (first.engine.liveText(id)?.length ?? 0) > 500);
    await first.close();
    const stored = new Database(path.join(dir, 'holdfast.db'));
    expect(stored.prepare('SELECT status FROM messages WHERE id = ?').get(id)).toEqual({ status: 'generating' });
    stored.close();
    const before = fake.requests.length;
    const second = makeCore(fake, { dataDir: dir });
    const m = await settled(second, id);
    expect(m.status).toBe('completed');
    expect(m.content).toBe(FakeAnthropic.answer(prompt));
    // It continued from the stored text (a prefilled assistant turn), not from scratch.
    expect(fake.requests[before]!.messages.at(-1)!.role).toBe('assistant');
  });

  it('queues a follow-up sent while the answer above it streams, and sends it after', async () => {
    const core = makeCore(fake);
    const { conv, assistant_message_id: a1 } = await sendIn(core, 'first [len=1500]');
    const { assistant_message_id: a2 } = core.engine.send({ conversation_id: conv.id, content: 'second [len=500]' });
    expect(core.store.message(a2).status).toBe('queued');
    await settled(core, a1);
    const m2 = await settled(core, a2);
    expect(m2.content).toBe(FakeAnthropic.answer('second [len=500]'));
    const history = fake.requests.at(-1)!.messages;
    expect(history.map((m) => m.role)).toEqual(['user', 'assistant', 'user']);
    expect(history[1]!.content).toBe(FakeAnthropic.answer('first [len=1500]'));
  });
});
