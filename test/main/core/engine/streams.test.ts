/**
 * Misbehaving streams and servers, with the real SDK against the local server: recorded streams replayed byte for
 * byte (unterminated final event, CRLF, padded JSON, data-only framing), a server that never sends message_stop,
 * one that restarts instead of continuing, and in-stream errors that can never succeed. Time runs 50× faster
 * (an accelerated engine clock) with the production retry policy.
 */
import fs from 'node:fs';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { FakeAnthropic, replayBlocks, type Replay } from '../../../support/fake-anthropic';
import { fakeAnthropic } from '../../../support/servers';
import { acceleratedClock } from '../../../support/clock';
import { anthropicFor, makeCore, settled, waitFor } from '../../../support/core';
import { DEFAULT_POLICY, type Core } from '../../../../src/main/core/core';
import { CONTINUE_PROMPT } from '../../../../src/main/core/engine/continuation';
import type { Message } from '../../../../src/shared/model';

const fixture = (name: string) => fs.readFileSync(path.join(__dirname, '../../../fixtures/streams', name), 'utf8');
const HELLO = fixture('hello-unterminated.sse');
const PADDED = fixture('padded-crlf.sse');
const STANDARD = fixture('claude-standard.sse');
const STANDARD_TEXT =
  'The short answer: a group commit writes many chunks in one transaction, so a crash loses at most the last fifty milliseconds of text.';

let fake: FakeAnthropic;
const open = (model = 'claude-test') => makeCore(fake, { model, policy: DEFAULT_POLICY, engineClock: acceleratedClock(50) });
beforeEach(async () => {
  fake = await fakeAnthropic({ paceMs: 1 });
});

function send(core: Core, prompt: string) {
  const conv = core.conversations.create({});
  return { conv, ...core.engine.send({ conversation_id: conv.id, content: prompt }) };
}
/** Every answer in the conversation once none is still running (a fallback may start a new variant). */
async function answersOf(core: Core, conversationId: string): Promise<Message[]> {
  await waitFor(
    () =>
      core.store.messagesOf(conversationId).every((m) => m.status !== 'generating' && m.status !== 'queued' && !core.engine.isActive(m.id)),
    20_000,
    'every answer to settle',
  );
  return core.store.messagesOf(conversationId).filter((m) => m.role === 'assistant');
}
const requestsFor = (prompt: string) => fake.requests.filter((r) => r.messages[0]?.content === prompt);

