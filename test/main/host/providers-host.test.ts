/**
 * Providers through the headless host: the REST routes, the key never shown, and the guarantees end to end on an
 * OpenAI-compatible provider (SIGKILL, a 5-second network cut, the offline fallback) with the real openai SDK.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeOpenAI } from '../../support/fake-openai';
import { fakeOpenAI } from '../../support/servers';
import { startHostProcess, type HostProcess } from '../../support/host-process';
import { tempDir } from '../../support/core';
import { pollJson, requestJson, type Json } from '../../support/http';

const hosts: HostProcess[] = [];
afterEach(async () => {
  for (const h of hosts.splice(0)) await h.kill('SIGKILL');
});

async function host(dataDir: string, env: Record<string, string>, port?: number, args: string[] = []): Promise<HostProcess> {
  const h = await startHostProcess({ dataDir, port, fromSource: true, env, args: ['--watchdog-ms', '3000', ...args] });
  hosts.push(h);
  return h;
}

const post = (url: string, body: unknown) => requestJson(url, { method: 'POST', body: JSON.stringify(body) });
const patch = (url: string, body: unknown) => requestJson(url, { method: 'PATCH', body: JSON.stringify(body) });

async function thread(url: string, convId: string, ok: (t: Json[]) => boolean, timeoutMs = 30_000): Promise<Json[]> {
  return (await pollJson(`${url}/api/sessions/${convId}/messages`, (t: Json[]) => Array.isArray(t) && ok(t), timeoutMs)) as Json[];
}

describe('providers over REST', () => {
  it('lists, adds, changes and removes providers; never returns or logs a key; a session and the settings name theirs', async () => {
    const fake = await fakeOpenAI();
    const envKey = 'sk-env-secret-abcdef0123456789';
    const h = await host(tempDir(), { OPENAI_BASE_URL: fake.url, OPENAI_API_KEY: envKey });
    const listed = await requestJson(`${h.url}/api/providers`);
    expect(listed.status).toBe(200);
    expect(listed.body.providers.find((p: Json) => p.id === 'openai')).toMatchObject({
      kind: 'openai-compatible',
      base_url: fake.url,
      has_key: true,
      reachable: true,
    });
    const key = 'sk-added-secret-zyxw9876543210';
    const created = await post(`${h.url}/api/providers`, { kind: 'openai-compatible', name: 'Local', base_url: fake.url, api_key: key });
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({ name: 'Local', has_key: true, kind: 'openai-compatible' });
    const id = created.body.id as string;
    expect((await post(`${h.url}/api/providers`, { kind: 'openai-compatible', name: 'x', base_url: 'ftp://nope' })).status).toBe(400);
    expect((await patch(`${h.url}/api/providers/${id}`, { name: 'Renamed', api_key: null })).body).toMatchObject({
      name: 'Renamed',
      has_key: false,
    });
    const conv = (await post(`${h.url}/api/sessions`, {})).body;
    const switched = await patch(`${h.url}/api/sessions/${conv.id}`, { provider_id: id, model: 'local-b' });
    expect(switched.body).toMatchObject({ provider_id: id, model: 'local-b' });
    // Back to the environment provider without naming a model: its default answers, not "local-b".
    expect((await patch(`${h.url}/api/sessions/${conv.id}`, { provider_id: 'openai' })).body).toMatchObject({
      provider_id: 'openai',
      model: null,
    });
    expect((await patch(`${h.url}/api/sessions/${conv.id}`, { provider_id: 'nope' })).status).toBe(404);
    expect((await patch(`${h.url}/api/sessions/${conv.id}`, { provider_id: id, model: 'local-b' })).body.model).toBe('local-b');
    expect((await patch(`${h.url}/api/sessions/${conv.id}`, { provider_id: id })).body.model).toBe('local-b'); // same provider: kept
    const refused = await requestJson(`${h.url}/api/providers/${id}`, { method: 'DELETE' });
    expect(refused.status).toBe(409);
    const moved = await requestJson(`${h.url}/api/providers/${id}?move_to=openai`, { method: 'DELETE' });
    expect(moved.body).toEqual({ deleted: true, moved_conversations: 1 });
    expect((await requestJson(`${h.url}/api/sessions/${conv.id}`)).body.provider_id).toBe('openai');
    const settings = await patch(`${h.url}/api/settings`, { offline_fallback: { provider_id: 'openai', model: 'local-a' } });
    expect(settings.body.offline_fallback).toEqual({ provider_id: 'openai', model: 'local-a' });
    expect((await requestJson(`${h.url}/api/settings`)).body.offline_fallback).toEqual({ provider_id: 'openai', model: 'local-a' });
    expect((await patch(`${h.url}/api/settings`, { offline_fallback: { provider_id: 'nope', model: 'x' } })).status).toBe(404);
    const all = JSON.stringify((await requestJson(`${h.url}/api/providers`)).body) + JSON.stringify(settings.body) + h.output();
    expect(all).not.toContain(envKey);
    expect(all).not.toContain(key);
  });
});

describe('reachability per provider in the status', () => {
  it('probes a provider as it is added: /api/status names each provider with its own state and the default', async () => {
    const stopped = await fakeOpenAI();
    const url = stopped.url;
    await stopped.close();
    const h = await host(tempDir(), {});
    const added = (await post(`${h.url}/api/providers`, { kind: 'openai-compatible', name: 'Stopped', base_url: url, preset: 'ollama' }))
      .body;
    const status = await pollJson(`${h.url}/api/status`, (s: Json) =>
      s.providers?.some((p: Json) => p.id === added.id && p.network === 'offline'),
    );
    expect(status.default_provider_id).toBe('demo');
    expect(status.network).toBe('online'); // the default provider's own state is untouched
    expect(status.providers).toContainEqual({ id: 'demo', name: 'Demo (offline)', network: 'online' });
    expect(status.providers).toContainEqual({ id: added.id, name: 'Stopped', network: 'offline' });
  });
});

describe('an OpenAI-compatible conversation end to end', () => {
  it('survives SIGKILL mid-answer and a 5-second network cut with exactly the server text', async () => {
    const fake = await fakeOpenAI({ paceMs: 10 });
    const dir = tempDir();
    const env = { OPENAI_BASE_URL: fake.url, HOLDFAST_OPENAI_MODEL: 'local-a' };
    const h = await host(dir, env);
    const conv = (await post(`${h.url}/api/sessions`, { provider_id: 'openai' })).body;
    const prompt = 'kill and cut me [len=5000]';
    const sent = (await post(`${h.url}/api/sessions/${conv.id}/messages`, { content: prompt })).body;
    await pollJson(`${h.url}/api/sessions/${conv.id}/status`, (s: Json) => (s.partial_content?.length ?? 0) > 800);
    await h.kill('SIGKILL');
    const again = await host(dir, env, h.port);
    await pollJson(`${again.url}/api/sessions/${conv.id}/status`, (s: Json) => (s.partial_content?.length ?? 0) > 2000);
    fake.goOffline(5000);
    const done = await thread(again.url, conv.id, (t) => t[1]?.status === 'completed', 40_000);
    expect(done[1].id).toBe(sent.assistant_message_id);
    expect(done[1].content).toBe(FakeOpenAI.answer(prompt));
    expect(done[1].provider_id).toBe('openai');
    expect(done[1].model).toBe('local-a');
  }, 60_000);

  it('answers with the fallback while the remote is cut, and the cut answer still completes exactly', async () => {
    const remote = await fakeOpenAI({ paceMs: 5 });
    const local = await fakeOpenAI({ paceMs: 1 });
    const h = await host(tempDir(), { OPENAI_BASE_URL: remote.url, HOLDFAST_OPENAI_MODEL: 'remote-model' });
    const added = (
      await post(`${h.url}/api/providers`, { kind: 'openai-compatible', name: 'Ollama', base_url: local.url, preset: 'ollama' })
    ).body;
    await patch(`${h.url}/api/settings`, { offline_fallback: { provider_id: added.id, model: 'local-b' } });
    const conv = (await post(`${h.url}/api/sessions`, { provider_id: 'openai' })).body;
    // The first answer is cut mid-stream: it has text from its own provider, so it waits for it rather than hand off.
    // (One whose first attempt finds the provider gone goes to the fallback: the next message shows that.)
    const firstPrompt = 'cut as the network went [len=3000]';
    const first = (await post(`${h.url}/api/sessions/${conv.id}/messages`, { content: firstPrompt })).body;
    await pollJson(`${h.url}/api/sessions/${conv.id}/status`, (st: Json) => (st.partial_content?.length ?? 0) > 200);
    remote.goOffline(60_000);
    await pollJson(`${h.url}/api/providers`, (b: Json) => b.providers.find((p: Json) => p.id === 'openai')?.reachable === false).catch(
      (e) => {
        throw new Error(`${e}\n${h.output()}`);
      },
    );
    const prompt = 'answer me anyway [len=300]';
    const sent = (await post(`${h.url}/api/sessions/${conv.id}/messages`, { content: prompt, parent_id: null })).body;
    const t = await pollJson(`${h.url}/api/sessions/${conv.id}/tree`, (b: Json) =>
      b.messages.some((m: Json) => m.id === sent.assistant_message_id && m.status === 'completed'),
    );
    const answer = t.messages.find((m: Json) => m.id === sent.assistant_message_id);
    expect(answer).toMatchObject({ provider_id: added.id, model: 'local-b', content: FakeOpenAI.answer(prompt) });
    // Asked once for the answer (the automatic title may be asked of it too).
    expect(local.requests.filter((r) => r.messages.some((m) => m.content === prompt && m.role === 'user')).length).toBe(1);
    expect(remote.requests.filter((r) => r.messages.some((m) => m.content === prompt))).toHaveLength(0);
    remote.goOffline(0);
    const later = await pollJson(
      `${h.url}/api/sessions/${conv.id}/tree`,
      (b: Json) => b.messages.find((m: Json) => m.id === first.assistant_message_id)?.status === 'completed',
      30_000,
    );
    const firstAnswer = later.messages.find((m: Json) => m.id === first.assistant_message_id);
    expect(firstAnswer).toMatchObject({ provider_id: 'openai', model: 'remote-model', content: FakeOpenAI.answer(firstPrompt) });
  }, 60_000);
});

describe('provider keys across a restart of the headless host', () => {
  const key = 'sk-kept-secret-0123456789abcdef';
  const secret = 'key-file-secret-0123456789';

  /** Adds a provider with its key on one host, restarts, and sends a message on it from the second. */
  async function restartAndAsk(args: string[], env: Record<string, string>) {
    const fake = await fakeOpenAI({ apiKey: key });
    const dir = tempDir();
    const first = await host(dir, env, undefined, args);
    const added = (await post(`${first.url}/api/providers`, { kind: 'openai-compatible', name: 'Keyed', base_url: fake.url, api_key: key }))
      .body;
    expect(added.has_key).toBe(true);
    await first.kill('SIGKILL');
    const second = await host(dir, env, first.port, args);
    const listed = (await requestJson(`${second.url}/api/providers`)).body;
    const conv = (await post(`${second.url}/api/sessions`, { provider_id: added.id, model: 'local-a' })).body;
    const prompt = 'are you still there [len=200]';
    await post(`${second.url}/api/sessions/${conv.id}/messages`, { content: prompt });
    const t = await thread(second.url, conv.id, (m) => m[1]?.status === 'completed' || m[1]?.status === 'error');
    const logs = first.output() + second.output();
    return { fake, listed, info: listed.providers.find((p: Json) => p.id === added.id) as Json, answer: t[1], prompt, logs };
  }

  it('keeps a provider key in the --key-file (0600, encrypted) and answers with it after a restart', async () => {
    const keyFile = path.join(tempDir(), 'keys.json');
    const r = await restartAndAsk(['--key-file', keyFile], { HOLDFAST_KEY_FILE_SECRET: secret });
    expect(r.info.has_key).toBe(true);
    expect(r.listed.key_storage).toBe('key_file');
    expect(r.answer).toMatchObject({ status: 'completed', content: FakeOpenAI.answer(r.prompt) });
    expect(r.fake.requests.at(-1)?.authorization).toBe(`Bearer ${key}`);
    expect(fs.statSync(keyFile).mode & 0o777).toBe(0o600);
    const everythingSeen = fs.readFileSync(keyFile, 'utf8') + JSON.stringify(r.listed) + r.logs;
    expect(everythingSeen).not.toContain(key);
    expect(everythingSeen).not.toContain(secret);
    expect(r.logs).toContain(`provider keys: ${keyFile}`);
  }, 60_000);

  it('without a key file forgets the key on restart: the provider is still used and its 401 asks for the key', async () => {
    const r = await restartAndAsk([], {});
    expect(r.info.has_key).toBe(false);
    expect(r.listed.key_storage).toBe('memory');
    expect(r.answer.status).toBe('error');
    expect(r.answer.error).toMatch(/401.*check the provider's API key/s);
    expect(r.fake.requests.at(-1)?.authorization).toBeUndefined();
    expect(r.logs).toContain('provider keys: memory only');
    expect(r.logs).not.toContain(key);
  }, 60_000);

  it('refuses to start with a key file others may read, or without its secret, saying what to do', async () => {
    const dir = tempDir();
    const keyFile = path.join(dir, 'keys.json');
    fs.writeFileSync(keyFile, '{}', { mode: 0o644 });
    fs.chmodSync(keyFile, 0o644);
    const env = { HOLDFAST_KEY_FILE_SECRET: secret };
    await expect(host(tempDir(), env, undefined, ['--key-file', keyFile])).rejects.toThrow(`(mode 644): run chmod 600 ${keyFile}`);
    await expect(host(tempDir(), { HOLDFAST_KEY_FILE: path.join(dir, 'other.json') })).rejects.toThrow(
      /exited with 2[\s\S]*needs HOLDFAST_KEY_FILE_SECRET/,
    );
    expect(fs.existsSync(path.join(dir, 'other.json'))).toBe(false);
  }, 30_000);
});
