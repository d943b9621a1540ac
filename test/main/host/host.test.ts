import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { once } from 'node:events';
import { WebSocket } from 'ws';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { routes, STREAM_ROUTES } from '../../../src/main/host/rest';
import { FakeAnthropic } from '../../support/fake-anthropic';
import type { HostProcess } from '../../support/host-process';
import { fakeAnthropic, hostFor, hostProcess } from '../../support/servers';
import { tempDir } from '../../support/core';
import { pollJson, requestJson, type Json } from '../../support/http';

let fake: FakeAnthropic;
beforeEach(async () => {
  fake = await fakeAnthropic({ paceMs: 4 });
});

const host = (dataDir: string, port?: number): Promise<HostProcess> => hostFor(fake, { dataDir, port, args: ['--watchdog-ms', '3000'] });

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
    // A boolean query is 1/true or 0/false: another word is refused by name, not read as false (an empty trash).
    const yes = await requestJson(`${h.url}/api/sessions?trashed=yes`);
    expect(yes.status).toBe(400);
    expect(yes.body.error.message).toMatch(/^trashed: /);
    expect((await requestJson(`${h.url}/api/sessions?trashed=0`)).body[0].id).toBe(id);
    expect((await requestJson(`${h.url}/api/sessions?trashed=true`)).body).toEqual([]);
    const cross = await fetch(`${h.url}/api/sessions`, { headers: { ...h.headers, origin: 'http://evil.example' } });
    expect(cross.status).toBe(400);
    const rebound = await new Promise<number>((resolve) => {
      http.get({ host: '127.0.0.1', port: h.port, path: '/api/export', headers: { ...h.headers, host: `evil.example:${h.port}` } }, (r) => {
        r.resume();
        resolve(r.statusCode ?? 0);
      });
    });
    expect(rebound).toBe(400);
  });

  it('carries the contract over the WebSocket: calls, validation errors in one shape, live events; other origins refused', async () => {
    const h = await host(tempDir());
    const ws = new WebSocket(`ws://127.0.0.1:${h.port}/ws`, { headers: h.headers });
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
    const answered = (e: { type: string }) => {
      const data = (e as unknown as { data: { role?: string; status?: string } }).data;
      return e.type === 'sync.didChange' && data.role === 'assistant' && data.status === 'completed';
    };
    await vi.waitFor(() => expect(events.some(answered)).toBe(true), { timeout: 10_000 });
    expect(events.some((e) => e.type === 'messages.didAppendChunk')).toBe(true);
    expect(events.some((e) => e.type === 'sync.didChange')).toBe(true);
    ws.close();
    const foreign = new WebSocket(`ws://127.0.0.1:${h.port}/ws`, { headers: { ...h.headers, origin: 'http://evil.example' } });
    await expect(
      new Promise((resolve, reject) => {
        foreign.once('open', resolve);
        foreign.once('error', reject);
      }),
    ).rejects.toThrow(/403/);
  });

  it('keeps an API key set at run time in memory only: never in a file, a log line or an answer', async () => {
    const dir = tempDir();
    const h = await hostProcess({ dataDir: dir, fromSource: true, env: { ANTHROPIC_API_KEY: '', ANTHROPIC_BASE_URL: fake.url } });
    const ws = new WebSocket(`ws://127.0.0.1:${h.port}/ws`, { headers: h.headers });
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
    // The automatic title is the last thing written for this answer: once it is there, every write has happened.
    await pollJson(`${h.url}/api/sessions/${conv.id}`, (c) => typeof c.title === 'string' && c.title !== '');
    expect(fake.requests.at(-1)?.model).toBe('claude-test');
    const files = (d: string): string[] =>
      fs.readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(path.join(d, e.name)) : [path.join(d, e.name)]));
    // The walk must see the database and its WAL, or the loop below would prove nothing.
    expect(files(dir).map((f) => path.basename(f))).toEqual(expect.arrayContaining(['holdfast.db', 'holdfast.db-wal']));
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
    const res = await fetch(`${h.url}/api/events?since=0`, { headers: h.headers });
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

