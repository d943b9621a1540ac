/**
 * Extended thinking and stop reasons, end to end through the core with the real SDK against the local server:
 * thinking streamed and journaled apart from the answer, continued and restarted soundly, searchable and exported;
 * `max_tokens` extended in place by Continue; refusal, pause_turn and unknown reasons kept.
 */
import Database from 'better-sqlite3';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { FakeAnthropic } from '../../../support/fake-anthropic';
import { fakeAnthropic, hostFor } from '../../../support/servers';
import { makeCore, settled, tempDir, waitFor } from '../../../support/core';
import { pollJson, requestJson } from '../../../support/http';
import type { Core } from '../../../../src/main/core/core';
import type { HoldfastEvent } from '../../../../src/shared/sync';
import type { ThinkingSetting } from '../../../../src/shared/model';
import { stopReasonNote, thoughtFor } from '../../../../src/shared/stop-reasons';
import { foldChunks } from '../../../../src/main/core/store/store';
import { migrations } from '../../../../src/main/core/store/migrations';

let fake: FakeAnthropic;

beforeEach(async () => {
  fake = await fakeAnthropic({ paceMs: 3 });
});

const BUDGET: ThinkingSetting = { type: 'enabled', budget_tokens: 2048 };

function conversation(core: Core, patch: Parameters<Core['conversations']['update']>[1] = { thinking: BUDGET }) {
  const conv = core.conversations.create({ title: 't' });
  return core.conversations.update(conv.id, patch);
}

function events(core: Core): HoldfastEvent[] {
  const seen: HoldfastEvent[] = [];
  core.sync.subscribe((e) => seen.push(e));
  return seen;
}

