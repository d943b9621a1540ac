import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { beforeEach, describe, expect, it } from 'vitest';
import { FakeAnthropic } from '../../support/fake-anthropic';
import { makeCore, settled, tempDir, waitFor } from '../../support/core';
import { fakeAnthropic } from '../../support/servers';
import { HoldfastError, httpStatusFor } from '../../../src/shared/errors';
import { Exchange } from '../../../src/main/core/exchange/exchange';
import { MAX_ATTACHMENT_BYTES } from '../../../src/shared/attachments';
import { pdf, pdfWithObjectStream, png, pngOf, sha256 as sha } from '../../support/files';
import { pdfPages, toAnthropicMessages } from '../../../src/main/core/providers/anthropic-content';
import type { ProviderAttachment, ProviderMessage } from '../../../src/main/core/providers/provider';
import { readZip } from '../../support/zip';
import { SendInput, messages } from '../../../src/shared/messages';
import { writeChatGptExportZip } from '../../fixtures/chatgpt-export-zip';

let fake: FakeAnthropic;
// The server, and every core a test makes with makeCore, stop when the test ends (test/support/cleanup.ts).
beforeEach(async () => {
  fake = await fakeAnthropic({ paceMs: 2 });
});

function rejects(fn: () => unknown): HoldfastError {
  try {
    fn();
  } catch (err) {
    if (err instanceof HoldfastError) return err;
    throw err;
  }
  throw new Error('expected a HoldfastError');
}

describe('attachments: store', () => {
  it('keeps a file once per content under its SHA-256, fsynced before the row, and lists it on the message', async () => {
    const core = makeCore(fake);
    const data = png();
    const a = core.attachments.add({ name: 'shot.png', mime: 'image/png', data });
    const b = core.attachments.add({ name: 'again.png', mime: 'image/png', data });
    expect(a.sha256).toBe(sha(data));
    expect(a).toMatchObject({ name: 'shot.png', mime: 'image/png', size: data.length });
    const file = path.join(core.options.dataDir, 'attachments', a.sha256.slice(0, 2), a.sha256);
    expect(fs.readFileSync(file).equals(data)).toBe(true);
    expect(fs.readdirSync(path.dirname(file))).toEqual([a.sha256]); // one file for both uploads, no temp file left
    const conv = core.conversations.create({});
    const sent = core.engine.send({ conversation_id: conv.id, content: 'what is this?', attachments: [a.id, b.id] });
    const user = core.store.message(sent.user_message_id);
    expect(user.attachments).toEqual([
      { id: a.id, name: 'shot.png', mime: 'image/png', size: data.length },
      { id: b.id, name: 'again.png', mime: 'image/png', size: data.length },
    ]);
    expect(core.store.message(sent.assistant_message_id).attachments).toEqual([]);
    const thread = core.conversations.thread(conv.id);
    expect(thread.messages[0]!.attachments?.map((x) => x.id)).toEqual([a.id, b.id]);
    await settled(core, sent.assistant_message_id);
  });

  it('refuses unknown and unreadable files with a reason, and a file over the limit with the limit', () => {
    const core = makeCore(fake);
    expect(
      rejects(() => core.attachments.add({ name: 'a.exe', mime: 'application/x-msdownload', data: Buffer.from('MZ') })).message,
    ).toMatch(/not accepted/);
    expect(rejects(() => core.attachments.add({ name: 'a.png', mime: 'image/png', data: Buffer.from('not a png') })).message).toMatch(
      /not a readable image\/png/,
    );
    expect(rejects(() => core.attachments.add({ name: 'a.txt', mime: 'text/plain', data: Buffer.from([0xff, 0xfe, 0x00]) })).code).toBe(
      'invalid_input',
    );
    const big = rejects(() =>
      core.attachments.add({ name: 'a.txt', mime: 'text/plain', data: Buffer.alloc(MAX_ATTACHMENT_BYTES + 1, 97) }),
    );
    expect(big.code).toBe('too_large');
    expect(big.message).toContain(String(MAX_ATTACHMENT_BYTES));
    const conv = core.conversations.create({});
    expect(rejects(() => core.engine.send({ conversation_id: conv.id, content: 'x', attachments: ['nope'] })).code).toBe('not_found');
    expect(core.store.messagesOf(conv.id)).toHaveLength(0); // nothing stored when a file is unknown
  });

  it('takes a code or data file whatever type the system gave it (Windows calls .csv Excel and .ts video), checking its bytes', () => {
    const core = makeCore(fake);
    const add = (name: string, mime: string, data: Buffer | string) => core.attachments.add({ name, mime, data: Buffer.from(data) });
    expect(add('code.ts', 'video/mp2t', 'const x = 1;\n').mime).toBe('text/plain');
    expect(add('data.csv', 'application/vnd.ms-excel', 'a,b\n1,2\n').mime).toBe('text/csv');
    expect(add('shot.png', 'application/x-unknown', png()).mime).toBe('image/png');
    // The bytes still decide: a real MPEG stream named .ts is not text, and an unknown type with no known name stays refused.
    expect(rejects(() => add('clip.ts', 'video/mp2t', Buffer.from([0x47, 0x00, 0x11, 0x10]))).message).toMatch(/NUL bytes/);
    expect(rejects(() => add('sheet.xls', 'application/vnd.ms-excel', 'x')).message).toMatch(/application\/vnd\.ms-excel are not accepted/);
  });

  it('collects at start the temp files of a killed write and uploads never attached after the grace period', async () => {
    const dir = tempDir();
    let now = Date.now();
    let core = makeCore(fake, { dataDir: dir, clock: { now: () => now } });
    const kept = core.attachments.add({ name: 'kept.txt', mime: 'text/plain', data: Buffer.from('kept') });
    const stray = core.attachments.add({ name: 'stray.txt', mime: 'text/plain', data: Buffer.from('never attached') });
    const conv = core.conversations.create({});
    const sent = core.engine.send({ conversation_id: conv.id, content: 'hi', attachments: [kept.id] });
    await settled(core, sent.assistant_message_id);
    await core.close();
    const strayFile = path.join(dir, 'attachments', stray.sha256.slice(0, 2), stray.sha256);
    const temp = path.join(dir, 'attachments', 'ab', 'tmp-killed');
    fs.mkdirSync(path.dirname(temp), { recursive: true });
    fs.writeFileSync(temp, 'half');
    // The stray's row would survive (still inside the grace), its file too; the temp file goes at once.
    core = makeCore(fake, { dataDir: dir, clock: { now: () => now } });
    expect(fs.existsSync(temp)).toBe(false);
    expect(core.attachments.find(stray.id)).toBeDefined();
    await core.close();
    now += 25 * 60 * 60 * 1000;
    fs.utimesSync(strayFile, new Date(now - 25 * 3600e3), new Date(now - 25 * 3600e3));
    core = makeCore(fake, { dataDir: dir, clock: { now: () => now } });
    expect(core.attachments.find(stray.id)).toBeUndefined();
    expect(fs.existsSync(strayFile)).toBe(false);
    expect(core.attachments.read(kept.id).data.toString()).toBe('kept');
  });

  it('emptying the trash removes the files no message uses any more and keeps shared ones', async () => {
    const core = makeCore(fake);
    const shared = core.attachments.add({ name: 's.txt', mime: 'text/plain', data: Buffer.from('shared') });
    const own = core.attachments.add({ name: 'o.txt', mime: 'text/plain', data: Buffer.from('own') });
    const c1 = core.conversations.create({});
    const c2 = core.conversations.create({});
    const s1 = core.engine.send({ conversation_id: c1.id, content: 'one', attachments: [shared.id, own.id] });
    const s2 = core.engine.send({ conversation_id: c2.id, content: 'two', attachments: [shared.id] });
    await settled(core, s1.assistant_message_id);
    await settled(core, s2.assistant_message_id);
    core.conversations.trash(c1.id);
    core.emptyTrash();
    const fileOf = (s: string) => path.join(core.options.dataDir, 'attachments', s.slice(0, 2), s);
    expect(core.attachments.find(own.id)).toBeUndefined();
    expect(fs.existsSync(fileOf(own.sha256))).toBe(false);
    expect(core.attachments.read(shared.id).data.toString()).toBe('shared');
  });
});