describe('host hardening', () => {
  it('no request, however malformed, ends the process: each gets a clear 400 and one log line, never a stack trace', async () => {
    const dir = tempDir();
    const h = await host(dir);
    const upgrade = (target: string) =>
      `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1:${h.port}\r\nAuthorization: ${h.headers.authorization}\r\nUpgrade: websocket\r\n` +
      'Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n';
    expect(await rawRequest(h.port, upgrade('//a:99999/ws'))).toMatch(/^HTTP\/1\.1 400 /);
    expect(await rawRequest(h.port, upgrade('http://a:99999/ws'))).toMatch(/^HTTP\/1\.1 400 /);
    const plain = `GET //a:99999/api/status HTTP/1.1\r\nHost: 127.0.0.1:${h.port}\r\nAuthorization: ${h.headers.authorization}\r\nConnection: close\r\n\r\n`;
    expect(await rawRequest(h.port, plain)).toMatch(/^HTTP\/1\.1 400 /);
    expect(await rawRequest(h.port, 'BLAH\x00\x01 nonsense\r\n\r\n')).toMatch(/^HTTP\/1\.1 400 /);
    const pct = await requestJson(`${h.url}/api/sessions/%ff/messages`);
    expect(pct).toMatchObject({ status: 400, body: { error: { code: 'invalid_input' } } });
    expect((await requestJson(`${h.url}/assets/%ff%fe.js`)).status).toBe(400);
    // An upload that stops halfway: one line, and no temporary file left behind.
    const upload = net.connect(h.port, '127.0.0.1');
    await once(upload, 'connect');
    upload.write(
      `POST /api/import HTTP/1.1\r\nHost: 127.0.0.1:${h.port}\r\nAuthorization: ${h.headers.authorization}\r\nContent-Length: 10000000\r\n\r\n`,
    );
    upload.write(Buffer.alloc(200_000, 'x'));
    await vi.waitFor(() => expect(fs.readdirSync(path.join(dir, 'tmp')).length).toBe(1), { timeout: 10_000 });
    upload.destroy();
    await vi.waitFor(() => expect(h.output()).toMatch(/POST \/api\/import aborted by the client after \d+ bytes/), { timeout: 10_000 });
    await vi.waitFor(() => expect(fs.readdirSync(path.join(dir, 'tmp'))).toEqual([]));
    expect((await requestJson(`${h.url}/api/status`)).status).toBe(200);
    expect(h.proc.exitCode).toBe(null);
    expect(h.output()).toMatch(/\[host\] 400 GET \/\/a:99999\/ws: /);
    expect(h.output()).not.toMatch(/^\s+at /m);
    expect(h.output().split(h.token).length).toBe(2); // the secret is printed once, in the URL, and never logged again
  });

  it('requires the run secret on every REST, SSE and WebSocket request and the page; keeps its files to its user', async () => {
    const dir = tempDir();
    fs.chmodSync(dir, 0o755);
    fs.writeFileSync(path.join(dir, 'note.txt'), 'made before', { mode: 0o644 });
    const h = await host(dir);
    const none = { authorization: '' };
    expect(await requestJson(`${h.url}/api/sessions`, { headers: none })).toMatchObject({
      status: 401,
      body: { error: { code: 'unauthorized' } },
    });
    expect((await requestJson(`${h.url}/api/sessions`, { headers: { authorization: `Bearer ${h.token}x` } })).status).toBe(401);
    expect((await fetch(`${h.url}/api/events`)).status).toBe(401);
    expect((await fetch(`${h.url}/api/export`)).status).toBe(401);
    expect((await fetch(`${h.url}/api/import`, { method: 'POST', body: '{}' })).status).toBe(401);
    expect((await fetch(`${h.url}/`)).status).toBe(401);
    expect((await fetch(`${h.url}/?token=wrong-token-0123456789`, { redirect: 'manual' })).status).toBe(401);
    await expect(openSocket(`ws://127.0.0.1:${h.port}/ws`, {})).rejects.toThrow(/401/);
    // The printed URL: the page trades the secret for a cookie and the address loses it.
    const traded = await fetch(`${h.url}/?token=${h.token}&x=1`, { redirect: 'manual' });
    expect(traded.status).toBe(303);
    expect(traded.headers.get('location')).toBe('/?x=1');
    const cookie = traded.headers.get('set-cookie')!;
    expect(cookie).toMatch(/; HttpOnly/);
    expect(cookie).toMatch(/; SameSite=Strict/);
    const sneaky = await rawRequest(h.port, `GET /\\evil.example/?token=${h.token} HTTP/1.1\r\nHost: 127.0.0.1:${h.port}\r\n\r\n`);
    expect(sneaky).toMatch(/^HTTP\/1\.1 303 /);
    expect(sneaky).toMatch(/\r\nlocation: \/\r\n/i); // never back to a path that a browser reads as another host
    const jar = { ...none, cookie: cookie.split(';')[0]! };
    expect((await requestJson(`${h.url}/api/sessions`, { headers: jar })).status).toBe(200);
    (await openSocket(`ws://127.0.0.1:${h.port}/ws`, jar)).close();
    (await openSocket(`ws://127.0.0.1:${h.port}/ws`, h.headers)).close();
    // Files: the folder 0700, every file 0600 (database, WAL, backups, the token file), also those made before.
    expect(fs.readFileSync(path.join(dir, 'host-token'), 'utf8').trim()).toBe(h.token);
    const backup = await requestJson(`${h.url}/api/backup`, { method: 'POST' });
    expect(backup.status).toBe(200);
    expect(fs.existsSync(backup.body.path)).toBe(true);
    const all = walk(dir);
    expect(all.map((f) => path.basename(f))).toEqual(expect.arrayContaining(['holdfast.db', 'holdfast.db-wal', 'host-token', 'note.txt']));
    expect(all).toContain(backup.body.path);
    for (const f of [dir, ...all]) expect((fs.statSync(f).mode & 0o777).toString(8), f).toBe(fs.statSync(f).isDirectory() ? '700' : '600');
    // HOLDFAST_TOKEN sets the secret.
    const fixed = 'a-fixed-secret-for-scripts-0123';
    const dir2 = tempDir();
    const h2 = await hostProcess({ dataDir: dir2, fromSource: true, env: { ANTHROPIC_API_KEY: '', HOLDFAST_TOKEN: fixed } });
    expect(h2.token).toBe(fixed);
    expect(fs.readFileSync(path.join(dir2, 'host-token'), 'utf8').trim()).toBe(fixed);
    expect((await requestJson(`${h2.url}/api/status`, { headers: { authorization: `Bearer ${fixed}` } })).status).toBe(200);
  });

  it('answers 413 with the limit for a body over it, before the connection closes', async () => {
    const dir = tempDir();
    const h = await hostProcess({ dataDir: dir, fromSource: true, env: { ANTHROPIC_API_KEY: '' }, args: ['--max-import-mb', '1'] });
    const limit = 1024 * 1024;
    const declared = await fetch(`${h.url}/api/import`, { method: 'POST', body: Buffer.alloc(3 * limit, 'a'), headers: h.headers });
    expect(declared.status).toBe(413);
    expect((await declared.json()).error).toMatchObject({ code: 'too_large', details: { limit_bytes: limit } });
    const streamed = await postChunked(h, '/api/import', 3 * limit);
    expect(streamed.status).toBe(413);
    expect(streamed.body.error).toMatchObject({ code: 'too_large', details: { limit_bytes: limit } });
    expect(streamed.body.error.message).toContain(String(limit));
    const json = await postChunked(h, '/api/sessions', 21 * 1024 * 1024);
    expect(json.status).toBe(413);
    expect(json.body.error).toMatchObject({ code: 'too_large', details: { limit_bytes: 20 * 1024 * 1024 } });
    // Nothing left in tmp/, and a file under the limit still imports.
    expect(fs.readdirSync(path.join(dir, 'tmp'))).toEqual([]);
    const archive = JSON.stringify({ format: 'holdfast-archive', version: 1, conversations: [] });
    expect((await fetch(`${h.url}/api/import`, { method: 'POST', body: archive, headers: h.headers })).status).not.toBe(413);
    expect(h.proc.exitCode).toBe(null);
  });

  it('drops a WebSocket or SSE subscriber that never reads, while the others carry on', async () => {
    const h = await host(tempDir());
    const created = await requestJson(`${h.url}/api/sessions`, { method: 'POST', body: '{}' });
    const id = created.body.id as string;
    // A socket and an event stream that never read.
    const stalled = net.connect(h.port, '127.0.0.1');
    await once(stalled, 'connect');
    stalled.write(
      `GET /ws HTTP/1.1\r\nHost: 127.0.0.1:${h.port}\r\nAuthorization: ${h.headers.authorization}\r\nUpgrade: websocket\r\n` +
        'Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
    );
    stalled.pause();
    const sse = net.connect(h.port, '127.0.0.1');
    await once(sse, 'connect');
    sse.write(`GET /api/events HTTP/1.1\r\nHost: 127.0.0.1:${h.port}\r\nAuthorization: ${h.headers.authorization}\r\n\r\n`);
    sse.pause();
    // A window that reads, asking for a large answer now and then.
    const reader = await openSocket(`ws://127.0.0.1:${h.port}/ws`, h.headers);
    const replies: number[] = [];
    reader.on('message', (d) => {
      const f = JSON.parse(d.toString());
      if (!f.event) replies.push(f.id);
    });
    // Changes of ~100 KB each, until the host lets both go (the loop has its own bound).
    const dropped = () => /dropped a WebSocket client/.test(h.output()) && /dropped an event stream/.test(h.output());
    for (let i = 0; i < 600 && !dropped(); i++) {
      const r = await requestJson(`${h.url}/api/sessions/${id}`, {
        method: 'PATCH',
        body: JSON.stringify({ system_prompt: `${i}`.padEnd(100_000, 'q') }),
      });
      expect(r.status).toBe(200);
      if (i % 20 === 0) reader.send(JSON.stringify({ id: i, method: 'conversations.list', input: {} }));
    }
    expect(h.output()).toMatch(/dropped a WebSocket client \d+ bytes behind/);
    expect(h.output()).toMatch(/dropped an event stream \d+ bytes behind/);
    // The reading window got every answer and was never dropped.
    reader.send(JSON.stringify({ id: 100_000, method: 'app.status', input: {} }));
    await vi.waitFor(() => expect(replies).toContain(100_000), { timeout: 10_000 });
    expect(h.output().match(/dropped a WebSocket client/g)).toHaveLength(1);
    expect(reader.readyState).toBe(WebSocket.OPEN);
    // The stalled ones were closed: read what is left, to the end.
    let received = 0;
    for (const s of [stalled, sse]) {
      s.on('data', (c: Buffer) => (received += c.length));
      s.resume();
      await once(s, 'close');
    }
    expect(received).toBeGreaterThan(0);
    reader.close();
    expect(h.proc.exitCode).toBe(null);
  });

  it('the README route table and the contract name the same routes', () => {
    const readme = fs.readFileSync(path.resolve(import.meta.dirname, '../../../README.md'), 'utf8');
    const table = readme.slice(readme.indexOf('### REST routes'), readme.indexOf('\nErrors:', readme.indexOf('### REST routes')));
    const documented = [...table.matchAll(/`(GET|POST|PUT|PATCH|DELETE) (\/api\/[^`?\s]*)/g)].map((m) => `${m[1]} ${m[2]}`);
    // A route chosen by its query (`when`, the paged list) shares its method and path with the one it stands beside.
    const served = [
      ...routes.filter((r) => !r.http.when).map((r) => `${r.http.method} ${r.http.path}`),
      ...STREAM_ROUTES.map((r) => `${r.method} ${r.path}`),
    ];
    expect(new Set(served).size).toBe(served.length);
    for (const r of routes.filter((r) => r.http.when)) expect(served).toContain(`${r.http.method} ${r.http.path}`);
    expect([...new Set(documented)].sort()).toEqual([...served].sort());
  });
});