describe('extended thinking', () => {
  it('streams thinking as its own events, stores it apart from the answer with its signature, and never sends it back', async () => {
    const core = makeCore(fake);
    const conv = conversation(core, { thinking: BUDGET, temperature: 0.4 });
    const seen = events(core);
    const prompt = 'Think first [len=1200]';
    const sentAt = performance.now();
    const { assistant_message_id: id } = core.engine.send({ conversation_id: conv.id, content: prompt });
    const m = await settled(core, id);
    const elapsed = performance.now() - sentAt;
    expect(m.status).toBe('completed');
    expect(m.content).toBe(FakeAnthropic.answer(prompt));
    expect(m.thinking).toBe(FakeAnthropic.thinking(prompt));
    expect(m.content).not.toContain(FakeAnthropic.thinking(prompt).slice(0, 60));
    // A duration in milliseconds within the request's own (not a timestamp, not seconds, not missing).
    expect(m.thinking_ms).toEqual(expect.any(Number));
    expect(m.thinking_ms).toBeGreaterThanOrEqual(0);
    expect(m.thinking_ms).toBeLessThanOrEqual(Math.ceil(elapsed));
    expect(m.thinking_redacted).toBe(false);
    expect(core.store.thinkingBlocks(id)).toEqual([
      { type: 'thinking', thinking: FakeAnthropic.thinking(prompt), signature: FakeAnthropic.signature(prompt) },
    ]);

    // Windows got the thinking live, at offsets into the thinking, before the first piece of the answer.
    const chunks = seen.filter((e) => e.type === 'messages.didAppendChunk' && e.message_id === id) as Extract<
      HoldfastEvent,
      { type: 'messages.didAppendChunk' }
    >[];
    const thinking = chunks.filter((c) => c.kind === 'thinking');
    const text = chunks.filter((c) => !c.kind);
    expect(thinking.length).toBeGreaterThan(3);
    expect(thinking.map((c) => c.text).join('')).toBe(FakeAnthropic.thinking(prompt));
    expect(thinking.every((c, i) => i === 0 || c.offset === thinking[i - 1]!.offset + thinking[i - 1]!.text.length)).toBe(true);
    expect(text.map((c) => c.text).join('')).toBe(FakeAnthropic.answer(prompt));
    expect(chunks.indexOf(thinking[thinking.length - 1]!)).toBeLessThan(chunks.indexOf(text[0]!));

    // The request asked for thinking, without the temperature the API refuses beside it.
    expect(fake.requests[0]).toMatchObject({ thinking: BUDGET, max_tokens: 4096 });
    expect(fake.requests[0]!.temperature).toBeUndefined();

    // A later turn sends the earlier answer as text only: no thinking in the history.
    const next = core.engine.send({ conversation_id: conv.id, content: 'And then? [len=300]' });
    await settled(core, next.assistant_message_id);
    const history = fake.requests[fake.requests.length - 1]!.messages;
    expect(history.map((h) => h.role)).toEqual(['user', 'assistant', 'user']);
    expect(history[1]!.content).toBe(FakeAnthropic.answer(prompt));
  });

  it('keeps thinking readable through a second connection while it streams (it is journaled like text)', async () => {
    fake.config.paceMs = 15;
    const dir = tempDir();
    const core = makeCore(fake, { dataDir: dir });
    const conv = conversation(core);
    const prompt = 'Think slowly [think=2000] [len=300]';
    const { assistant_message_id: id } = core.engine.send({ conversation_id: conv.id, content: prompt });
    const reader = new Database(path.join(dir, 'holdfast.db'), { readonly: true });
    const read = (kind: string) =>
      (
        reader
          .prepare(`SELECT coalesce(group_concat(text, '' ORDER BY ord), '') AS t FROM chunks WHERE message_id = ? AND kind = ?`)
          .get(id, kind) as { t: string }
      ).t;
    const partial = await waitFor(() => {
      const t = read('thinking');
      return t.length > 300 && read('text') === '' ? t : undefined;
    });
    expect(FakeAnthropic.thinking(prompt).startsWith(partial)).toBe(true);
    // The live message a window reads carries the thinking so far, and no answer yet.
    const live = core.sync.message(id)!;
    expect(live.thinking!.length).toBeGreaterThanOrEqual(partial.length);
    expect(live.content).toBe('');
    await settled(core, id);
    reader.close();
    expect(core.store.message(id).thinking).toBe(FakeAnthropic.thinking(prompt));
  });

  it('continues an answer cut mid-text with thinking off, and restarts one cut mid-thinking keeping the old thinking', async () => {
    const core = makeCore(fake);
    const conv = conversation(core);
    const midText = 'Cut in the answer [len=2500]';
    fake.script({ kind: 'drop', after: 'middle', match: midText });
    const a = core.engine.send({ conversation_id: conv.id, content: midText });
    const done = await settled(core, a.assistant_message_id);
    expect(done.content).toBe(FakeAnthropic.answer(midText));
    const asked = fake.requests.filter((r) => r.messages[0]!.content === midText);
    expect(asked.length).toBe(2);
    expect(asked[1]!.thinking).toBeUndefined(); // the continuation: a prefill, no thinking
    expect(asked[1]!.messages[1]!.role).toBe('assistant');

    // Cut after ten events: inside the thinking, no answer text yet → a fresh request with thinking; nothing is thrown away.
    const midThinking = 'Cut while thinking [len=800]';
    fake.script({ kind: 'drop', after: 10, match: midThinking });
    const b = core.engine.send({ conversation_id: conv.id, content: midThinking });
    const m = await settled(core, b.assistant_message_id);
    expect(m.status).toBe('completed');
    expect(m.content).toBe(FakeAnthropic.answer(midThinking));
    const full = FakeAnthropic.thinking(midThinking);
    expect(m.thinking!.endsWith(`\n\n${full}`)).toBe(true);
    const old = m.thinking!.slice(0, m.thinking!.length - full.length - 2);
    expect(old.length).toBeGreaterThan(0);
    expect(full.startsWith(old)).toBe(true);
    // Two blocks: the cut one without a signature, the whole one signed.
    expect(core.store.thinkingBlocks(m.id)).toEqual([
      { type: 'thinking', thinking: old, signature: null },
      { type: 'thinking', thinking: full, signature: FakeAnthropic.signature(midThinking) },
    ]);
  });

  it('keeps a redacted thinking block and says so', async () => {
    const core = makeCore(fake);
    const conv = conversation(core, { thinking: { type: 'adaptive' } });
    const prompt = 'Something sensitive [redacted] [len=400]';
    const { assistant_message_id: id } = core.engine.send({ conversation_id: conv.id, content: prompt });
    const m = await settled(core, id);
    expect(m.thinking_redacted).toBe(true);
    expect(m.content).toBe(FakeAnthropic.answer(prompt));
    const blocks = core.store.thinkingBlocks(id);
    expect(blocks[0]).toEqual({ type: 'redacted_thinking', data: expect.stringMatching(/^[A-Za-z0-9+/=]+$/) });
    expect(blocks[1]).toMatchObject({ type: 'thinking', signature: FakeAnthropic.signature(prompt) });
    expect(fake.requests[0]!.thinking).toEqual({ type: 'adaptive' });
  });

  it('finds a message by its thinking, and exports thinking apart from the answer in every format', async () => {
    const core = makeCore(fake);
    const conv = conversation(core);
    const prompt = 'Searchable thoughts [len=300]';
    const { assistant_message_id: id } = core.engine.send({ conversation_id: conv.id, content: prompt });
    const m = await settled(core, id);
    // A word that only the thinking holds ("Reasoning" is in its first line, never in the answer).
    expect(m.content.toLowerCase()).not.toContain('reasoning');
    const hits = core.search.search('reasoning');
    expect(hits.find((h) => h.message_id === id)).toMatchObject({ role: 'thinking' });

    const md = core.exchange.exportConversation(conv.id, 'md').content;
    expect(md).toContain('> **Thought for');
    expect(md).toContain(`> ${FakeAnthropic.thinking(prompt).split('\n')[0]}`);
    expect(md.indexOf('> **Thought for')).toBeLessThan(md.indexOf(m.content.split('\n')[0]!));
    const html = core.exchange.exportConversation(conv.id, 'html').content;
    expect(html).toMatch(/<details class="thinking"><summary>Thought for \d+ s<\/summary>/);
    const json = JSON.parse(core.exchange.exportConversation(conv.id, 'json').content);
    const exported = json.messages.find((x: { id: string }) => x.id === id);
    expect(exported.thinking).toBe(FakeAnthropic.thinking(prompt));
    expect(exported.content).toBe(FakeAnthropic.answer(prompt));
  });

  it('finds a substring inside a word of thinking, as of text (scripts without spaces), and keeps it after the thinking changes', async () => {
    const core = makeCore(fake);
    const at = '2025-03-01T10:00:00Z';
    // A Claude export (shape of test/fixtures/claude-conversations.json): the question, then thinking and answer apart.
    const chat = {
      uuid: 'ja',
      name: 'Borrowing',
      created_at: at,
      chat_messages: [
        { uuid: 'u', text: '説明してください', sender: 'human', created_at: at },
        {
          uuid: 'a',
          text: '',
          content: [
            { type: 'thinking', thinking: 'ユーザーは借用チェッカーについて質問している' },
            { type: 'text', text: '所有権と参照のしくみです' },
          ],
          sender: 'assistant',
          created_at: at,
          parent_message_uuid: 'u',
        },
      ],
    };
    await core.exchange.importText(JSON.stringify([chat]));
    const conv = core.store.allConversations()[0]!;
    const answer = core.store.messagesOf(conv.id).find((m) => m.role === 'assistant')!;
    const found = (q: string) => core.search.search(q).filter((h) => h.message_id === answer.id);
    expect(found('参照のし')).toMatchObject([{ role: 'assistant' }]); // inside the answer's run of characters
    expect(found('チェッカー')).toMatchObject([{ role: 'thinking', snippet: expect.stringContaining('<mark>') }]);
    expect(found('用チェッ')).toMatchObject([{ role: 'thinking' }]);
    // The index follows the thinking when it changes (and forgets what it said before).
    core.db.prepare('UPDATE messages SET thinking = ? WHERE id = ?').run('所有権を考えてから答える', answer.id);
    expect(found('チェッカー')).toEqual([]);
    expect(found('権を考え')).toMatchObject([{ role: 'thinking' }]);
    await core.close();

    // A database from before the index: the migration indexes the thinking already there.
    const dir = tempDir();
    const before = migrations.findIndex((m) => m.includes('CREATE VIRTUAL TABLE messages_thinking_trigram'));
    const old = new Database(path.join(dir, 'holdfast.db'));
    for (const m of migrations.slice(0, before)) old.exec(m);
    old.pragma(`user_version = ${before}`);
    old.exec(`INSERT INTO conversations (id, title, created_at, updated_at) VALUES ('c', 'old', 1, 1);
      INSERT INTO messages (id, conversation_id, role, content, thinking, status, created_at, last_updated)
        VALUES ('m', 'c', 'assistant', 'answer', 'ユーザーは借用チェッカーについて質問している', 'completed', 1, 1)`);
    old.close();
    expect(makeCore(fake, { dataDir: dir }).search.search('チェッカー')).toMatchObject([{ message_id: 'm', role: 'thinking' }]);
  });

  it('refuses a budget at or above max_tokens with a reason, and gives the answer room when only the default is below it', async () => {
    const core = makeCore(fake);
    const conv = core.conversations.create({ title: 't' });
    expect(() => core.conversations.update(conv.id, { max_tokens: 2000, thinking: { type: 'enabled', budget_tokens: 2000 } })).toThrow(
      /must be below max_tokens/,
    );
    await expect(core.call('conversations.update', { id: conv.id, thinking: { type: 'enabled', budget_tokens: 100 } })).rejects.toThrow();
    core.conversations.update(conv.id, { thinking: { type: 'enabled', budget_tokens: 8000 } }); // the default max_tokens is 4096
    const { assistant_message_id: id } = core.engine.send({ conversation_id: conv.id, content: 'Big budget [len=200]' });
    expect((await settled(core, id)).status).toBe('completed');
    expect(fake.requests[0]!.max_tokens).toBeGreaterThan(8000);
  });
});

