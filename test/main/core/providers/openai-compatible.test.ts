/**
 * OpenAI-compatible providers through the real `openai` SDK against the local OpenAI-compatible server: exact answers
 * under the fault matrix, each continuation style, finish reasons, reasoning, recorded streams; providers as data,
 * reachability per provider and the offline fallback.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import type { Core, CoreOptions } from '../../../../src/main/core/core';
import { DemoProvider } from '../../../../src/main/core/providers/demo';
import { CONTINUE_PROMPT } from '../../../../src/main/core/engine/continuation';
import type { ProviderInfo } from '../../../../src/shared/providers';
import type { SettingsView } from '../../../../src/shared/settings';
import { stopReasonNote } from '../../../../src/shared/stop-reasons';
import { FakeAnthropic, type Fault, type FaultMoment } from '../../../support/fake-anthropic';
import { FakeOpenAI } from '../../../support/fake-openai';
import { fakeAnthropic, fakeOpenAI } from '../../../support/servers';
import { makeCore, settled, tempDir, waitFor } from '../../../support/core';
import { png } from '../../../support/files';

const FIXTURES = path.join(import.meta.dirname, '../../../fixtures/openai-streams');

const openCore = (opts: Partial<CoreOptions> = {}): Core =>
  makeCore(undefined, { provider: new DemoProvider(1), policy: { budgetMs: 20_000, baseMs: 50, capMs: 400, watchdogMs: 1500 }, ...opts });

async function addProvider(core: Core, fake: FakeOpenAI, preset?: string, extra: Record<string, unknown> = {}): Promise<ProviderInfo> {
  return (await core.call('providers.create', {
    kind: 'openai-compatible',
    name: `local ${preset ?? 'endpoint'}`,
    base_url: fake.url,
    ...(preset ? { preset } : {}),
    models: ['local-a', 'local-b'],
    ...extra,
  })) as ProviderInfo;
}

async function conversationOn(core: Core, fake: FakeOpenAI, preset = 'ollama') {
  const p = await addProvider(core, fake, preset);
  const conv = core.conversations.create({ provider_id: p.id, model: 'local-a' });
  return { p, conv };
}

async function ask(core: Core, conversationId: string, content: string) {
  const { assistant_message_id } = core.engine.send({ conversation_id: conversationId, content });
  return settled(core, assistant_message_id);
}

describe('the OpenAI-compatible provider', () => {
  it('answers through the real openai SDK and records the provider and model that answered', async () => {
    const fake = await fakeOpenAI();
    const core = openCore();
    const { p, conv } = await conversationOn(core, fake);
    const prompt = 'hello there [len=600]';
    const m = await ask(core, conv.id, prompt);
    expect(m.status).toBe('completed');
    expect(m.content).toBe(FakeOpenAI.answer(prompt));
    expect(m.stop_reason).toBe('end_turn');
    expect(m.provider_id).toBe(p.id);
    expect(m.model).toBe('local-a');
    expect(m.output_tokens).toBeGreaterThan(0);
    const req = fake.requests.at(-1)!;
    expect(req.model).toBe('local-a');
    expect(req.stream_options).toEqual({ include_usage: true });
    expect(req.max_tokens).toBe(4096);
  });

  const faults: [string, (after: FaultMoment) => Fault][] = [
    ['a reset', (after) => ({ kind: 'drop', after })],
    ['a clean close without finish_reason', (after) => ({ kind: 'close', after })],
    ['a stall', (after) => ({ kind: 'stall', after, ms: 4000 })],
    ['an error object mid-stream', (after) => ({ kind: 'error_event', after })],
  ];
  const moments: FaultMoment[] = ['start', 'middle', 'before_stop'];
  for (const [name, make] of faults)
    for (const at of moments)
      it(`completes the exact answer after ${name} at ${String(at)}`, async () => {
        const fake = await fakeOpenAI();
        const core = openCore();
        const { conv } = await conversationOn(core, fake);
        const prompt = `fault ${name} ${String(at)} [len=800]`;
        fake.script(make(at));
        const m = await ask(core, conv.id, prompt);
        expect(fake.firedFaults).toBe(1);
        expect(m.status).toBe('completed');
        expect(m.content).toBe(FakeOpenAI.answer(prompt));
      });

  it.each([
    [429, 1],
    [500, undefined],
    [503, undefined],
  ])('retries a %i answer (retry-after %s s) and completes it exactly', async (status, retryAfter) => {
    const fake = await fakeOpenAI();
    const core = openCore();
    const { conv } = await conversationOn(core, fake);
    const prompt = `status ${status} [len=300]`;
    fake.script({ kind: 'status', status, retryAfter });
    const m = await ask(core, conv.id, prompt);
    expect(m.status).toBe('completed');
    expect(m.content).toBe(FakeOpenAI.answer(prompt));
    expect(fake.requests).toHaveLength(2);
    if (retryAfter) expect(fake.requests[1]!.at - fake.requests[0]!.at).toBeGreaterThanOrEqual(retryAfter * 1000 - 50);
  });

  it('ends at once with the reason for a 401 and keeps the partial text of nothing', async () => {
    const fake = await fakeOpenAI();
    const core = openCore();
    const { conv } = await conversationOn(core, fake);
    fake.script({ kind: 'status', status: 401, message: 'Incorrect API key provided' });
    const m = await ask(core, conv.id, 'needs a key');
    expect(m.status).toBe('error');
    expect(m.error).toMatch(/401.*Incorrect API key/);
    expect(fake.requests).toHaveLength(1);
  });

  it.each([
    ['ollama', 'trailing_assistant'],
    ['llamacpp', 'trailing_assistant'],
    ['vllm', 'continue_final_message'],
    ['deepseek', 'prefix'],
    ['mistral', 'prefix'],
    ['openai', 'user_turn'],
  ] as const)('continues a dropped answer the way %s does (%s), exactly', async (preset, style) => {
    const fake = await fakeOpenAI({ style });
    const core = openCore();
    const { conv } = await conversationOn(core, fake, preset);
    const prompt = `continue ${preset} [len=900]`;
    fake.script({ kind: 'drop', after: 'middle' });
    const m = await ask(core, conv.id, prompt);
    expect(m.status).toBe('completed');
    expect(m.content).toBe(FakeOpenAI.answer(prompt));
    const last = fake.requests.at(-1)!;
    const final = last.messages.at(-1)!;
    // OpenAI itself gets the limit as max_completion_tokens (its reasoning models refuse max_tokens); others max_tokens.
    expect(Boolean(last.max_completion_tokens)).toBe(preset === 'openai');
    if (style === 'user_turn') expect(final.content).toBe(CONTINUE_PROMPT);
    else expect(final.role).toBe('assistant');
    expect(Boolean(final.prefix)).toBe(style === 'prefix');
    expect(Boolean(last.continue_final_message)).toBe(style === 'continue_final_message');
  });

  it('catches an endpoint that restarts a trailing assistant message, falls back to a user turn and remembers it', async () => {
    const fake = await fakeOpenAI({ style: 'user_turn' }); // answers a trailing assistant message from the beginning
    const core = openCore();
    const { conv } = await conversationOn(core, fake, 'ollama'); // the preset says it continues one
    const prompt = 'restarting endpoint [len=900]';
    fake.script({ kind: 'drop', after: 'middle' });
    const m = await ask(core, conv.id, prompt);
    expect(m.status).toBe('completed');
    expect(m.content).toBe(FakeOpenAI.answer(prompt)); // never duplicated
    expect(fake.requests.at(-1)!.messages.at(-1)!.content).toBe(CONTINUE_PROMPT);
    const row = core.db
      .prepare<[string], { strategy: string }>('SELECT strategy FROM continuation_strategies WHERE endpoint = ?')
      .get(`openai-compatible ${fake.url}`);
    expect(row?.strategy).toBe('user_turn');
  });

  it.each([
    ['continues a trailing assistant message', { style: 'trailing_assistant' as const }, 'assistant', 'trailing_assistant'],
    ['starts over on one', { style: 'user_turn' as const }, 'user', 'user_turn'],
    ['refuses one with 400', { refuseTrailingAssistant: true }, 'user', 'user_turn'],
  ])('finds by trying how an endpoint without a preset continues: one that %s', async (_name, config, lastRole, remembered) => {
    const fake = await fakeOpenAI(config);
    const core = openCore();
    const p = await addProvider(core, fake); // no preset: nobody has said how it continues
    expect(p.continuation).toBe('trailing_assistant');
    const conv = core.conversations.create({ provider_id: p.id, model: 'local-a' });
    const prompt = 'unnamed endpoint [len=900]';
    fake.script({ kind: 'drop', after: 'middle' });
    const m = await ask(core, conv.id, prompt);
    expect(m.status).toBe('completed');
    expect(m.content).toBe(FakeOpenAI.answer(prompt)); // never duplicated, whichever way it went
    const tried = fake.requests.filter((r) => r.messages.some((x) => x.content === prompt)).map((r) => r.messages.at(-1)!.role);
    expect(tried[1]).toBe('assistant'); // the first continuation tries a trailing assistant message
    expect(tried.at(-1)).toBe(lastRole);
    const row = core.db
      .prepare<[string], { strategy: string }>('SELECT strategy FROM continuation_strategies WHERE endpoint = ?')
      .get(`openai-compatible ${fake.url}`);
    // Nothing to remember where the first strategy (prefill: a trailing assistant message) works.
    expect(row?.strategy ?? 'prefill').toBe(remembered === 'user_turn' ? 'user_turn' : 'prefill');
    if (remembered === 'user_turn') {
      // Remembered: the next interruption on this endpoint and model goes straight to a user turn.
      const next = 'unnamed endpoint again [len=900]';
      fake.script({ kind: 'drop', after: 'middle' });
      expect((await ask(core, conv.id, next)).content).toBe(FakeOpenAI.answer(next));
      const again = fake.requests.filter((r) => r.messages.some((x) => x.content === next));
      expect(again.map((r) => r.messages.at(-1)!.content)).toEqual([next, CONTINUE_PROMPT]);
    }
  });

  // The wording real servers use (OpenAI; LM Studio, as reported in its bug tracker, issue 546; llama.cpp's server).
  it.each([
    ['OpenAI', "This model's maximum context length is 8192 tokens. However, you requested 8300 tokens. Please reduce the length."],
    [
      'LM Studio',
      'Trying to keep the first 111490 tokens when context the overflows. However, the model is loaded with context length of only 32768 tokens, which is not enough.',
    ],
    ['llama.cpp', 'the request exceeds the available context size, try increasing it'],
  ])(
    "a continuation refused for the context's size (%s) is not taken for an endpoint that cannot continue: the answer errors with the reason, nothing is remembered",
    async (_server, limit) => {
      const fake = await fakeOpenAI();
      const core = openCore();
      const p = await addProvider(core, fake); // no preset: a 400 on a trailing assistant message would otherwise switch
      const conv = core.conversations.create({ provider_id: p.id, model: 'local-a' });
      const prompt = 'too long to continue [len=900]';
      fake.script({ kind: 'drop', after: 'middle' }, { kind: 'status', status: 400, message: limit });
      const m = await ask(core, conv.id, prompt);
      expect(m.status).toBe('error');
      expect(m.error).toContain(limit);
      expect(m.content.length).toBeGreaterThan(0); // the partial text stays
      expect(FakeOpenAI.answer(prompt).startsWith(m.content)).toBe(true);
      expect(fake.requests.at(-1)!.messages.at(-1)!.role).toBe('assistant'); // never retried as a user turn
      const row = core.db.prepare('SELECT strategy FROM continuation_strategies WHERE endpoint = ?').get(`openai-compatible ${fake.url}`);
      expect(row).toBeUndefined();
    },
  );

  it('says an answer was cut at the length limit, and Continue extends it to the full text', async () => {
    const fake = await fakeOpenAI();
    const core = openCore();
    const { conv } = await conversationOn(core, fake);
    core.conversations.update(conv.id, { max_tokens: 5 });
    const prompt = 'a long one [len=400]';
    const cut = await ask(core, conv.id, prompt);
    expect(cut.status).toBe('completed');
    expect(cut.stop_reason).toBe('max_tokens');
    expect(cut.content.length).toBeLessThan(FakeOpenAI.answer(prompt).length);
    core.conversations.update(conv.id, { max_tokens: 4096 });
    core.engine.continueAnswer(cut.id);
    const full = await settled(core, cut.id);
    expect(full.content).toBe(FakeOpenAI.answer(prompt));
    expect(full.stop_reason).toBe('end_turn');
  });

  it('shows an answer stopped by content_filter as blocked by the provider', async () => {
    const fake = await fakeOpenAI();
    const core = openCore();
    const { conv } = await conversationOn(core, fake);
    const m = await ask(core, conv.id, 'something [stop=content_filter]');
    expect(m.status).toBe('completed');
    expect(m.stop_reason).toBe('content_filter');
    expect(stopReasonNote(m.stop_reason)).toMatch(/blocked by the provider/i);
  });

  it('treats a stream that ends without finish_reason as an interruption, even with [DONE] and usage, and never loops', async () => {
    const fake = await fakeOpenAI({ omitFinish: true });
    const core = openCore();
    const { conv } = await conversationOn(core, fake);
    const prompt = 'no finish [len=300]';
    const m = await ask(core, conv.id, prompt);
    expect(m.status).toBe('error');
    expect(m.error).toMatch(/broke off this answer 5 times/);
    expect(m.content).toBe(FakeOpenAI.answer(prompt)); // stored once, never duplicated
    expect(fake.requests.length).toBeLessThanOrEqual(5);
  });

  it('completes on a finish_reason carried by a content chunk, with neither a usage chunk nor [DONE]', async () => {
    const fake = await fakeOpenAI({ finishOnContent: true, usageChunk: false, done: false });
    const core = openCore();
    const { conv } = await conversationOn(core, fake);
    const prompt = 'finish on content [len=300]';
    const m = await ask(core, conv.id, prompt);
    expect(m.status).toBe('completed');
    expect(m.content).toBe(FakeOpenAI.answer(prompt));
    expect(fake.requests).toHaveLength(1);
  });

  it('gives a loopback endpoint that says nothing while it loads the model longer than the watchdog, shown as loading, without retrying', async () => {
    const fake = await fakeOpenAI({ headerDelayMs: 3000 }); // twice the watchdog
    const core = openCore();
    const { conv } = await conversationOn(core, fake);
    const prompt = 'loading a model [len=200]';
    const { assistant_message_id: id } = core.engine.send({ conversation_id: conv.id, content: prompt });
    // Shown as loading the model meanwhile, not as an error or a wait for the network.
    await waitFor(() => core.sync.status().loading_message_ids?.includes(id), 5000, 'the answer to show as loading the model');
    expect(core.sync.status().waiting_message_ids).not.toContain(id);
    const m = await settled(core, id);
    expect(core.sync.status().loading_message_ids).toEqual([]);
    expect(m.status).toBe('completed');
    expect(m.content).toBe(FakeOpenAI.answer(prompt));
    expect(fake.requests).toHaveLength(1);
  });

  it('sends attached images as image_url parts and text files as text, the question last', async () => {
    const fake = await fakeOpenAI();
    const core = openCore();
    const { conv } = await conversationOn(core, fake);
    const image = png();
    const a = core.attachments.add({ name: 'shot.png', mime: 'image/png', data: image });
    const t = core.attachments.add({ name: 'notes.txt', mime: 'text/plain', data: Buffer.from('remember the milk') });
    const { assistant_message_id } = core.engine.send({
      conversation_id: conv.id,
      content: 'what is this? [len=100]',
      attachments: [a.id, t.id],
    });
    const m = await settled(core, assistant_message_id);
    expect(m.status).toBe('completed');
    expect(fake.requests[0]!.parts[0]).toEqual([
      { type: 'image_url', image_url: { url: `data:image/png;base64,${image.toString('base64')}` } },
      { type: 'text', text: 'notes.txt:\nremember the milk' },
      { type: 'text', text: 'what is this? [len=100]' },
    ]);
  });

  it('sends a message of files alone as its file parts only, with no empty text part', async () => {
    const fake = await fakeOpenAI();
    const core = openCore();
    const { conv } = await conversationOn(core, fake);
    const image = png();
    const a = core.attachments.add({ name: 'shot.png', mime: 'image/png', data: image });
    const { assistant_message_id } = core.engine.send({ conversation_id: conv.id, content: '', attachments: [a.id] });
    expect((await settled(core, assistant_message_id)).status).toBe('completed');
    expect(fake.requests[0]!.parts[0]).toEqual([
      { type: 'image_url', image_url: { url: `data:image/png;base64,${image.toString('base64')}` } },
    ]);
  });

  it.each(['reasoning_content', 'reasoning', 'thinking_parts'] as const)(
    'stores %s as thinking, never in the answer',
    async (reasoning) => {
      const fake = await fakeOpenAI({ reasoning });
      const core = openCore();
      const { conv } = await conversationOn(core, fake);
      const prompt = `think first [think] [len=300]`;
      const m = await ask(core, conv.id, prompt);
      expect(m.status).toBe('completed');
      expect(m.content).toBe(FakeOpenAI.answer(prompt));
      expect(m.thinking).toBe(FakeOpenAI.thinking(prompt));
    },
  );
});

describe('recorded OpenAI-compatible streams, replayed byte for byte', () => {
  const cases: [string, string, string | null, string][] = [
    ['deepseek-reasoner.sse', 'Hello! How can I help you today?', 'The user greets me. I should greet back.', 'deepseek'],
    ['groq.sse', '2 + 2 = 4.', 'Two plus two is four.', 'groq'],
    ['ollama.sse', 'One, two, three.', 'Counting to three.', 'ollama'],
    ['openrouter.sse', 'The capital of France is Paris.', 'Paris is the capital.', 'openrouter'],
    ['mistral-magistral.sse', 'The sky is blue because of Rayleigh scattering.', 'Blue light scatters most.', 'mistral'],
    [
      'perplexity-citations.sse',
      'Holdfast keeps every answer [1][2].\n\nSources:\n1. https://example.org/a\n2. https://example.org/b',
      null,
      'openai',
    ],
  ];
  it.each(cases)('%s', async (file, content, thinking, preset) => {
    const fake = await fakeOpenAI();
    fake.replay({ sse: fs.readFileSync(path.join(FIXTURES, file), 'utf8') });
    const core = openCore();
    const { conv } = await conversationOn(core, fake, preset);
    const m = await ask(core, conv.id, `replay ${file}`);
    expect(m.status).toBe('completed');
    expect(m.stop_reason).toBe('end_turn');
    expect(m.content).toBe(content);
    expect(m.thinking).toBe(thinking);
    expect(fake.requests).toHaveLength(1);
  });
});

describe('providers as data', () => {
  it('lists environment providers with stable ids, never returns a key, and keeps configured ones across a restart', async () => {
    const fake = await fakeOpenAI();
    const dir = tempDir();
    const secret = 'sk-test-never-shown-0123456789';
    let core = openCore({ dataDir: dir, env: { OPENAI_BASE_URL: fake.url, OPENAI_API_KEY: secret } });
    const added = await addProvider(core, fake, 'lmstudio', { api_key: 'sk-other-secret-9876' });
    const list = (await core.call('providers.list', {})) as { providers: ProviderInfo[] };
    const env = list.providers.find((p) => p.id === 'openai')!;
    expect(env).toMatchObject({ kind: 'openai-compatible', base_url: fake.url, has_key: true, source: 'environment' });
    expect(list.providers.find((p) => p.id === added.id)).toMatchObject({ has_key: true, source: 'settings', preset: 'lmstudio' });
    expect(list.providers.find((p) => p.id === 'demo')).toBeTruthy();
    const wire = JSON.stringify(list);
    expect(wire).not.toContain(secret);
    expect(wire).not.toContain('sk-other-secret-9876');
    await core.close();
    const file = fs.readFileSync(path.join(dir, 'holdfast.db'));
    expect(file.includes('sk-other-secret-9876')).toBe(false);
    core = openCore({ dataDir: dir, env: {} });
    const again = (await core.call('providers.list', {})) as { providers: ProviderInfo[] };
    // Memory key store in the headless host: the provider is still there, its key is not.
    expect(again.providers.find((p) => p.id === added.id)).toMatchObject({ name: added.name, has_key: false });
    expect(again.providers.find((p) => p.id === 'openai')).toBeUndefined();
  });

  it("reads the environment endpoint's model list at start and keeps it for a start without the endpoint", async () => {
    const fake = await fakeOpenAI({ models: ['m-two', 'm-one'] });
    const dir = tempDir();
    const env = { OPENAI_BASE_URL: fake.url };
    let core = openCore({ dataDir: dir, env });
    await vi.waitFor(() => expect(core.providers.get('openai').models).toEqual(['m-one', 'm-two']), { timeout: 10_000 });
    await core.close();
    await fake.close(); // the endpoint is gone: nothing can be read at the next start
    core = openCore({ dataDir: dir, env });
    expect(core.providers.get('openai').models).toEqual(['m-one', 'm-two']);
    await core.close();
    // Another endpoint in the environment: the old one's list is not passed off as its own.
    core = openCore({ dataDir: dir, env: { OPENAI_BASE_URL: 'http://127.0.0.1:9/v1', HOLDFAST_OPENAI_MODEL: 'its-own' } });
    expect(core.providers.get('openai').models).toEqual(['its-own']);
  });

  it('an Anthropic provider a person adds answers with its key; after a restart without it, it is still used and asks for the key', async () => {
    const fake = await fakeAnthropic();
    const dir = tempDir();
    let core = openCore({ dataDir: dir });
    const p = (await core.call('providers.create', {
      kind: 'anthropic',
      name: 'Claude gateway',
      base_url: fake.url,
      api_key: 'sk-ant-person-0123456789',
      models: ['claude-test'],
    })) as ProviderInfo;
    expect(p).toMatchObject({ kind: 'anthropic', has_key: true, base_url: fake.url });
    const conv = core.conversations.create({ provider_id: p.id, model: 'claude-test' });
    const prompt = 'hello through a gateway [len=300]';
    const m = await ask(core, conv.id, prompt);
    expect(m).toMatchObject({ status: 'completed', provider_id: p.id, model: 'claude-test', content: FakeAnthropic.answer(prompt) });
    await core.close();
    core = openCore({ dataDir: dir }); // the memory key store: the key is gone, the provider is not
    expect(core.providers.get(p.id).has_key).toBe(false);
    const again = await ask(core, conv.id, 'and now? [len=100]');
    expect(again.status).toBe('error');
    expect(again.error).toMatch(/401.*API key/s);
    expect(core.providers.get(p.id).reachable).toBe(true); // a missing key is no network failure
  });

  it('reads the endpoint model list and keeps it', async () => {
    const fake = await fakeOpenAI({ models: ['m-one', 'm-two'] });
    const core = openCore();
    const p = await addProvider(core, fake);
    const res = (await core.call('providers.refreshModels', { id: p.id })) as { ok: boolean; models: string[] };
    expect(res).toMatchObject({ ok: true, models: ['m-one', 'm-two'] });
    expect(core.providers.get(p.id).models).toEqual(['m-one', 'm-two']);
  });

  it('refuses to delete a provider a conversation uses (409) unless told where to move it; switching keeps history', async () => {
    const fakeA = await fakeOpenAI();
    const fakeB = await fakeOpenAI();
    const core = openCore();
    const { p, conv } = await conversationOn(core, fakeA);
    const first = await ask(core, conv.id, 'first question [len=100]');
    expect(first.provider_id).toBe(p.id);
    const other = await addProvider(core, fakeB, 'vllm');
    await expect(core.call('providers.delete', { id: p.id })).rejects.toMatchObject({
      code: 'conflict',
      details: { reason: 'provider_in_use', conversations: 1 },
    });
    // Switching the conversation's provider keeps its history: the new provider is asked with it.
    await core.call('conversations.update', { id: conv.id, provider_id: other.id, model: 'local-b' });
    const second = await ask(core, conv.id, 'second question [len=100]');
    expect(second.provider_id).toBe(other.id);
    expect(second.model).toBe('local-b');
    expect(fakeB.requests.at(-1)!.messages.map((m) => m.content)).toEqual([
      'first question [len=100]',
      FakeOpenAI.answer('first question [len=100]'),
      'second question [len=100]',
    ]);
    await core.call('conversations.update', { id: conv.id, provider_id: p.id });
    const res = await core.call('providers.delete', { id: p.id, move_to: other.id });
    expect(res).toEqual({ deleted: true, moved_conversations: 1 });
    expect(core.store.conversation(conv.id).provider_id).toBe(other.id);
  });
});

describe('reachability per provider, and the offline fallback', () => {
  it('the internet going down leaves loopback endpoints reachable', async () => {
    const fake = await fakeOpenAI();
    const core = openCore();
    const local = await addProvider(core, fake, 'ollama');
    const remote = (await core.call('providers.create', {
      kind: 'openai-compatible',
      name: 'remote',
      base_url: 'https://api.example.invalid/v1',
    })) as ProviderInfo;
    core.providers.hint(false);
    expect(core.providers.get(local.id).reachable).toBe(true);
    expect(core.providers.get(remote.id).reachable).toBe(false);
  });

  it('answers at once with the fallback while the conversation’s provider is unreachable; Regenerate uses its own', async () => {
    const remoteFake = await fakeOpenAI();
    const localFake = await fakeOpenAI();
    const core = openCore();
    const { p: remote, conv } = await conversationOn(core, remoteFake, 'openai');
    const local = await addProvider(core, localFake, 'ollama');
    const view = (await core.call('settings.set', { offline_fallback: { provider_id: local.id, model: 'local-b' } })) as SettingsView;
    expect(view.offline_fallback).toEqual({ provider_id: local.id, model: 'local-b' });
    remoteFake.goOffline(60_000);
    core.providers.route(remote.id).network.hint(false);
    const prompt = 'while the remote is down [len=200]';
    const m = await ask(core, conv.id, prompt);
    expect(m.status).toBe('completed');
    expect(m.provider_id).toBe(local.id);
    expect(m.model).toBe('local-b');
    expect(m.content).toBe(FakeOpenAI.answer(prompt));
    expect(remoteFake.requests).toHaveLength(0);
    // The remote returns: Regenerate asks the conversation's own provider and model, beside the fallback's answer.
    remoteFake.goOffline(0);
    await waitFor(() => core.providers.get(remote.id).reachable, 10_000, 'the remote to be reachable again');
    const { assistant_message_id } = core.engine.regenerate(m.id);
    const again = await settled(core, assistant_message_id);
    expect(again.provider_id).toBe(remote.id);
    expect(again.model).toBe('local-a');
    expect(again.content).toBe(FakeOpenAI.answer(prompt));
    expect(core.store.message(m.id).content).toBe(m.content);
  });

  it('hands an answer to the fallback when its first attempt finds the provider unreachable', async () => {
    const remoteFake = await fakeOpenAI();
    const localFake = await fakeOpenAI();
    const core = openCore();
    const { p: remote, conv } = await conversationOn(core, remoteFake, 'openai');
    const local = await addProvider(core, localFake, 'ollama');
    await core.call('settings.set', { offline_fallback: { provider_id: local.id, model: 'local-b' } });
    remoteFake.goOffline(60_000); // not known yet: the engine finds it out by trying
    expect(core.providers.get(remote.id).reachable).toBe(true);
    const prompt = 'found out by trying [len=200]';
    const m = await ask(core, conv.id, prompt);
    expect(m.status).toBe('completed');
    expect(m).toMatchObject({ provider_id: local.id, model: 'local-b', content: FakeOpenAI.answer(prompt) });
    expect(core.providers.get(remote.id).reachable).toBe(false);
  });

  it('without a fallback, a message for an unreachable provider waits queued as before', async () => {
    const remoteFake = await fakeOpenAI();
    const core = openCore();
    const { p: remote, conv } = await conversationOn(core, remoteFake, 'openai');
    remoteFake.goOffline(60_000);
    core.providers.route(remote.id).network.hint(false);
    const { assistant_message_id } = core.engine.send({ conversation_id: conv.id, content: 'queued [len=100]' });
    expect(core.store.message(assistant_message_id).status).toBe('queued');
    remoteFake.goOffline(0);
    const m = await settled(core, assistant_message_id);
    expect(m.content).toBe(FakeOpenAI.answer('queued [len=100]'));
    expect(m.provider_id).toBe(remote.id);
  });
});