describe('attachments: sent as Anthropic blocks', () => {
  it('sends images and PDFs as base64 blocks and text files as text documents, byte for byte, and resends them on retry', async () => {
    const core = makeCore(fake);
    const image = png(64);
    const doc = pdf(2);
    const text = Buffer.from('name,value\nα,1\n');
    const ids = [
      core.attachments.add({ name: 'p.png', mime: 'image/png', data: image }).id,
      core.attachments.add({ name: 'd.pdf', mime: 'application/pdf', data: doc }).id,
      core.attachments.add({ name: 't.csv', mime: 'text/csv', data: text }).id,
    ];
    const conv = core.conversations.create({});
    const sent = core.engine.send({ conversation_id: conv.id, content: 'look [len=300]', attachments: ids });
    expect((await settled(core, sent.assistant_message_id)).status).toBe('completed');
    const files = fake.requests.at(-1)!.files!;
    expect(files.map((f) => [f.type, f.source, f.media_type])).toEqual([
      ['image', 'base64', 'image/png'],
      ['document', 'base64', 'application/pdf'],
      ['document', 'text', 'text/plain'],
    ]);
    expect(sha(files[0]!.data)).toBe(sha(image));
    expect(sha(files[1]!.data)).toBe(sha(doc));
    expect(files[2]!.data.equals(text)).toBe(true);
    expect(fake.requests.at(-1)!.messages[0]!.content).toBe('look [len=300]');
    // A later turn sends the earlier turn's files again (the history includes them).
    const next = core.engine.send({ conversation_id: conv.id, content: 'and now? [len=50]' });
    await settled(core, next.assistant_message_id);
    expect(fake.requests.at(-1)!.files!.map((f) => sha(f.data))).toEqual([sha(image), sha(doc), sha(text)]);
  });

  it('a message of files alone (no text) is taken and sent as the file blocks only: no empty text block', async () => {
    const core = makeCore(fake);
    const image = png(32);
    const text = Buffer.from('just the notes\n');
    const ids = [
      core.attachments.add({ name: 'shot.png', mime: 'image/png', data: image }).id,
      core.attachments.add({ name: 'notes.txt', mime: 'text/plain', data: text }).id,
    ];
    const conv = core.conversations.create({});
    // The contract takes empty text when files come with it, and still refuses a message with neither.
    expect(SendInput.safeParse({ conversation_id: conv.id, content: '  ', attachments: ids }).success).toBe(true);
    expect(SendInput.safeParse({ conversation_id: conv.id, content: ' ' }).success).toBe(false);
    expect(SendInput.safeParse({ conversation_id: conv.id, content: '', attachments: [] }).success).toBe(false);
    const editInput = messages['messages.edit'].input;
    expect(editInput.safeParse({ message_id: 'm', content: '', attachments: ids }).success).toBe(true);
    expect(editInput.safeParse({ message_id: 'm', content: '' }).success).toBe(false);
    expect(rejects(() => core.engine.send({ conversation_id: conv.id, content: '' })).code).toBe('invalid_input');

    const sent = core.engine.send({ conversation_id: conv.id, content: '', attachments: ids });
    expect((await settled(core, sent.assistant_message_id)).status).toBe('completed');
    expect(fake.requests.at(-1)!.blocks).toEqual([['image', 'document']]);
    expect(fake.requests.at(-1)!.files!.map((f) => sha(f.data))).toEqual([sha(image), sha(text)]);
    // A follow-up resends the text-less turn as its files alone.
    const next = core.engine.send({ conversation_id: conv.id, content: 'and? [len=40]' });
    expect((await settled(core, next.assistant_message_id)).status).toBe('completed');
    expect(fake.requests.at(-1)!.blocks).toEqual([['image', 'document'], ['text'], ['text']]);
    // Editing to files alone works the same way.
    const edited = core.engine.edit(next.user_message_id, '', [ids[1]!]);
    expect((await settled(core, edited.assistant_message_id)).status).toBe('completed');
    expect(fake.requests.at(-1)!.blocks).toEqual([['image', 'document'], ['text'], ['document']]);
  });

  it('continuing an interrupted answer resends the same files', async () => {
    const core = makeCore(fake);
    const image = png(128);
    const id = core.attachments.add({ name: 'p.png', mime: 'image/png', data: image }).id;
    fake.script({ kind: 'drop', after: 'middle' });
    const conv = core.conversations.create({});
    const sent = core.engine.send({ conversation_id: conv.id, content: 'describe [len=1500]', attachments: [id] });
    const m = await settled(core, sent.assistant_message_id);
    expect(m.content).toBe(FakeAnthropic.answer('describe [len=1500]'));
    expect(fake.requests.length).toBeGreaterThanOrEqual(2);
    for (const r of fake.requests) expect(r.files?.map((f) => sha(f.data))).toEqual([sha(image)]);
  });

  it('an image or PDF over the provider limit is refused when sent, naming the limit, so the conversation goes on', async () => {
    const core = makeCore(fake);
    const conv = core.conversations.create({});
    // 4 MB of file is 5.3 MB of base64: Anthropic counts the base64.
    const big = core.attachments.add({ name: 'big.png', mime: 'image/png', data: png(4 * 1024 * 1024) });
    const wide = core.attachments.add({ name: 'wide.png', mime: 'image/png', data: pngOf(9000, 100) });
    const bytes = rejects(() => core.engine.send({ conversation_id: conv.id, content: 'too big', attachments: [big.id] }));
    expect(bytes.code).toBe('invalid_input');
    expect(bytes.message).toBe('big.png is 5.3 MB as base64; Anthropic takes images of at most 5 MB (base64)');
    const pixels = rejects(() => core.engine.send({ conversation_id: conv.id, content: 'too wide', attachments: [wide.id] }));
    expect(pixels.message).toBe('wide.png is 9000×100 px; Anthropic takes images of at most 8000 px on the long edge');
    expect(core.store.messagesOf(conv.id)).toHaveLength(0); // nothing stored
    const fits = core.attachments.add({ name: 'fits.png', mime: 'image/png', data: pngOf(8000, 10) });
    await settled(
      core,
      core.engine.send({ conversation_id: conv.id, content: 'fits [len=20]', attachments: [fits.id] }).assistant_message_id,
    );
    expect(fake.requests).toHaveLength(1);
    // Stored, a PDF the provider refuses would go with every later turn and fail each of them: refused before it is kept.
    const pages = core.attachments.add({ name: 'long.pdf', mime: 'application/pdf', data: pdf(101) });
    const long = rejects(() => core.engine.send({ conversation_id: conv.id, content: 'too long', attachments: [pages.id] }));
    expect(long.code).toBe('invalid_input');
    expect(long.message).toBe('long.pdf has 101 pages; Anthropic takes PDFs of at most 100 pages');
    expect(core.store.messagesOf(conv.id)).toHaveLength(2);
    const next = core.engine.send({ conversation_id: conv.id, content: 'and now [len=20]' });
    expect((await settled(core, next.assistant_message_id)).status).toBe('completed');
    // A file stored before this check (or sent to another provider first) is still refused by the provider, naming the limit.
    const attachment = { kind: 'document' as const, name: 'long.pdf', mime: 'application/pdf', data: pdf(101) };
    expect(() => toAnthropicMessages([{ role: 'user', content: 'x', attachments: [attachment] }], 'claude-sonnet-4-5')).toThrow(
      'long.pdf has 101 pages; Anthropic takes PDFs of at most 100 pages',
    );
  });

  it('a model without vision ends `error` saying so', async () => {
    const core = makeCore(fake, { model: 'claude-2.1' });
    const id = core.attachments.add({ name: 'p.png', mime: 'image/png', data: png() }).id;
    const conv = core.conversations.create({});
    const sent = core.engine.send({ conversation_id: conv.id, content: 'see?', attachments: [id] });
    expect((await settled(core, sent.assistant_message_id)).error).toMatch(/claude-2\.1 cannot read images or PDFs/);
  });
});

