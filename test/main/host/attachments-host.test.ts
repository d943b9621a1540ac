import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { FakeAnthropic } from '../../support/fake-anthropic';
import type { HostProcess } from '../../support/host-process';
import { fakeAnthropic, hostFor } from '../../support/servers';
import { tempDir } from '../../support/core';
import { pollJson, requestJson, type Json } from '../../support/http';
import { MAX_ATTACHMENT_BYTES } from '../../../src/shared/attachments';
import { png, sha256 as sha } from '../../support/files';
import { readZip } from '../../support/zip';

let fake: FakeAnthropic;
beforeEach(async () => {
  fake = await fakeAnthropic({ paceMs: 2 });
});

const host = (dataDir: string): Promise<HostProcess> => hostFor(fake, { dataDir });

async function upload(h: HostProcess, name: string, type: string, data: Buffer): Promise<{ status: number; body: Json }> {
  const res = await fetch(`${h.url}/api/attachments?name=${encodeURIComponent(name)}`, {
    method: 'POST',
    headers: { ...h.headers, 'content-type': type },
    body: new Uint8Array(data),
  });
  return { status: res.status, body: await res.json() };
}

describe('attachments over REST', () => {
  it('uploads, lists on the message, serves the exact bytes as a download that cannot run script', async () => {
    const h = await host(tempDir());
    const image = png(100);
    const up = await upload(h, 'shot.png', 'image/png', image);
    expect(up.status).toBe(200);
    expect(up.body).toMatchObject({ name: 'shot.png', mime: 'image/png', size: image.length, sha256: sha(image) });
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>');
    const hostile = await upload(h, 'evil.svg', 'image/svg+xml', svg);
    expect(hostile.status).toBe(200);
    const html = await upload(h, 'evil.html', 'text/html', Buffer.from('<script>parent.pwned = 1</script>'));
    expect(html.status).toBe(200);

    const got = await fetch(`${h.url}/api/attachments/${up.body.id}`, { headers: h.headers });
    expect(got.status).toBe(200);
    expect(got.headers.get('content-type')).toBe('image/png');
    expect(got.headers.get('content-disposition')).toMatch(/^attachment; filename="shot.png"/);
    expect(got.headers.get('x-content-type-options')).toBe('nosniff');
    expect(got.headers.get('content-security-policy')).toMatch(/^sandbox/);
    expect(Buffer.from(await got.arrayBuffer()).equals(image)).toBe(true);
    for (const id of [hostile.body.id, html.body.id]) {
      const r = await fetch(`${h.url}/api/attachments/${id}`, { headers: h.headers });
      expect(r.headers.get('content-type')).toBe('application/octet-stream'); // never rendered as SVG or HTML
      expect(r.headers.get('content-disposition')).toMatch(/^attachment/);
      expect(r.headers.get('content-security-policy')).toMatch(/^sandbox/);
    }
    expect((await fetch(`${h.url}/api/attachments/${up.body.id}`)).status).toBe(401); // the run's secret, as everywhere

    const conv = (await requestJson(`${h.url}/api/sessions`, { method: 'POST', body: JSON.stringify({ title: 'files' }) })).body;
    const sent = await requestJson(`${h.url}/api/sessions/${conv.id}/messages`, {
      method: 'POST',
      body: JSON.stringify({ content: 'what is it? [len=200]', attachments: [up.body.id] }),
    });
    expect(sent.status).toBe(200);
    const thread = await pollJson(`${h.url}/api/sessions/${conv.id}/messages`, (t: Json[]) => t[1]?.status === 'completed');
    expect(thread[0].attachments).toEqual([{ id: up.body.id, name: 'shot.png', mime: 'image/png', size: image.length }]);
    expect(thread[1].attachments).toEqual([]);
    const tree = (await requestJson(`${h.url}/api/sessions/${conv.id}/tree`)).body;
    expect(tree.messages.find((m: Json) => m.id === sent.body.user_message_id).attachments).toHaveLength(1);
    expect(sha(fake.requests.at(-1)!.files![0]!.data)).toBe(sha(image));

    const edited = await requestJson(`${h.url}/api/messages/${sent.body.user_message_id}/edit`, {
      method: 'POST',
      body: JSON.stringify({ content: 'and this one? [len=50]', attachments: [hostile.body.id] }),
    });
    expect(edited.status).toBe(200);
    const after = await pollJson(`${h.url}/api/sessions/${conv.id}/messages`, (t: Json[]) => t[1]?.status === 'completed');
    expect(after[0].attachments.map((a: Json) => a.name)).toEqual(['evil.svg']);
    expect(fake.requests.at(-1)!.files![0]).toMatchObject({ type: 'document', source: 'text' }); // SVG goes as text

    // The Markdown export of a thread with files is a .zip: the .md and the file it links to, byte for byte.
    const md = await fetch(`${h.url}/api/sessions/${conv.id}/export?format=md`, { headers: h.headers });
    expect(md.headers.get('content-type')).toBe('application/zip');
    expect(md.headers.get('content-disposition')).toMatch(/^attachment; filename="files\.zip"/);
    const mdZip = await readZip(Buffer.from(await md.arrayBuffer()));
    // A page (SVG, HTML) goes beside the Markdown as `.txt`, so following its link shows the source and runs nothing.
    expect(mdZip.get('files.md')!.toString()).toContain('(<attachments/evil.svg.txt>)');
    expect(mdZip.get('attachments/evil.svg.txt')!.toString()).toContain('<svg');
    expect(mdZip.has('attachments/evil.svg')).toBe(false);

    // The archive is a .zip with the files, and another host takes it back with the same bytes.
    const archive = await fetch(`${h.url}/api/export`, { headers: h.headers });
    expect(archive.headers.get('content-type')).toBe('application/zip');
    expect(archive.headers.get('content-disposition')).toMatch(/holdfast-archive-.*\.zip/);
    const zip = Buffer.from(await archive.arrayBuffer());
    const other = await host(tempDir());
    const imported = await fetch(`${other.url}/api/import`, { method: 'POST', headers: other.headers, body: new Uint8Array(zip) });
    expect(imported.status).toBe(200);
    expect(((await imported.json()) as Json).notes).toContain('2 attached file(s) restored');
    const back = await fetch(`${other.url}/api/attachments/${up.body.id}`, { headers: other.headers });
    expect(sha(Buffer.from(await back.arrayBuffer()))).toBe(sha(image));
  });

  it('answers 400 with a reason for unknown or unreadable files and 413 with the limit, before the connection closes', async () => {
    const h = await host(tempDir());
    const exe = await upload(h, 'a.exe', 'application/x-msdownload', Buffer.from('MZ...'));
    expect(exe.status).toBe(400);
    expect(exe.body.error.message).toMatch(/not accepted/);
    const fakePng = await upload(h, 'a.png', 'image/png', Buffer.from('GIF89a, not a png'));
    expect(fakePng.status).toBe(400);
    expect(fakePng.body.error.message).toMatch(/not a readable image\/png/);
    expect((await upload(h, '', 'text/plain', Buffer.from('x'))).status).toBe(400);

    // Declared too large: refused before a byte is read.
    const declared = await upload(h, 'big.txt', 'text/plain', Buffer.alloc(MAX_ATTACHMENT_BYTES + 1, 97));
    expect(declared.status).toBe(413);
    expect(declared.body.error.details.limit_bytes).toBe(MAX_ATTACHMENT_BYTES);
    // Streamed without a length (chunked): counted as it arrives, and the client still reads its 413.
    const chunked = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port: h.port,
          method: 'POST',
          path: '/api/attachments?name=big.txt',
          headers: { ...h.headers, 'content-type': 'text/plain', 'transfer-encoding': 'chunked' },
        },
        (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        },
      );
      req.on('error', reject);
      const piece = Buffer.alloc(1024 * 1024, 97);
      let sent = 0;
      const write = (): void => {
        while (sent <= MAX_ATTACHMENT_BYTES) {
          sent += piece.length;
          if (!req.write(piece)) return void req.once('drain', write);
        }
        req.end();
      };
      write();
    });
    expect(chunked.status).toBe(413);
    expect(JSON.parse(chunked.body).error.message).toContain(String(MAX_ATTACHMENT_BYTES));
  });

  it('a method a path does not take is a 405 with Allow, not a 404; an unknown id is not echoed back whole', async () => {
    const h = await host(tempDir());
    const call = async (method: string, url: string) => {
      const res = await fetch(`${h.url}${url}`, { method, headers: h.headers });
      return { status: res.status, allow: res.headers.get('allow'), body: (await res.json()) as { error: { message: string } } };
    };
    expect(await call('GET', '/api/attachments')).toMatchObject({ status: 405, allow: 'POST' });
    expect(await call('DELETE', '/api/attachments/abc')).toMatchObject({ status: 405, allow: 'GET, HEAD' });
    expect(await call('GET', '/api/import')).toMatchObject({ status: 405, allow: 'POST' });
    // A contract route says what it takes too.
    const sessions = await call('PUT', '/api/sessions');
    expect(sessions.status).toBe(405);
    expect(sessions.allow?.split(', ')).toContain('POST');
    expect((await call('GET', '/api/nothing-here')).status).toBe(404);
    // The page is only read: HEAD answers as GET without a body, anything else is a 405 (it used to serve the page).
    expect(await call('POST', '/')).toMatchObject({ status: 405, allow: 'GET, HEAD' });
    expect(await call('DELETE', '/assets/x.js')).toMatchObject({ status: 405, allow: 'GET, HEAD' });
    for (const url of ['/api/sessions', '/api/status', '/api/events']) {
      const res = await fetch(`${h.url}${url}`, { method: 'HEAD', headers: h.headers });
      expect([url, res.status, await res.text()]).toEqual([url, 200, '']);
    }
    const long = 'x'.repeat(5000);
    const unknown = await call('GET', `/api/attachments/${long}`);
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.message).toContain('x'.repeat(64));
    expect(unknown.body.error.message).not.toContain('x'.repeat(65));
    expect(unknown.body.error.message).toContain('5000 characters');
  });

  it('a host killed with SIGKILL during uploads and sends leaves no message pointing at a missing or partial file', async () => {
    const dir = tempDir();
    let h = await host(dir);
    const conv = (await requestJson(`${h.url}/api/sessions`, { method: 'POST', body: JSON.stringify({ title: 'kill' }) })).body;
    const uploaded = new Map<string, string>(); // id → sha256 of what was sent
    let stop = false;
    const worker = (async () => {
      for (let i = 0; !stop; i++) {
        const data = png(256 * 1024 + i); // large enough that a kill often lands mid-write
        try {
          const up = await upload(h, `p${i}.png`, 'image/png', data);
          if (up.status !== 200) continue;
          uploaded.set(up.body.id, sha(data));
          await requestJson(`${h.url}/api/sessions/${conv.id}/messages`, {
            method: 'POST',
            body: JSON.stringify({ content: `n${i} [len=300]`, attachments: [up.body.id] }),
          });
        } catch {
          return; // the host is gone
        }
      }
    })();
    await pollJson(`${h.url}/api/sessions/${conv.id}/messages`, (t: Json[]) => t.length >= 6);
    await h.kill('SIGKILL');
    stop = true;
    await worker;

    h = await host(dir);
    const tree = (await requestJson(`${h.url}/api/sessions/${conv.id}/tree`)).body;
    const linked = tree.messages.flatMap((m: Json) => m.attachments as Json[]);
    expect(linked.length).toBeGreaterThanOrEqual(3);
    for (const a of linked) {
      const r = await fetch(`${h.url}/api/attachments/${a.id}`, { headers: h.headers });
      expect(r.status).toBe(200);
      const bytes = Buffer.from(await r.arrayBuffer());
      expect(bytes.length).toBe(a.size);
      if (uploaded.has(a.id)) expect(sha(bytes)).toBe(uploaded.get(a.id));
    }
    const leftovers = fs
      .readdirSync(path.join(dir, 'attachments'))
      .flatMap((d) => fs.readdirSync(path.join(dir, 'attachments', d)))
      .filter((f) => f.startsWith('tmp-'));
    expect(leftovers).toEqual([]);
    // Every answer cut by the kill completes with the files sent again.
    await pollJson(`${h.url}/api/sessions/${conv.id}/tree`, (t: Json) =>
      t.messages.every((m: Json) => m.status === 'completed' || m.status === 'cancelled'),
    );
  });
});
