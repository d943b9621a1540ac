import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { beforeEach, describe, expect, it } from 'vitest';
import { FakeAnthropic } from '../../../support/fake-anthropic';
import { makeCore, tempDir } from '../../../support/core';
import { fakeAnthropic } from '../../../support/servers';
import { writeZip } from '../../../support/zip';
import { archiveOf, chainConversation } from '../../../support/archive';
import { HoldfastError } from '../../../../src/shared/errors';
import type { HoldfastEvent } from '../../../../src/shared/sync';
import { Importer } from '../../../../src/main/core/exchange/import';
import { crossError, rebuildError, stageInWorker } from '../../../../src/main/core/exchange/import-thread';
import { stageFiles, type ImportProgress } from '../../../../src/main/core/exchange/stage';

const fixture = (name: string) => path.resolve(import.meta.dirname, '../../../fixtures', name);
let fake: FakeAnthropic;
// The server, and every core a test makes with makeCore, stop when the test ends (test/support/cleanup.ts).
beforeEach(async () => {
  fake = await fakeAnthropic({ paceMs: 1 });
});

/** Ids as a counter: the same sequence on either thread, so two stagings can be compared row by row. */
const counter = (prefix: string) => {
  let n = 0;
  return () => `${prefix}${String(++n).padStart(6, '0')}`;
};

/** Every staged row, in a stable order. */
function stagedRows(file: string): unknown {
  const db = new Database(file, { readonly: true });
  try {
    return ['c', 'm', 'f'].map((t) => db.prepare(`SELECT * FROM ${t} ORDER BY ${t === 'f' ? 'message_id, ord' : 'id'}`).all());
  } finally {
    db.close();
  }
}

/** An archive of `conversations` chains of 100 messages, about 1 KB each (so a few MB: several batches, progress on the way). */
function longArchive(conversations: number): string {
  const text = (c: number, i: number) => `${c}/${i} `.padEnd(1000, 'lorem ipsum ');
  return archiveOf(
    Array.from({ length: conversations }, (_, c) =>
      chainConversation({ id: `conv${c}`, messages: 100, prefix: `c${c}m`, at: 1_700_000_000_000 + c, content: (i) => text(c, i) }),
    ),
  );
}