describe('recorded streams, replayed byte for byte', () => {
  it('the local server sends a recording exactly, and alters only what a replay option names', async () => {
    const raw = async (r: Omit<Replay, 'times'>) => {
      fake.replay({ ...r, times: 1 });
      const res = await fetch(`${fake.url}/v1/messages`, {
        method: 'POST',
        headers: { 'x-api-key': 'k', 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'm', max_tokens: 10, stream: true, messages: [{ role: 'user', content: 'x' }] }),
      });
      return res.text();
    };
    expect(await raw({ sse: PADDED })).toBe(PADDED);
    expect(PADDED).toContain('\r\n');
    expect(await raw({ sse: HELLO })).toBe(HELLO);
    expect(HELLO.endsWith('"message_stop"}\n')).toBe(true);
    expect(await raw({ sse: STANDARD, stripFinalBlankLine: true })).toBe(STANDARD.slice(0, -1));
    const dropped = await raw({ sse: STANDARD, dropMessageStop: true });
    expect(dropped).toBe(STANDARD.replace('event: message_stop\ndata: {"type":"message_stop"}\n\n', ''));
    const dataOnly = await raw({ sse: STANDARD, dataOnly: true });
    expect(dataOnly).not.toMatch(/^event:/m);
    expect(dataOnly.match(/^data:/gm)).toHaveLength(STANDARD.match(/^data:/gm)!.length);
    expect(replayBlocks({ sse: PADDED }).join('')).toBe(PADDED);
  });

  it('completes from a recording whose final message_stop has no blank line after it, in one request', async () => {
    const core = open();
    fake.replay({ sse: HELLO });
    const { assistant_message_id: id } = send(core, 'hello recording');
    const m = await settled(core, id);
    expect(m.error).toBeNull();
    expect(m.status).toBe('completed');
    expect(m.content).toBe('Hello there!');
    expect(m.stop_reason).toBe('end_turn');
    expect(requestsFor('hello recording')).toHaveLength(1);
  });

  it('reads CRLF line endings, JSON padded with spaces, a leading blank line and an emoji split from its text', async () => {
    const core = open();
    fake.replay({ sse: PADDED });
    const { assistant_message_id: id } = send(core, 'padded recording');
    const m = await settled(core, id);
    expect(m.status).toBe('completed');
    expect(m.content).toBe('Hi! 👋 What shall we build today?');
    expect(m.output_tokens).toBe(12);
    expect(requestsFor('padded recording')).toHaveLength(1);
  });

  it('reads data-only framing (no event: lines, as some gateways send), recorded or live, and continues it exactly', async () => {
    const core = open();
    fake.replay({ sse: STANDARD, dataOnly: true, times: 1 });
    const recorded = send(core, 'data-only recording');
    const r = await settled(core, recorded.assistant_message_id);
    expect(r.status).toBe('completed');
    expect(r.content).toBe(STANDARD_TEXT);

    fake.config.framing = 'data-only';
    const prompt = 'data-only live [len=1500]';
    fake.script({ kind: 'drop', after: 'middle', match: prompt });
    const live = send(core, prompt);
    const m = await settled(core, live.assistant_message_id);
    expect(m.status).toBe('completed');
    expect(m.content).toBe(FakeAnthropic.answer(prompt));
    expect(requestsFor(prompt)).toHaveLength(2);
  });

  it('fails at once, saying why, when the stream holds no Anthropic event at all', async () => {
    const core = open();
    const openAiDialect =
      'data: {"id":"chatcmpl-1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"Hi"}}]}\n\ndata: [DONE]\n\n';
    fake.replay({ sse: openAiDialect });
    const { assistant_message_id: id } = send(core, 'another dialect');
    const m = await settled(core, id, 5000);
    expect(m.status).toBe('error');
    expect(m.error).toMatch(/no Anthropic Messages events.*chat\.completion\.chunk/);
    expect(requestsFor('another dialect')).toHaveLength(1);
  });
});