describe('folding the journal', () => {
  it('splits text, thinking and blocks by kind, whatever order the group commits cut them in', () => {
    const folded = foldChunks([
      { kind: 'redacted', text: 'AAA=' },
      { kind: 'thinking', text: 'First ' },
      { kind: 'thinking', text: 'thought' },
      { kind: 'break', text: '\n\n' }, // the first block was cut off: no signature
      { kind: 'thinking', text: 'Second' },
      { kind: 'signature', text: 'c2ln' },
      { kind: 'signature', text: 'MQ==' },
      { kind: 'text', text: 'The ' },
      { kind: 'text', text: 'answer.' },
    ]);
    expect(folded).toEqual({
      text: 'The answer.',
      thinking: 'First thought\n\nSecond',
      redacted: true,
      blocks: [
        { type: 'redacted_thinking', data: 'AAA=' },
        { type: 'thinking', thinking: 'First thought', signature: null },
        { type: 'thinking', thinking: 'Second', signature: 'c2lnMQ==' },
      ],
    });
    expect(foldChunks([{ kind: 'text', text: 'only text' }])).toEqual({ text: 'only text', thinking: '', redacted: false, blocks: [] });
  });
});

describe('why an answer stopped', () => {
  it('marks an answer cut at max_tokens, and Continue extends the same message to the full text', async () => {
    const core = makeCore(fake);
    const conv = conversation(core, { max_tokens: 120 });
    const prompt = 'A long answer [len=3000]';
    const { assistant_message_id: id } = core.engine.send({ conversation_id: conv.id, content: prompt });
    let m = await settled(core, id);
    const full = FakeAnthropic.answer(prompt);
    expect(m).toMatchObject({ status: 'completed', stop_reason: 'max_tokens' });
    expect(m.content.length).toBeLessThan(full.length);
    expect(full.startsWith(m.content)).toBe(true);
    await expect(core.call('messages.retry', { message_id: id })).rejects.toThrow(/complete/);
    let rounds = 0;
    while (m.stop_reason === 'max_tokens') {
      const before = m.content.length;
      expect(await core.call('messages.continue', { message_id: id })).toEqual({ assistant_message_id: id });
      expect(core.store.message(id).status).toBe('generating');
      m = await settled(core, id);
      expect(m.status).toBe('completed');
      expect(m.content.length).toBeGreaterThan(before);
      expect(full.startsWith(m.content)).toBe(true);
      if (++rounds > 10) throw new Error('Continue never reached the end');
    }
    expect(rounds).toBeGreaterThanOrEqual(1);
    expect(m.content).toBe(full);
    expect(m.stop_reason).toBe('end_turn');
    expect(core.store.messagesOf(conv.id).filter((x) => x.role === 'assistant')).toHaveLength(1);
    expect(m.output_tokens).toBeGreaterThan(120); // summed over the continuations
    await expect(core.call('messages.continue', { message_id: id })).rejects.toMatchObject({
      message: expect.stringMatching(/nothing to continue/),
      details: { reason: 'ended_normally' },
    });
  });

  it('keeps refusal, pause_turn and unknown stop reasons, each with a named note', async () => {
    const core = makeCore(fake);
    const out: Record<string, { content: string; stop_reason: string | null }> = {};
    for (const reason of ['refusal', 'pause_turn', 'tea_break']) {
      const conv = core.conversations.create({ title: reason });
      const { assistant_message_id: id } = core.engine.send({ conversation_id: conv.id, content: `Please [stop=${reason}] [len=200]` });
      out[reason] = await settled(core, id);
    }
    expect(out.refusal).toMatchObject({ content: '', stop_reason: 'refusal' });
    expect(out.pause_turn!.stop_reason).toBe('pause_turn');
    expect(out.tea_break!.stop_reason).toBe('tea_break');
    expect(stopReasonNote('refusal')).toMatch(/declined/);
    expect(stopReasonNote('pause_turn')).toMatch(/paused/);
    expect(stopReasonNote('tea_break')).toContain('"tea_break"');
    expect(stopReasonNote('end_turn')).toBeNull();
    expect(thoughtFor(12_300)).toBe('Thought for 12 s');
  });
});

