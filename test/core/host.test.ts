import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { WebSocket } from 'ws';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeAnthropic } from '../support/fake-anthropic';
import { startHostProcess, type HostProcess } from '../support/host-process';
import { tempDir } from '../support/core';
import { pollJson, requestJson } from '../support/http';

let fake: FakeAnthropic;
const hosts: HostProcess[] = [];
beforeEach(async () => {
  fake = await new FakeAnthropic({ paceMs: 4 }).listen();
});
afterEach(async () => {
  for (const h of hosts.splice(0)) await h.kill('SIGKILL');
  await fake.close();
});

async function host(dataDir: string, port?: number): Promise<HostProcess> {
  const h = await startHostProcess({
    dataDir,
    port,
    fromSource: true,
    env: { ANTHROPIC_API_KEY: 'test-key', ANTHROPIC_BASE_URL: fake.url },
    args: ['--watchdog-ms', '3000'],
  });
  hosts.push(h);
  return h;
}

describe('headless host', () => {
  it('serves the REST routes, validates input and never crashes on bad requests', async () => {
    const h = await host(tempDir());
    const created = await requestJson(`${h.url}/api/sessions`, { method: 'POST', body: JSON.stringify({ title: 'REST' }) });
    expect(created.status).toBe(200);
    const id = created.body.id as string;
    expect((await requestJson(`${h.url}/api/sessions/${id}/messages`, { method: 'POST', body: '{not json' })).status).toBe(400);
    const empty = await requestJson(`${h.url}/api/sessions/${id}/messages`, { method: 'POST', body: JSON.stringify({ content: '' }) });
    expect(empty.status).toBe(400);
    expect(empty.body.error.code).toBe('invalid_input');
    expect(
      (await requestJson(`${h.url}/api/sessions/${id}/messages`, { method: 'POST', body: JSON.stringify({ content: 1 }) })).status,
    ).toBe(400);
    expect(
      (await requestJson(`${h.url}/api/sessions/nope/messages`, { method: 'POST', body: JSON.stringify({ content: 'x' }) })).status,
    ).toBe(404);
    expect((await requestJson(`${h.url}/api/messages/nope/stop`, { method: 'POST' })).status).toBe(404);
    expect((await requestJson(`${h.url}/api/events?since=abc`)).status).toBe(400);
    const sent = await requestJson(`${h.url}/api/sessions/${id}/messages`, {
      method: 'POST',
      body: JSON.stringify({ content: 'REST answer [len=2000]' }),
    });
    expect(sent.status).toBe(200);
    const status = await requestJson(`${h.url}/api/sessions/${id}/status`);
    expect(status.body).toMatchObject({ has_active_generation: true, generating_message_id: sent.body.assistant_message_id });
    const final = await waitForThread(h.url, id, (t) => t[1]?.status === 'completed');
    expect(final[1]!.content).toBe(FakeAnthropic.answer('REST answer [len=2000]'));
    expect(final.map((m: { role: string }) => m.role)).toEqual(['user', 'assistant']);
    const list = await requestJson(`${h.url}/api/sessions`);
    expect(list.body[0].id).toBe(id);
    const cross = await fetch(`${h.url}/api/sessions`, { headers: { origin: 'http://evil.example' } });
    expect(cross.status).toBe(400);
    const rebound = await new Promise<number>((resolve) => {
      http.get({ host: '127.0.0.1', port: h.port, path: '/api/export', headers: { host: `evil.example:${h.port}` } }, (r) => {
        r.resume();
        resolve(r.statusCode ?? 0);
      });
    });
    expect(rebound).toBe(400);
  });

  it('carries the contract over the WebSocket: calls, validation errors in one shape, live events; other origins refused', async () => {
    const h = await host(tempDir());
    const ws = new WebSocket(`ws://127.0.0.1:${h.port}/ws`);
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    const events: { type: string }[] = [];
    const replies = new Map<number, { ok: boolean; result?: any; error?: any }>(); // eslint-disable-line @typescript-eslint/no-explicit-any -- wire frames
    ws.on('message', (d) => {
      const f = JSON.parse(d.toString());
      if (f.event) events.push(f.event);
      else replies.set(f.id, f);
    });
    const call = async (id: number, method: string, input: unknown) => {
      ws.send(JSON.stringify({ id, method, input }));
      for (let i = 0; i < 200 && !replies.has(id); i++) await new Promise((r) => setTimeout(r, 10));
      return replies.get(id)!;
    };
    expect(await call(1, 'nope.method', {})).toMatchObject({ ok: false, error: { code: 'not_found' } });
    expect(await call(2, 'conversations.create', { title: 7 })).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
    expect(await call(3, 'messages.send', { conversation_id: 'x', content: 'hi', extra: true })).toMatchObject({
      ok: false,
      error: { code: 'invalid_input' },
    });
    const created = await call(4, 'conversations.create', { title: 'ws' });
    expect(created.ok).toBe(true);
    const sent = await call(5, 'messages.send', { conversation_id: created.result.id, content: 'over ws [len=300]' });
    expect(sent.ok).toBe(true);
    for (
      let i = 0;
      i < 300 &&
      !events.some(
        (e) =>
          e.type === 'sync.didChange' &&
          (e as unknown as { data: { role?: string; status?: string } }).data.role === 'assistant' &&
          (e as unknown as { data: { status: string } }).data.status === 'completed',
      );
      i++
    )
      await new Promise((r) => setTimeout(r, 20));
    expect(events.some((e) => e.type === 'messages.didAppendChunk')).toBe(true);
    expect(events.some((e) => e.type === 'sync.didChange')).toBe(true);
    ws.close();
    const foreign = new WebSocket(`ws://127.0.0.1:${h.port}/ws`, { headers: { origin: 'http://evil.example' } });
    await expect(
      new Promise((resolve, reject) => {
        foreign.once('open', resolve);
        foreign.once('error', reject);
      }),
    ).rejects.toThrow(/403/);
  });

  it('keeps an API key set at run time in memory only: never in a file, a log line or an answer', async () => {
    const dir = tempDir();
    const h = await startHostProcess({ dataDir: dir, fromSource: true, env: { ANTHROPIC_API_KEY: '', ANTHROPIC_BASE_URL: fake.url } });
    hosts.push(h);
    const ws = new WebSocket(`ws://127.0.0.1:${h.port}/ws`);
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    const secret = 'sk-ant-test-SECRET-0123456789';
    const frames: string[] = [];
    ws.on('message', (d) => frames.push(d.toString()));
    ws.send(JSON.stringify({ id: 1, method: 'settings.get', input: {} }));
    ws.send(JSON.stringify({ id: 2, method: 'settings.set', input: { api_key: secret, model: 'claude-test' } }));
    for (let i = 0; i < 100 && !frames.some((f) => f.startsWith('{"id":2')); i++) await new Promise((r) => setTimeout(r, 20));
    const before = JSON.parse(frames.find((f) => f.startsWith('{"id":1'))!).result;
    const after = JSON.parse(frames.find((f) => f.startsWith('{"id":2'))!).result;
    expect(before).toMatchObject({ provider: 'demo', has_api_key: false, key_protection: 'none' });
    expect(after).toMatchObject({ provider: 'anthropic', model: 'claude-test', has_api_key: true, key_protection: 'memory' });
    // The key now drives real requests (to the local server), and appears nowhere it could leak.
    const { body: conv } = await requestJson(`${h.url}/api/sessions`, { method: 'POST', body: '{}' });
    await requestJson(`${h.url}/api/sessions/${conv.id}/messages`, {
      method: 'POST',
      body: JSON.stringify({ content: 'with key [len=200]' }),
    });
    await waitForThread(h.url, conv.id, (t) => t[1]?.status === 'completed');
    expect(fake.requests.at(-1)?.model).toBe('claude-test');
    await new Promise((r) => setTimeout(r, 200));
    const files = (d: string): string[] =>
      fs.readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(path.join(d, e.name)) : [path.join(d, e.name)]));
    for (const f of files(dir)) expect(fs.readFileSync(f).includes(secret), f).toBe(false);
    expect(h.output()).not.toContain(secret);
    expect(frames.join('')).not.toContain(secret);
    ws.close();
  });

  it('streams Server-Sent Events with their seq and catches up from ?since= with no gap', async () => {
    const h = await host(tempDir());
    const { body: conv } = await requestJson(`${h.url}/api/sessions`, { method: 'POST', body: JSON.stringify({}) });
    await requestJson(`${h.url}/api/sessions/${conv.id}/messages`, { method: 'POST', body: JSON.stringify({ content: 'sse [len=300]' }) });
    await waitForThread(h.url, conv.id, (t) => t[1]?.status === 'completed');
    const res = await fetch(`${h.url}/api/events?since=0`);
    const reader = res.body!.getReader();
    let text = '';
    while (!text.includes('"status":"completed"')) text += new TextDecoder().decode((await reader.read()).value);
    await reader.cancel();
    const ids = [...text.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]));
    expect(ids.length).toBeGreaterThan(2);
    expect([...ids].sort((a, b) => a - b)).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('after SIGKILL mid-answer and a restart, the answer completes with exactly the server text', async () => {
    fake.config.paceMs = 12;
    const dir = tempDir();
    const h = await host(dir);
    const { body: conv } = await requestJson(`${h.url}/api/sessions`, { method: 'POST', body: JSON.stringify({}) });
    const prompt = 'kill me mid-answer [len=5000]';
    const { body: sent } = await requestJson(`${h.url}/api/sessions/${conv.id}/messages`, {
      method: 'POST',
      body: JSON.stringify({ content: prompt }),
    });
    await waitForStatus(h.url, conv.id, (s) => (s.partial_content?.length ?? 0) > 800);
    await h.kill('SIGKILL');
    const again = await host(dir, h.port);
    const thread = await waitForThread(again.url, conv.id, (t) => t[1]?.status === 'completed', 20_000).catch((e) => {
      throw new Error(`${e}\n${again.output()}`);
    });
    expect(thread[1]!.id).toBe(sent.assistant_message_id);
    expect(thread[1]!.content).toBe(FakeAnthropic.answer(prompt));
  });

  it('SIGTERM flushes and exits cleanly; the answer resumes at the next start', async () => {
    fake.config.paceMs = 12;
    const dir = tempDir();
    const h = await host(dir);
    const { body: conv } = await requestJson(`${h.url}/api/sessions`, { method: 'POST', body: JSON.stringify({}) });
    const prompt = 'terminate me [len=4000]';
    await requestJson(`${h.url}/api/sessions/${conv.id}/messages`, { method: 'POST', body: JSON.stringify({ content: prompt }) });
    const before = await waitForStatus(h.url, conv.id, (s) => (s.partial_content?.length ?? 0) > 500);
    expect(await h.kill('SIGTERM')).toBe(0);
    const again = await host(dir, h.port);
    const status = await requestJson(`${again.url}/api/sessions/${conv.id}/status`);
    // Everything received before SIGTERM was flushed.
    expect((status.body.partial_content ?? '').length).toBeGreaterThanOrEqual(before.partial_content!.length);
    const thread = await waitForThread(again.url, conv.id, (t) => t[1]?.status === 'completed', 30_000);
    expect(thread[1]!.content).toBe(FakeAnthropic.answer(prompt));
  });
});

type Msg = { id: string; role: string; status: string; content: string };
const waitForThread = (url: string, id: string, ok: (t: Msg[]) => boolean, timeout?: number): Promise<Msg[]> =>
  pollJson(`${url}/api/sessions/${id}/messages`, ok, timeout);
const waitForStatus = (
  url: string,
  id: string,
  ok: (s: { partial_content: string | null }) => boolean,
): Promise<{ partial_content: string | null }> => pollJson(`${url}/api/sessions/${id}/status`, ok);