describe('attachments: the request totals', () => {
  it('past 100 images in a conversation, the oldest go as a note naming the file and the limit, and the answer completes', async () => {
    const core = makeCore(fake);
    const conv = core.conversations.create({});
    const images: { name: string; data: Buffer }[] = [];
    // 20 files per message at most: five turns of 20, then one more image, is 101.
    for (let turn = 0; turn < 6; turn++) {
      const ids: string[] = [];
      for (let i = 0; i < (turn < 5 ? 20 : 1); i++) {
        const image = { name: `shot-${turn}-${i}.png`, data: png(32) };
        images.push(image);
        ids.push(core.attachments.add({ name: image.name, mime: 'image/png', data: image.data }).id);
      }
      const sent = core.engine.send({ conversation_id: conv.id, content: `turn ${turn} [len=20]`, attachments: ids });
      expect((await settled(core, sent.assistant_message_id)).status).toBe('completed');
    }
    const last = fake.requests.at(-1)!;
    expect(last.files!.map((f) => sha(f.data))).toEqual(images.slice(1).map((i) => sha(i.data)));
    expect(last.messages[0]!.content).toBe('[image shot-0-0.png not resent: at most 100 images per request]\n\nturn 0 [len=20]');
    expect(last.messages.at(-1)!.content).toBe('turn 5 [len=20]');
    // Nothing leaves the database: the first message still lists its 20 files.
    expect(core.conversations.thread(conv.id).messages[0]!.attachments).toHaveLength(20);
  });

  it('PDFs past 100 pages or 32 MB per request: older ones go as a note; a new message whose own PDFs break it is refused', async () => {
    const doc = (name: string, pages: number) => ({ kind: 'document' as const, name, mime: 'application/pdf', data: pdf(pages) });
    const wire = toAnthropicMessages(
      [
        { role: 'user', content: 'first', attachments: [doc('old.pdf', 60)] },
        { role: 'assistant', content: 'ok' },
        { role: 'user', content: 'second', attachments: [doc('new.pdf', 60)] },
      ],
      'claude-sonnet-4-5',
    );
    expect(wire[0]!.content).toBe('[file old.pdf not resent: at most 100 PDF pages per request]\n\nfirst');
    expect((wire[2]!.content as { type: string }[]).map((b) => b.type)).toEqual(['document', 'text']);
    // User turns merged after answers that failed empty may hold more than a request takes: fitted, not refused.
    const many = Array.from({ length: 101 }, (_, i) => ({ kind: 'image' as const, name: `m${i}.png`, mime: 'image/png', data: png() }));
    const merged = toAnthropicMessages([{ role: 'user', content: 'all', attachments: many }], 'claude-sonnet-4-5');
    const blocks = merged[0]!.content as { type: string; text?: string }[];
    expect(blocks.filter((b) => b.type === 'image')).toHaveLength(100);
    expect(blocks.at(-1)!.text).toBe('[image m0.png not resent: at most 100 images per request]\n\nall');
    const core = makeCore(fake);
    const conv = core.conversations.create({});
    const ids = ['a.pdf', 'b.pdf'].map((name) => core.attachments.add({ name, mime: 'application/pdf', data: pdf(60) }).id);
    const refused = rejects(() => core.engine.send({ conversation_id: conv.id, content: 'both', attachments: ids }));
    expect(refused.code).toBe('invalid_input');
    expect(refused.message).toBe("This message's files go past Anthropic's limit: at most 100 PDF pages per request");
    expect(core.store.messagesOf(conv.id)).toHaveLength(0);
  });
});