/** Writes raw bytes to the host and returns its answer (status line and headers at least). */
function rawRequest(port: number, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => s.write(bytes));
    let got = '';
    s.on('data', (c: Buffer) => {
      got += c.toString('latin1');
      if (got.includes('\r\n\r\n')) {
        s.destroy();
        resolve(got);
      }
    });
    s.on('error', reject);
    s.on('close', () => resolve(got));
  });
}

function openSocket(url: string, headers: Record<string, string>): Promise<WebSocket> {
  const ws = new WebSocket(url, { headers });
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

/** POSTs `total` bytes in 64 KB pieces with no declared length, and returns the host's answer. */
function postChunked(h: HostProcess, route: string, total: number): Promise<{ status: number; body: Json }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: h.port, path: route, method: 'POST', headers: h.headers }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
    });
    req.on('error', reject);
    const piece = Buffer.alloc(64 * 1024, 'a');
    let sent = 0;
    const pump = (): void => {
      while (sent < total) {
        sent += piece.length;
        if (!req.write(piece)) {
          req.once('drain', pump);
          return;
        }
      }
      req.end();
    };
    pump();
  });
}

function walk(d: string): string[] {
  return fs
    .readdirSync(d, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? [path.join(d, e.name), ...walk(path.join(d, e.name))] : [path.join(d, e.name)]));
}

type Msg = { id: string; role: string; status: string; content: string };
const waitForThread = (url: string, id: string, ok: (t: Msg[]) => boolean, timeout?: number): Promise<Msg[]> =>
  pollJson(`${url}/api/sessions/${id}/messages`, ok, timeout);
const waitForStatus = (
  url: string,
  id: string,
  ok: (s: { partial_content: string | null }) => boolean,
): Promise<{ partial_content: string | null }> => pollJson(`${url}/api/sessions/${id}/status`, ok);