describe('a server that never finishes, or restarts instead of continuing', () => {
  it.each([
    ['hello-unterminated.sse', HELLO, 'Hello there!'],
    ['claude-standard.sse', STANDARD, STANDARD_TEXT],
    ['padded-crlf.sse', PADDED, 'Hi! 👋 What shall we build today?'],
  ])(
    'ends `error` within a bounded number of requests when every request gets %s without message_stop, storing its text once',
    async (_name, sse, text) => {
      // The reported loop: 540 requests in 215 s, "Hello there!" stored 542 times.
      const core = open();
      fake.replay({ sse, dropMessageStop: true });
      const { conv } = send(core, 'never stops');
      const answers = await answersOf(core, conv.id);
      const requests = requestsFor('never stops');
      expect(requests.length).toBeLessThanOrEqual(6);
      // The first answer is interrupted; its prefill continuation restarts (detected, nothing appended), so does the
      // user-turn one; the new variant is interrupted too and, being the last resort already, ends the chain.
      expect(answers).toHaveLength(2);
      for (const a of answers) {
        expect(a.status).toBe('error');
        expect(a.content).toBe(text);
      }
      expect(answers[0]!.error).toMatch(/could not continue it.*started over/);
      expect(answers[1]!.error).toMatch(/neither this answer nor the one it replaced could be continued/);
      expect(requests.map((r) => r.messages.at(-1)!.role)).toEqual(['user', 'assistant', 'user', 'user']);
      expect(requests[2]!.messages.at(-1)!.content).toBe(CONTINUE_PROMPT);
    },
  );

  it('cuts a stream that sends only keep-alive pings after it started, and continues the answer exactly', async () => {
    // Bytes keep flowing (the byte watchdog never fires), but no text: after progressMs (5 min on this 50× clock, 6 s
    // of real time) the attempt is an interruption and the answer continues from what it had.
    const core = open();
    const prompt = 'pings forever [len=600]';
    fake.script({ kind: 'pings', after: 'middle', ms: 20_000, match: prompt });
    const { assistant_message_id: id } = send(core, prompt);
    const m = await settled(core, id, 30_000);
    expect(m.status).toBe('completed');
    expect(m.content).toBe(FakeAnthropic.answer(prompt));
    expect(requestsFor(prompt)).toHaveLength(2);
    expect(requestsFor(prompt)[1]!.messages.at(-1)!.role).toBe('assistant'); // continued from the stored text
  }, 40_000);

  it('caps the streams that end without message_stop whatever text they bring, and Retry starts a fresh cap', async () => {
    const core = open();
    fake.config.omitMessageStop = true; // continues the prefill faithfully, but never says the answer is finished
    const prompt = 'no message_stop [len=900]';
    const full = FakeAnthropic.answer(prompt);
    const { assistant_message_id: id } = send(core, prompt);
    const m = await settled(core, id);
    expect(m.status).toBe('error');
    expect(m.error).toMatch(/broke off this answer 5 times without finishing it.*Retry continues it/);
    expect(m.content).toBe(full);
    expect(requestsFor(prompt)).toHaveLength(5);

    core.engine.retry(id);
    const again = await settled(core, id);
    expect(again.status).toBe('error');
    expect(again.content).toBe(full);
    expect(requestsFor(prompt)).toHaveLength(10);

    fake.config.omitMessageStop = false;
    core.engine.retry(id);
    const done = await settled(core, id);
    expect(done.status).toBe('completed');
    expect(done.content).toBe(full);
    expect(requestsFor(prompt)).toHaveLength(11);
  });

  it('falls back from a prefill the server restarts to a user turn, then to a new variant, storing no text twice', async () => {
    const core = open();
    fake.config.restartContinuations = true;
    const prompt = 'restarting server [len=1500]';
    const full = FakeAnthropic.answer(prompt);
    fake.script({ kind: 'drop', after: 'middle', match: prompt });
    const { conv, assistant_message_id: id } = send(core, prompt);
    const [first, variant] = await answersOf(core, conv.id);
    expect(first!.id).toBe(id);
    expect(first!.status).toBe('error');
    expect(first!.content.length).toBeGreaterThan(100);
    expect(first!.content.length).toBeLessThan(full.length);
    expect(full.startsWith(first!.content)).toBe(true); // a prefix of the answer: nothing was appended twice
    expect(variant!.parent_id).toBe(first!.parent_id);
    expect(variant!.status).toBe('completed');
    expect(variant!.content).toBe(full);
    expect(core.store.conversation(conv.id).current_leaf_id).toBe(variant!.id);
    const roles = requestsFor(prompt).map((r) => r.messages.at(-1)!.role);
    expect(roles).toEqual(['user', 'assistant', 'user', 'user']); // first, prefill, user turn, the new variant
    expect(core.db.prepare('SELECT endpoint, model, strategy FROM continuation_strategies').all()).toEqual([
      { endpoint: `anthropic ${fake.url}`, model: 'claude-test', strategy: 'new_variant' },
    ]);
  });

  it('keeps a continuation that first says the last words of the stored text again, without them, and keeps the strategy', async () => {
    const core = open();
    fake.config.repeatTail = 40;
    const prompt = 'repeats its last words [len=1500]';
    fake.script({ kind: 'drop', after: 'middle', match: prompt });
    const { assistant_message_id: id } = send(core, prompt);
    const m = await settled(core, id);
    expect(m.status).toBe('completed');
    expect(m.content).toBe(FakeAnthropic.answer(prompt));
    expect(requestsFor(prompt).map((r) => r.messages.at(-1)!.role)).toEqual(['user', 'assistant']);
    expect(core.db.prepare('SELECT * FROM continuation_strategies').all()).toEqual([]);
  });

  it('remembers a strategy per endpoint: the same model behind another server still gets a prefill', async () => {
    const core = open();
    fake.config.restartContinuations = true;
    fake.script({ kind: 'drop', after: 'middle', match: 'first server' });
    const { conv } = send(core, 'first server [len=1200]');
    await answersOf(core, conv.id);
    const strategy = core.db.prepare('SELECT strategy FROM continuation_strategies WHERE endpoint = ?').pluck();
    expect(strategy.get(`anthropic ${fake.url}`)).toBe('new_variant');

    const other = await new FakeAnthropic({ paceMs: 1 }).listen();
    try {
      core.engine.setProvider(anthropicFor(other)); // the same model name, another endpoint
      other.script({ kind: 'drop', after: 'middle' });
      const prompt = 'second server [len=1200]';
      const { assistant_message_id: id } = send(core, prompt);
      const m = await settled(core, id);
      expect(m.status).toBe('completed');
      expect(m.content).toBe(FakeAnthropic.answer(prompt));
      expect(other.requests.map((r) => r.messages.at(-1)!.role)).toEqual(['user', 'assistant']);
    } finally {
      await other.close();
    }
  });
});