describe("attachments: counting a PDF's pages", () => {
  it('counts page objects kept plainly and inside compressed object streams; a file without any gives no count', () => {
    expect(pdfPages(pdf(3))).toBe(3);
    expect(pdfPages(pdfWithObjectStream(101))).toBe(101); // plain text holds only "/Type /Pages": the pages are compressed
    expect(pdfPages(Buffer.from('%PDF-1.5\n%%EOF\n'))).toBeNull();
    const broken = pdfWithObjectStream(5);
    broken.fill(0x41, broken.indexOf('stream\n') + 7, broken.indexOf('stream\n') + 20); // a damaged stream counts as none
    expect(pdfPages(broken)).toBeNull();
  });

  it('inflates at most 64 MiB over all object streams together: a file of many small bombs is not inflated past that', () => {
    // Each 64 KiB stream inflates to 32 MiB (deflate's ratio is about 1000:1): a 32 MB PDF could hold 500 of them, 16 GB
    // inflated on every send and every later turn, with the main process blocked. The bound was per stream only.
    const bomb = zlib.deflateSync(Buffer.alloc(32 * 1024 * 1024, 0x20));
    const bombs = Array.from({ length: 3 }, (_, i) =>
      Buffer.concat([
        Buffer.from(`${i + 10} 0 obj << /Type /ObjStm /N 1 /First 4 /Filter /FlateDecode /Length ${bomb.length} >> stream\n`, 'latin1'),
        bomb,
        Buffer.from('\nendstream\nendobj\n', 'latin1'),
      ]),
    );
    // Three bombs (96 MiB inflated) and then real compressed pages: the pages lie past the budget and are not counted.
    const file = Buffer.concat([...bombs, pdfWithObjectStream(7)]);
    expect(pdfPages(file)).toBeNull();
    // Within the budget the same pages are counted.
    expect(pdfPages(Buffer.concat([bombs[0]!, pdfWithObjectStream(7)]))).toBe(7);
  });
});