describe('import on a worker thread', () => {
  it('stages a ChatGPT export, a Claude export and a zip’s ChatGPT files exactly as this thread does, with the ids it is given', async () => {
    const dir = tempDir();
    const items = JSON.parse(fs.readFileSync(fixture('chatgpt-conversations.json'), 'utf8')) as unknown[];
    // A zip's entries, as the importer extracts them.
    fs.writeFileSync(path.join(dir, '01.json'), JSON.stringify(items[0]));
    fs.writeFileSync(path.join(dir, '02.json'), JSON.stringify(items[1]));
    const inputs = [
      [{ name: '', file: fixture('chatgpt-conversations.json') }],
      [{ name: '', file: fixture('claude-conversations.json') }],
      [
        { name: 'chats/01.json', file: path.join(dir, '01.json') },
        { name: 'chats/02.json', file: path.join(dir, '02.json') },
      ],
    ];
    for (const [i, files] of inputs.entries()) {
      const here = path.join(dir, `here-${i}.db`);
      const there = path.join(dir, `there-${i}.db`);
      const next = counter('id');
      const expected = await stageFiles({ files, stagingFile: here, stageBatchChars: 1_000_000 }, { reserve: () => undefined, next });
      const outcome = await stageInWorker({ files, stagingFile: there, stageBatchChars: 1_000_000 }, { newId: counter('id') });
      expect(outcome).toEqual(expected);
      expect(outcome.items).toBeGreaterThan(0);
      expect(stagedRows(there)).toEqual(stagedRows(here));
    }
  });

  it('imports a real-shaped export with the same result as before, its rows taking their ids from the core’s id source', async () => {
    const next = counter('given-');
    const core = makeCore(fake, { ids: { next } });
    const result = await core.exchange.importFile(fixture('chatgpt-conversations.json'));
    // The result the in-thread importer gave for this file (import.test.ts holds it too).
    expect(result).toEqual({
      format: 'chatgpt',
      conversations: 2,
      messages: 8,
      skipped: 0,
      skipped_empty: 0,
      skipped_duplicate: 0,
      dropped_messages: 0,
      cycles_broken: 0,
      replaced_characters: 0,
      notes: [],
    });
    const conversations = core.store.allConversations();
    expect(conversations).toHaveLength(2);
    for (const c of conversations) {
      expect(c.id).toMatch(/^given-\d{6}$/);
      for (const m of core.store.messagesOf(c.id)) expect(m.id).toMatch(/^given-\d{6}$/);
    }
  });

  it('publishes progress from the worker while a large archive streams, then once done', async () => {
    const dir = tempDir();
    const core = makeCore(fake, { dataDir: dir });
    const file = path.join(dir, 'archive.json');
    fs.writeFileSync(file, longArchive(40));
    const total = fs.statSync(file).size;
    const events: Extract<HoldfastEvent, { type: 'exchange.didProgress' }>[] = [];
    const stop = core.sync.subscribe((e) => {
      if (e.type === 'exchange.didProgress') events.push(e);
    });
    expect(await core.exchange.importFile(file)).toMatchObject({ format: 'holdfast', conversations: 40, messages: 4000 });
    stop();
    const during = events.filter((e) => !e.done);
    expect(during.length).toBeGreaterThanOrEqual(3); // one a megabyte, then the end of the file
    expect(during.every((e) => e.total === total && e.bytes <= total)).toBe(true);
    expect(during.map((e) => e.bytes)).toEqual([...during.map((e) => e.bytes)].sort((a, b) => a - b));
    expect(during.at(-1)).toMatchObject({ bytes: total, conversations: 40 });
    expect(events.at(-1)).toMatchObject({ done: true, conversations: 40 });
  });

  it('a file that turns out bad late (after batches were staged) fails with the same error, leaves no staging or temp file and imports nothing', async () => {
    const dir = tempDir();
    const core = makeCore(fake, { dataDir: dir });
    const tmp = path.join(dir, 'tmp');
    const good = longArchive(30);
    const bad = `${good.slice(0, Math.floor(good.length * 0.9))} not json`;
    const file = path.join(dir, 'late.json');
    fs.writeFileSync(file, bad);
    const importer = new Importer(core.store, tmp, { stageBatchChars: 50_000 });
    const progress: ImportProgress[] = [];
    const failure = await importer.importFile(file, (p) => progress.push(p)).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(HoldfastError);
    expect(failure).toMatchObject({ code: 'invalid_input', message: expect.stringMatching(/^The file is not valid JSON: \S/) });
    expect(progress.at(-1)!.conversations).toBeGreaterThan(10); // it failed well into the file, batches already staged
    expect(fs.readdirSync(tmp)).toEqual([]);
    expect(core.store.allConversations()).toHaveLength(0);
    expect(core.db.prepare('SELECT count(*) AS n FROM messages').get()).toEqual({ n: 0 });
    // The same in a zip: the extracted entries go too, and the entry is named.
    const zip = path.join(dir, 'late.zip');
    writeZip(zip, { 'a/first.json': longArchive(1), 'z/later.json': bad });
    await expect(core.exchange.importFile(zip)).rejects.toThrow(/^z\/later\.json is not valid JSON: \S/);
    expect(fs.readdirSync(tmp)).toEqual([]);
    expect(core.store.allConversations()).toHaveLength(0);
  });

  it('a worker ended mid-import (its progress refused here, so the thread is terminated) leaves no staging or temp file and imports nothing', async () => {
    const dir = tempDir();
    const core = makeCore(fake, { dataDir: dir });
    const tmp = path.join(dir, 'tmp');
    const file = path.join(dir, 'archive.json');
    fs.writeFileSync(file, longArchive(30));
    const importer = new Importer(core.store, tmp, { stageBatchChars: 50_000 });
    let seen = 0;
    const refuse = (p: ImportProgress) => {
      if (++seen === 2 && p.conversations > 0) throw new Error('window gone');
    };
    await expect(importer.importFile(file, refuse)).rejects.toThrow(/^window gone$/);
    expect(seen).toBe(2);
    expect(fs.readdirSync(tmp)).toEqual([]);
    expect(core.store.allConversations()).toHaveLength(0);
    // The core carries on: the same file imports whole.
    expect(await importer.importFile(file)).toMatchObject({ conversations: 30, messages: 3000 });
  });

  it.each([
    [
      'exits without a result',
      'process.exit(3)',
      /^The import stopped before it finished \(its worker ended without a result, exit code 3\); nothing was imported$/,
    ],
    [
      'throws outside the staging',
      "throw new Error('native crash')",
      /^The import stopped before it finished \(native crash\); nothing was imported$/,
    ],
  ])('a worker that %s fails the import with a clear internal error', async (_name, body, message) => {
    const dir = tempDir();
    const files = [{ name: '', file: fixture('claude-conversations.json') }];
    const failure = await stageInWorker(
      { files, stagingFile: path.join(dir, 'staging.db'), stageBatchChars: 1_000_000 },
      { newId: counter('id') },
      () => new Worker(body, { eval: true }),
    ).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(HoldfastError);
    expect(failure).toMatchObject({ code: 'internal', message: expect.stringMatching(message) });
  });

  it('rebuilds the errors that cross the thread: a HoldfastError with its code and details, another error with its name and code', () => {
    const crossed = structuredClone(crossError(new HoldfastError('invalid_input', 'Item 3 is bad', { item: 3 })));
    const back = rebuildError(crossed);
    expect(back).toBeInstanceOf(HoldfastError);
    expect(back).toMatchObject({ code: 'invalid_input', message: 'Item 3 is bad', details: { item: 3 } });
    const full = Object.assign(new Error('database or disk is full'), { name: 'SqliteError', code: 'SQLITE_FULL' });
    expect(rebuildError(structuredClone(crossError(full)))).toMatchObject({
      name: 'SqliteError',
      code: 'SQLITE_FULL',
      message: 'database or disk is full',
    });
  });
});