describe('over REST', () => {
  it('POST /api/messages/:id/continue extends an answer cut at max_tokens, and refuses one that ended normally', async () => {
    const h = await hostFor(fake, { dataDir: tempDir() });
    const { body: conv } = await requestJson(`${h.url}/api/sessions`, { method: 'POST', body: JSON.stringify({ title: 'REST' }) });
    await requestJson(`${h.url}/api/sessions/${conv.id}`, { method: 'PATCH', body: JSON.stringify({ max_tokens: 100 }) });
    const prompt = 'Continue me over REST [len=1500]';
    const { body: sent } = await requestJson(`${h.url}/api/sessions/${conv.id}/messages`, {
      method: 'POST',
      body: JSON.stringify({ content: prompt }),
    });
    const id = sent.assistant_message_id as string;
    const thread = () => `${h.url}/api/sessions/${conv.id}/messages`;
    let answer = (await pollJson(thread(), (t) => t[1]?.status === 'completed'))[1];
    expect(answer.stop_reason).toBe('max_tokens');
    const badPatch = await requestJson(`${h.url}/api/sessions/${conv.id}`, {
      method: 'PATCH',
      body: JSON.stringify({ thinking: { type: 'enabled', budget_tokens: 4000 } }),
    });
    expect(badPatch.status).toBe(400);
    expect(badPatch.body.error.message).toMatch(/below max_tokens/);
    for (let round = 0; answer.stop_reason === 'max_tokens' && round < 10; round++) {
      const before = answer.content.length;
      const res = await requestJson(`${h.url}/api/messages/${id}/continue`, { method: 'POST' });
      expect(res).toEqual({ status: 200, body: { assistant_message_id: id } });
      answer = (await pollJson(thread(), (t) => t[1]?.status === 'completed' && t[1].content.length > before))[1];
    }
    expect(answer.content).toBe(FakeAnthropic.answer(prompt));
    expect(answer.stop_reason).toBe('end_turn');
    const again = await requestJson(`${h.url}/api/messages/${id}/continue`, { method: 'POST' });
    expect(again.status).toBe(409);
    expect(again.body.error).toMatchObject({ code: 'conflict', details: { reason: 'ended_normally' } }); // for scripts to act on
    expect((await requestJson(`${h.url}/api/messages/nope/continue`, { method: 'POST' })).status).toBe(404);
  });
});