describe('attachments: an older file the answering model cannot take', () => {
  it('goes as a note naming it and why, so the conversation goes on; the same file in the newest turn still fails the answer', () => {
    const big: ProviderAttachment = { kind: 'image', name: 'wide.png', mime: 'image/png', data: pngOf(9000, 100) };
    const small: ProviderAttachment = { kind: 'image', name: 'ok.png', mime: 'image/png', data: png(512) };
    // Stored while the conversation answered from a provider without Anthropic's pixel limit, then switched to Anthropic.
    const history: ProviderMessage[] = [
      { role: 'user', content: 'look', attachments: [big, small] },
      { role: 'assistant', content: 'seen' },
      { role: 'user', content: 'and now?' },
    ];
    const wire = toAnthropicMessages(history, 'claude-sonnet-4-5');
    const first = wire[0]!.content as { type: string; text?: string }[];
    expect(first.map((b) => b.type)).toEqual(['image', 'text']); // ok.png still goes
    expect(first[1]!.text).toMatch(/^\[image wide\.png not resent: .*8000.*\]\n\nlook$/s);
    expect(wire[2]).toEqual({ role: 'user', content: 'and now?' });
    expect(() => toAnthropicMessages([{ role: 'user', content: 'look', attachments: [big] }], 'claude-sonnet-4-5')).toThrow(/8000/);
  });
});

describe('attachments: search', () => {
  it('finds a message by the text inside its text attachment, and no longer once the conversation is trashed', async () => {
    const core = makeCore(fake);
    const notes = core.attachments.add({ name: 'notes.md', mime: 'text/markdown', data: Buffer.from('the quarterly zephyrine budget\n') });
    core.attachments.add({ name: 'loose.txt', mime: 'text/plain', data: Buffer.from('zephyrine but never attached') });
    const conv = core.conversations.create({ title: 'Plans' });
    const sent = core.engine.send({ conversation_id: conv.id, content: 'summarise [len=40]', attachments: [notes.id] });
    await settled(core, sent.assistant_message_id);
    const hits = core.search.search('zephyr');
    expect(hits).toHaveLength(1);
    expect(hits[0]).toMatchObject({ message_id: sent.user_message_id, conversation_id: conv.id, role: 'user' });
    expect(hits[0]!.snippet).toContain('notes.md: ');
    expect(hits[0]!.snippet).toContain('<mark>zephyrine</mark>');
    core.conversations.trash(conv.id);
    expect(core.search.search('zephyrine')).toHaveLength(0);
  });
});

describe('attachments: archive', () => {
  it('the archive is a .zip with the files when messages carry them, and round-trips into an empty database byte for byte', async () => {
    const a = makeCore(fake);
    const image = png(4096);
    const doc = pdf(3);
    const text = Buffer.from('zephyrine notes: ünïcode\n');
    const ids = [
      a.attachments.add({ name: 'p.png', mime: 'image/png', data: image }).id,
      a.attachments.add({ name: 'd.pdf', mime: 'application/pdf', data: doc }).id,
      a.attachments.add({ name: 'n.txt', mime: 'text/plain', data: text }).id,
    ];
    const conv = a.conversations.create({ title: 'With files' });
    const first = a.engine.send({ conversation_id: conv.id, content: 'one [len=40]', attachments: ids });
    await settled(a, first.assistant_message_id);
    const second = a.engine.send({ conversation_id: conv.id, content: 'two [len=40]', attachments: [ids[0]!] }); // the same file again
    await settled(a, second.assistant_message_id);
    expect(a.exchange.archiveKind()).toMatchObject({ zip: true, mime: 'application/zip' });
    const zip = path.join(tempDir(), 'archive.zip');
    fs.writeFileSync(zip, Buffer.concat([...a.exchange.exportArchiveZip()]));

    const b = makeCore(fake);
    const result = await b.exchange.importFile(zip);
    expect(result).toMatchObject({ format: 'holdfast', conversations: 1, messages: 4 });
    expect(result.notes).toContain('3 attached file(s) restored');
    for (const m of a.store.messagesOf(conv.id)) expect(b.store.message(m.id).attachments).toEqual(m.attachments);
    for (const id of ids) expect(sha(b.attachments.read(id).data)).toBe(sha(a.attachments.read(id).data));
    expect(b.search.search('zephyrine')[0]?.message_id).toBe(first.user_message_id);
    // Importing it again adds nothing.
    const again = await b.exchange.importFile(zip);
    expect(again).toMatchObject({ conversations: 0, skipped: 1 });
    expect(again.notes).not.toContain('3 attached file(s) restored');
    // Without files the archive is the JSON it always was.
    const c = makeCore(fake);
    expect(c.exchange.archiveKind()).toMatchObject({ zip: false, mime: 'application/json' });
  });

  it('a zip whose file does not match its hash is refused with the reason and imports nothing', async () => {
    const a = makeCore(fake);
    const id = a.attachments.add({ name: 'p.png', mime: 'image/png', data: png() }).id;
    const conv = a.conversations.create({});
    const sent = a.engine.send({ conversation_id: conv.id, content: 'x [len=20]', attachments: [id] });
    await settled(a, sent.assistant_message_id);
    const bytes = Buffer.concat([...a.exchange.exportArchiveZip()]);
    const sha256 = a.attachments.get(id).sha256;
    // Flip one byte inside the stored file's body (stored entries: the bytes are there as they are).
    const at = bytes.indexOf(Buffer.from(`attachments/${sha256}`)) + `attachments/${sha256}`.length + 40;
    bytes[at] = bytes[at]! ^ 0xff;
    const zip = path.join(tempDir(), 'bad.zip');
    fs.writeFileSync(zip, bytes);
    const b = makeCore(fake);
    await expect(b.exchange.importFile(zip)).rejects.toThrow(/does not match its SHA-256|damaged|CRC/i);
    expect(b.attachments.find(id)).toBeUndefined();
    expect(b.store.allConversations()).toHaveLength(0); // refused whole, like any malformed file
  });
});