describe('errors that can never succeed', () => {
  it.each(['invalid_request_error', 'authentication_error', 'permission_error', 'not_found_error', 'request_too_large'])(
    'an in-stream %s ends `error` at once with the provider message, keeping the partial text',
    async (type) => {
      const core = open();
      const prompt = `in-stream ${type} [len=1200]`;
      fake.script({ kind: 'error_event', after: 'middle', errorType: type, message: `provider says ${type}`, match: prompt });
      const { assistant_message_id: id } = send(core, prompt);
      const m = await settled(core, id, 2000);
      expect(m.status).toBe('error');
      expect(m.error).toContain(`provider says ${type}`);
      expect(m.content.length).toBeGreaterThan(0);
      expect(FakeAnthropic.answer(prompt).startsWith(m.content)).toBe(true);
      expect(requestsFor(prompt)).toHaveLength(1);
    },
  );

  it('reads an error event in data-only framing too: a refused request ends at once, an overloaded one is retried', async () => {
    const core = open();
    fake.config.framing = 'data-only';
    const refused = 'data-only refused [len=800]';
    fake.script({
      kind: 'error_event',
      after: 'middle',
      errorType: 'invalid_request_error',
      message: 'prompt is too long',
      match: refused,
    });
    const a = send(core, refused);
    const m = await settled(core, a.assistant_message_id, 2000);
    expect(m.status).toBe('error');
    expect(m.error).toMatch(/invalid_request_error.*prompt is too long/);
    expect(requestsFor(refused)).toHaveLength(1);

    const busy = 'data-only overloaded [len=800]';
    fake.script({ kind: 'error_event', after: 'middle', errorType: 'overloaded_error', match: busy });
    const b = send(core, busy);
    const n = await settled(core, b.assistant_message_id);
    expect(n.status).toBe('completed');
    expect(n.content).toBe(FakeAnthropic.answer(busy));
    expect(requestsFor(busy)).toHaveLength(2);
  });

  it.each(['rate_limit_error', 'timeout_error'])('an in-stream %s is retried and the answer completes exactly', async (type) => {
    const core = open();
    const prompt = `transient ${type} [len=1200]`;
    fake.script({ kind: 'error_event', after: 'middle', errorType: type, match: prompt });
    const { assistant_message_id: id } = send(core, prompt);
    const m = await settled(core, id);
    expect(m.status).toBe('completed');
    expect(m.content).toBe(FakeAnthropic.answer(prompt));
    expect(requestsFor(prompt)).toHaveLength(2);
  });

  it.each([403, 404, 413])('HTTP %i fails at once with the reason', async (status) => {
    const core = open();
    const prompt = `status ${status}`;
    fake.script({ kind: 'status', status, message: `scripted ${status}`, match: prompt });
    const { assistant_message_id: id } = send(core, prompt);
    const m = await settled(core, id, 2000);
    expect(m.status).toBe('error');
    expect(m.error).toContain(`(${status}): scripted ${status}`);
    expect(requestsFor(prompt)).toHaveLength(1);
  });
});