describe('thinking through a host killed mid-thinking', () => {
  it('loses no thinking received before SIGKILL and completes the answer after the restart', async () => {
    fake.config.paceMs = 10;
    const dir = tempDir();
    const start = (port?: number) => hostFor(fake, { dataDir: dir, port, args: ['--watchdog-ms', '3000'] });
    const h = await start();
    const { body: conv } = await requestJson(`${h.url}/api/sessions`, { method: 'POST', body: '{}' });
    const patched = await requestJson(`${h.url}/api/sessions/${conv.id}`, { method: 'PATCH', body: JSON.stringify({ thinking: BUDGET }) });
    expect(patched.body.thinking).toEqual(BUDGET);
    const prompt = 'Kill me while thinking [think=3000] [len=600]';
    const killAt = 1200;
    let killed: Promise<number | null> | null = null;
    fake.onThinkingDelta = (p, sent) => {
      if (p === prompt && sent >= killAt && !killed) killed = h.kill('SIGKILL');
    };
    const { body: sent } = await requestJson(`${h.url}/api/sessions/${conv.id}/messages`, {
      method: 'POST',
      body: JSON.stringify({ content: prompt }),
    });
    await waitFor(() => killed, 20_000, 'the kill');
    await killed;
    fake.onThinkingDelta = null;
    // What the dead host left on disk: thinking up to (about) the kill, no answer text.
    const db = new Database(path.join(dir, 'holdfast.db'), { readonly: true });
    const left = db
      .prepare(`SELECT kind, group_concat(text, '' ORDER BY ord) AS t FROM chunks WHERE message_id = ? GROUP BY kind`)
      .all(sent.assistant_message_id) as { kind: string; t: string }[];
    db.close();
    const journaled = left.find((r) => r.kind === 'thinking')?.t ?? '';
    expect(left.find((r) => r.kind === 'text')).toBeUndefined();
    expect(journaled.length).toBeGreaterThan(killAt / 2); // at most the last group commit (50 ms at 10 ms a delta) is lost
    expect(FakeAnthropic.thinking(prompt).startsWith(journaled)).toBe(true);

    const again = await start(h.port);
    const thread = await pollJson(`${again.url}/api/sessions/${conv.id}/messages`, (t) => t[1]?.status === 'completed', 30_000);
    const answer = thread[1];
    expect(answer.id).toBe(sent.assistant_message_id);
    expect(answer.content).toBe(FakeAnthropic.answer(prompt));
    expect(answer.thinking.startsWith(journaled)).toBe(true);
    expect(answer.thinking.endsWith(`\n\n${FakeAnthropic.thinking(prompt)}`)).toBe(true);
    expect(answer.content).not.toContain('Reasoning about');
  });
});