describe('attachments: ChatGPT export .zip', () => {
  it('keeps the uploaded images and files the zip holds with their messages, without their placeholders, and says which it lacks', async () => {
    const zip = path.join(tempDir(), 'chatgpt.zip');
    const fixture = writeChatGptExportZip(zip);
    const core = makeCore(fake);
    const result = await core.exchange.importFile(zip);
    expect(result).toMatchObject({ format: 'chatgpt', conversations: 1, messages: 6 });
    expect(result.notes).toContain('4 uploaded file(s) kept from the export');
    expect(result.notes).toContain('2 file(s) the export names are not in the zip; their placeholders say so');
    const c = core.store.allConversations()[0]!;
    const [first, second, third] = core.store.messagesOf(c.id).filter((m) => m.role === 'user');
    expect(first!.attachments!.map((a) => [a.name, a.mime])).toEqual([
      ['cat.png', 'image/png'],
      ['dog.png', 'image/png'], // from a sub-folder of the zip
      ['notes.txt', 'text/plain'],
    ]);
    for (const a of first!.attachments!) expect(sha(core.attachments.read(a.id).data)).toBe(sha(fixture.kept[a.name]!));
    // A kept file's placeholder is gone (the attachment shows it); one the zip lacks says so, in place.
    expect(first!.content).toBe('what are these?\n[file: lost.pdf — not in the export]');
    expect(second!.content).toBe('[image: bird.png — not in the export]\nand this one?');
    expect(second!.attachments).toEqual([]);
    // A newer export's `file_….dat`, typed by nothing, is read by its signature and named to match.
    expect(third!.attachments!.map((a) => [a.name, a.mime])).toEqual([['file_00000000a1b2c3.jpg', 'image/jpeg']]);
    expect(sha(core.attachments.read(third!.attachments![0]!.id).data)).toBe(sha(fixture.kept['file_00000000a1b2c3.jpg']!));
    expect(third!.content).toBe('a photo');
    expect(core.search.search('zephyrine')[0]?.message_id).toBe(first!.id);
    // Importing again adds nothing, files included.
    expect(await core.exchange.importFile(zip)).toMatchObject({ conversations: 0, skipped: 1 });
    expect(core.store.message(first!.id).attachments).toHaveLength(3);
  });

  it('the same export without its zip keeps every placeholder as it was', async () => {
    const dir = tempDir();
    writeChatGptExportZip(path.join(dir, 'chatgpt.zip'));
    const json = (await readZip(fs.readFileSync(path.join(dir, 'chatgpt.zip')))).get('conversations.json')!;
    fs.writeFileSync(path.join(dir, 'conversations.json'), json);
    const core = makeCore(fake);
    await core.exchange.importFile(path.join(dir, 'conversations.json'));
    const user = core.store.messagesOf(core.store.allConversations()[0]!.id).find((m) => m.role === 'user')!;
    expect(user.content).toBe('[image]\n[image]\nwhat are these?\n[file: cat.png]\n[file: dog.png]\n[file: notes.txt]\n[file: lost.pdf]');
  });
});

describe('attachments: exports', () => {
  it('the HTML export embeds images byte for byte and only names other files (an SVG is never embedded)', async () => {
    const core = makeCore(fake);
    const image = png(512);
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>');
    const ids = [
      core.attachments.add({ name: 'p.png', mime: 'image/png', data: image }).id,
      core.attachments.add({ name: 'evil.svg', mime: 'image/svg+xml', data: svg }).id,
    ];
    const conv = core.conversations.create({ title: 'Export' });
    const sent = core.engine.send({ conversation_id: conv.id, content: 'look [len=30]', attachments: ids });
    await settled(core, sent.assistant_message_id);
    const html = core.exchange.exportConversation(conv.id, 'html').content;
    const embedded = [...html.matchAll(/<img class="file" alt="([^"]*)" src="data:([^;]+);base64,([^"]+)">/g)];
    expect(embedded.map((m) => [m[1], m[2]])).toEqual([['p.png', 'image/png']]);
    expect(sha(Buffer.from(embedded[0]![3]!, 'base64'))).toBe(sha(image));
    expect(html).toContain('📎 evil.svg (image/svg+xml,');
    expect(html).not.toContain('onload');
  });
});

describe('attachments: Markdown export with its files', () => {
  it('is a .zip of the Markdown and the files it links to by relative path, each byte for byte; without files, the .md alone', async () => {
    const core = makeCore(fake);
    const first = png(300);
    const second = png(301); // same name, other bytes: written under another name
    const notes = Buffer.from('zephyr notes\n');
    const add = (name: string, mime: string, data: Buffer) => core.attachments.add({ name, mime, data }).id;
    const conv = core.conversations.create({ title: 'Files: beside' });
    const a = core.engine.send({
      conversation_id: conv.id,
      content: 'look [len=20]',
      attachments: [add('p.png', 'image/png', first), add('my notes (v1).txt', 'text/plain', notes)],
    });
    await settled(core, a.assistant_message_id);
    const b = core.engine.send({
      conversation_id: conv.id,
      content: 'and this [len=20]',
      attachments: [add('p.png', 'image/png', second)],
    });
    await settled(core, b.assistant_message_id);
    const out = core.exchange.exportConversation(conv.id, 'md');
    expect(out).toMatchObject({ filename: 'Files beside.zip', mime: 'application/zip', encoding: 'base64' });
    const entries = await readZip(Buffer.from(out.content, 'base64'));
    const md = entries.get('Files beside.md')!.toString('utf8');
    expect(md).toContain('look');
    // Every link (image or not) resolves, relative to the Markdown, to a file in the zip with the original bytes.
    const links = [...md.matchAll(/!?\[(?:\\.|[^\]\\])*\]\(<([^>]+)>\)/g)].map((m) => decodeURIComponent(m[1]!));
    expect(links).toEqual(['attachments/p.png', 'attachments/my notes (v1).txt', 'attachments/p (2).png']);
    expect(links.map((l) => sha(entries.get(l)!))).toEqual([sha(first), sha(notes), sha(second)]);
    expect(md).toContain(`![📎 p.png (image/png, ${first.length} bytes)](<attachments/p.png>)`); // images show as images
    expect([...entries.keys()].sort()).toEqual(['Files beside.md', ...links].sort());
    // A conversation without files is the Markdown alone, as before.
    const plain = core.conversations.create({ title: 'Plain' });
    const c = core.engine.send({ conversation_id: plain.id, content: 'hi [len=10]' });
    await settled(core, c.assistant_message_id);
    const text = core.exchange.exportConversation(plain.id, 'md');
    expect(text).toMatchObject({ filename: 'Plain.md', mime: 'text/markdown; charset=utf-8' });
    expect(text).not.toHaveProperty('encoding');
  });
});

describe('attachments: Markdown export past its size', () => {
  it('refuses (413 too_large, naming the archive) when the files would not fit one in-memory .zip, rather than exhaust memory', async () => {
    const core = makeCore(fake);
    const conv = core.conversations.create({ title: 'Big files' });
    const files = [png(4000), png(4000)].map((data, i) => core.attachments.add({ name: `p${i}.png`, mime: 'image/png', data }).id);
    const a = core.engine.send({ conversation_id: conv.id, content: 'look [len=20]', attachments: files });
    await settled(core, a.assistant_message_id);
    // The same core's parts, with a limit of 6000 bytes of files (the default is 256 MB): the two files come to about 8 KB.
    const small = new Exchange({
      store: core.store,
      attachments: core.attachments,
      conversations: core.conversations,
      sync: core.sync,
      options: { dataDir: core.options.dataDir, markdownZipBytes: 6000 },
    });
    const refused = rejects(() => small.exportConversation(conv.id, 'md'));
    expect(refused.code).toBe('too_large');
    expect(refused.message).toMatch(/Markdown export with its files holds at most 0 MB\. Export everything as an archive/);
    expect(httpStatusFor[refused.code]).toBe(413);
    // Under the limit the .zip is made as before, and the other formats are not limited by it.
    expect(core.exchange.exportConversation(conv.id, 'md').encoding).toBe('base64');
    expect(small.exportConversation(conv.id, 'json').filename).toBe('Big files.json');
  });
});

describe('attachments: long names in other scripts', () => {
  it('names each file in a Markdown export in at most 255 UTF-8 bytes, so the .zip unpacks on Linux and macOS', async () => {
    const core = makeCore(fake);
    // 150 Chinese characters: 154 UTF-16 units (kept whole) but 454 bytes in UTF-8, which is what a file system counts.
    const wide = core.attachments.add({ name: `${'汉'.repeat(150)}.txt`, mime: 'text/plain', data: Buffer.from('body\n') });
    const conv = core.conversations.create({ title: 'Wide names' });
    const sent = core.engine.send({ conversation_id: conv.id, content: 'names [len=10]', attachments: [wide.id] });
    await settled(core, sent.assistant_message_id);
    const entries = await readZip(Buffer.from(core.exchange.exportConversation(conv.id, 'md').content, 'base64'));
    const files = [...entries.keys()].filter((name) => name.startsWith('attachments/'));
    expect(files).toHaveLength(1);
    const name = files[0]!.slice('attachments/'.length);
    expect(Buffer.byteLength(name)).toBeLessThanOrEqual(255);
    expect(name).toMatch(/^汉+\.txt$/u); // cut by whole characters, the extension kept
  });
});

describe('attachments: hostile and long names', () => {
  it('keeps a name readable (no folders, no direction overrides, no dot names, its extension kept) and every export works with it', async () => {
    const core = makeCore(fake);
    const add = (name: string, mime = 'text/plain') => core.attachments.add({ name, mime, data: Buffer.from(`body of ${name}\n`) });
    const emoji = add(`ab${'😀'.repeat(150)}.txt`); // 305 UTF-16 units: a cut at 255 or 120 falls inside a pair
    const long = add(`${'a'.repeat(300)}.csv`, 'text/csv');
    const rtl = add('invoice\u202Etxt.exe'); // shows as "invoiceexe.txt" where the override is honoured
    const dots = add('..');
    const markup = add('<img src=x onerror=alert(1)> *b* [l](j:x).txt'); // a name is never Markdown or HTML in the export
    const up = add('../../x');
    for (const a of [emoji, long]) {
      expect(a.name.length).toBeLessThanOrEqual(255);
      expect(a.name).not.toMatch(/\p{Cs}/u); // no half of a character
    }
    expect(emoji.name).toMatch(/^ab(😀)+\.txt$/u);
    expect(long.name).toBe(`${'a'.repeat(251)}.csv`);
    expect(rtl.name).toBe('invoicetxt.exe');
    expect(dots.name).toBe('file');
    expect(up.name).toBe('x');
    // The window sends the picked file's own name over the contract: a long one is cut the same way, never refused.
    const picked = (await core.call('attachments.add', {
      name: `${'p'.repeat(300)}.md`,
      mime: 'text/markdown',
      data: Buffer.from('# notes\n').toString('base64'),
    })) as { name: string };
    expect(picked.name).toBe(`${'p'.repeat(252)}.md`);
    // Markup a browser runs is written beside the Markdown as text: a link followed from the .md opens no page.
    const page = add('evil.html', 'text/html');
    const drawing = add('evil.svg', 'image/svg+xml');
    // A title whose cut for a file name falls inside a character (astral letters are kept in names).
    const conv = core.conversations.create({ title: `x${'𝐀'.repeat(40)}` });
    const sent = core.engine.send({
      conversation_id: conv.id,
      content: 'names [len=10]',
      attachments: [emoji.id, long.id, rtl.id, dots.id, markup.id, page.id, drawing.id],
    });
    await settled(core, sent.assistant_message_id);
    for (const format of ['md', 'html', 'json'] as const) {
      const out = core.exchange.exportConversation(conv.id, format);
      expect(out.filename).not.toMatch(/\p{Cs}/u);
      expect(() => encodeURIComponent(out.filename)).not.toThrow(); // what the host's content-disposition does
    }
    const out = core.exchange.exportConversation(conv.id, 'md');
    const entries = await readZip(Buffer.from(out.content, 'base64'));
    const md = [...entries].find(([name]) => name.endsWith('.md'))![1].toString('utf8');
    const links = [...md.matchAll(/!?\[(?:\\.|[^\]\\])*\]\(<([^>]+)>\)/g)].map((m) => decodeURIComponent(m[1]!));
    expect(links).toHaveLength(7);
    expect(links.slice(5)).toEqual(['attachments/evil.html.txt', 'attachments/evil.svg.txt']);
    expect(md).not.toMatch(/(?<!\\)<img/); // only as escaped text
    expect(md).toContain('\\<img src=x onerror=alert(1)\\> \\*b\\* \\[l\\](j:x).txt');
    for (const link of links) expect(entries.get(link)?.toString('utf8')).toMatch(/^body of /);
    expect(links[0]).toMatch(/^attachments\/ab(😀)+\.txt$/u);
    expect(links[1]).toMatch(/^attachments\/a+\.csv$/);
  });
});

describe('attachments: offline', () => {
  it('a message with files written offline is queued, survives a restart, and is sent in order with its files when the network returns', async () => {
    const dir = tempDir();
    let core = makeCore(fake, { dataDir: dir });
    fake.goOffline(60_000);
    core.engine.network.hint(false);
    const image = png(300);
    const text = Buffer.from('# notes\nkept offline\n');
    const img = core.attachments.add({ name: 'p.png', mime: 'image/png', data: image });
    const md = core.attachments.add({ name: 'n.md', mime: 'text/markdown', data: text });
    const conv = core.conversations.create({});
    const first = core.engine.send({ conversation_id: conv.id, content: 'offline one [len=300]', attachments: [img.id] });
    const second = core.engine.send({ conversation_id: conv.id, content: 'offline two [len=300]', attachments: [md.id] });
    for (const s of [first, second]) expect(core.store.message(s.assistant_message_id).status).toBe('queued');
    await core.close();
    core = makeCore(fake, { dataDir: dir });
    await waitFor(() => core.engine.network.state === 'offline', 10_000, 'offline after restart');
    for (const s of [first, second]) expect(core.store.message(s.assistant_message_id).status).toBe('queued');
    expect(core.store.message(first.user_message_id).attachments?.map((a) => a.id)).toEqual([img.id]);
    fake.goOffline(0);
    for (const s of [first, second]) expect((await settled(core, s.assistant_message_id)).status).toBe('completed');
    const one = fake.requests.find((r) => r.messages.at(-1)!.content === 'offline one [len=300]')!;
    expect(one.files!.map((f) => sha(f.data))).toEqual([sha(image)]);
    // The second went out after the first answer, with both turns' files in order.
    const two = fake.requests.find((r) => r.messages.at(-1)!.content === 'offline two [len=300]')!;
    expect(two.messages.map((m) => m.content)).toEqual([
      'offline one [len=300]',
      FakeAnthropic.answer('offline one [len=300]'),
      'offline two [len=300]',
    ]);
    expect(two.files!.map((f) => [f.message, sha(f.data)])).toEqual([
      [0, sha(image)],
      [2, sha(text)],
    ]);
  });
});
