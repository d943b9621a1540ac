/** Hostile stored data and hard faults: parent cycles, killed backups, damaged files, a full disk. */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeAnthropic } from '../../../support/fake-anthropic';
import { anthropicFor, makeCore, settled, tempDir, waitFor } from '../../../support/core';
import { Core, type CoreOptions } from '../../../../src/main/core/core';
import { DamagedDatabaseError, listBackups, restoreLatestBackup } from '../../../../src/main/core/store/backup';
import type { HoldfastEvent } from '../../../../src/shared/sync';
import { parseQuery, QUERY_LIMITS, wordQuery } from '../../../../src/main/core/search';

let fake: FakeAnthropic;
const cores: Core[] = [];
const open = (options: Partial<CoreOptions> = {}) => {
  const c = makeCore(fake, options);
  cores.push(c);
  return c;
};
const closeCore = async (c: Core) => {
  cores.splice(cores.indexOf(c), 1);
  await c.close();
};
beforeEach(async () => {
  fake = await new FakeAnthropic({ paceMs: 1 }).listen();
});
afterEach(async () => {
  for (const c of cores.splice(0)) await c.close().catch(() => undefined);
  await fake.close();
});

function openError(options: CoreOptions): unknown {
  try {
    const c = new Core(options);
    cores.push(c);
  } catch (e) {
    return e;
  }
  return undefined;
}

describe('parent cycles in stored data', () => {
  it("a conversation whose messages are each other's parent (or their own) opens, searches, switches, exports and sends", async () => {
    const dir = tempDir();
    let core = open({ dataDir: dir });
    const conv = core.conversations.create({ title: 'cyclic' });
    // Written straight into SQLite, as a hostile import could have left it.
    const insert = core.db.prepare(
      `INSERT INTO messages (id, conversation_id, parent_id, role, content, status, created_at, last_updated)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    core.db.pragma('foreign_keys = OFF');
    core.db.transaction(() => {
      insert.run('x', conv.id, 'y', 'user', 'ouroboros question', 'completed', 1, 1);
      insert.run('y', conv.id, 'x', 'assistant', 'ouroboros answer', 'completed', 2, 2);
      insert.run('s', conv.id, 's', 'user', 'a message that is its own parent', 'completed', 3, 3);
      insert.run('q1', conv.id, 'x', 'assistant', '', 'queued', 4, 4);
      insert.run('q2', conv.id, 's', 'assistant', '', 'queued', 5, 5);
    })();
    core.db.pragma('foreign_keys = ON');

    expect(core.conversations.thread(conv.id).messages.length).toBeGreaterThan(0);
    const hit = core.search.search('ouroboros')[0]!;
    expect(hit.conversation_id).toBe(conv.id);
    expect(core.conversations.setLeaf(conv.id, hit.message_id).current_leaf_id).toBeTruthy(); // opening the result
    expect(core.conversations.thread(conv.id).messages.map((m) => m.id)).toContain(hit.message_id);
    expect(core.exchange.exportConversation(conv.id, 'md').content).toContain('ouroboros');
    expect(core.sync.pull(0).conversations.some((c) => c.id === conv.id)).toBe(true);

    // A start with messages queued in that conversation walks up their branches: it must end, and send them.
    await closeCore(core);
    core = open({ dataDir: dir });
    expect((await settled(core, 'q1')).status).toBe('completed');
    expect((await settled(core, 'q2')).status).toBe('completed');
    const sent = core.engine.send({ conversation_id: conv.id, content: 'and one more [len=50]', parent_id: 'y' });
    expect((await settled(core, sent.assistant_message_id)).content).toBe(FakeAnthropic.answer('and one more [len=50]'));
  });
});

describe('backups', () => {
  it('a killed backup is never listed, named as the latest good one, or restored; restore checks and falls back', async () => {
    const dir = tempDir();
    let core = open({ dataDir: dir });
    const conv = core.conversations.create({ title: 'kept by the good backup' });
    const good = await core.backups.backupNow('good');
    expect(listBackups(core.backups.dir)).toEqual([good]);
    // Created under a temporary name, checked, then renamed: a partial file never has a backup's name.
    expect(fs.readdirSync(core.backups.dir)).toEqual([path.basename(good)]);
    await closeCore(core);

    const backups = path.join(dir, 'backups');
    // What a SIGKILL mid-backup leaves now (a .partial), and what older versions left under final names: an empty
    // file and a truncated copy, both newer than the good backup.
    fs.writeFileSync(path.join(backups, '2999-01-01T00-00-00-000Z-manual.db.partial'), fs.readFileSync(good).subarray(0, 4096));
    fs.writeFileSync(path.join(backups, '2999-01-02T00-00-00-000Z-manual.db'), '');
    const bytes = fs.readFileSync(good);
    fs.writeFileSync(path.join(backups, '2999-01-03T00-00-00-000Z-manual.db'), bytes.subarray(0, bytes.length - 4096));
    expect(listBackups(backups)[0]).toMatch(/2999-01-03/); // looks like a database; only the full check can tell

    // Damage the database (first page included) and start: the message names a backup that exists and is complete.
    const db = path.join(dir, 'holdfast.db');
    const damaged = fs.readFileSync(db);
    damaged.fill(0x41, 0, 4096 * 2);
    fs.writeFileSync(db, damaged);
    const error = openError({ dataDir: dir, provider: anthropicFor(fake) });
    expect(error).toBeInstanceOf(DamagedDatabaseError);
    expect((error as DamagedDatabaseError).latestBackup).toBe(good); // checked: not the partial, empty or truncated files

    expect(restoreLatestBackup(db, backups)).toBe(good); // the truncated and the empty file fail their check
    core = open({ dataDir: dir });
    expect(core.store.conversation(conv.id).title).toBe('kept by the good backup');
    expect(fs.readdirSync(backups).some((f) => f.endsWith('.partial'))).toBe(false); // the killed backup's leftover is gone
  });
});

describe('damage', () => {
  it('a database whose first page is overwritten is recognised as damage, offering the latest backup, on any start', async () => {
    for (const clean of [true, false]) {
      const dir = tempDir();
      const core = open({ dataDir: dir });
      core.conversations.create({ title: 'x' });
      const backup = await core.backups.backupNow('test');
      await closeCore(core);
      if (!clean) fs.rmSync(path.join(dir, 'holdfast.clean')); // as after a crash
      const db = path.join(dir, 'holdfast.db');
      const bytes = fs.readFileSync(db);
      bytes.fill(0x5a, 0, 4096); // the header and the schema page
      fs.writeFileSync(db, bytes);
      const before = fs.readFileSync(db);
      const error = openError({ dataDir: dir, provider: anthropicFor(fake) });
      expect(error, `clean=${clean}`).toBeInstanceOf(DamagedDatabaseError);
      expect((error as DamagedDatabaseError).latestBackup).toBe(backup);
      expect(fs.readFileSync(db).equals(before)).toBe(true); // never written over
      // The folder is free again for the restore.
      restoreLatestBackup(db, path.join(dir, 'backups'));
      expect(open({ dataDir: dir }).conversations.list()).toHaveLength(1);
    }
  });

  it('after a clean shutdown the full check runs in the background; damage it finds stops writes and is told at once', async () => {
    const dir = tempDir();
    const first = open({ dataDir: dir });
    expect(await first.integrity).toBe('checked at start'); // a new folder: no clean shutdown before
    const conv = first.conversations.create({ title: 'before' });
    for (let i = 0; i < 300; i++)
      first.db
        .prepare(
          `INSERT INTO messages (id, conversation_id, role, content, status, created_at, last_updated) VALUES (?, ?, 'user', ?, 'completed', ?, ?)`,
        )
        .run(`m${i}`, conv.id, `filler text number ${i} `.repeat(40), i, i);
    await closeCore(first);
    expect(fs.existsSync(path.join(dir, 'holdfast.clean'))).toBe(true);

    const healthy = open({ dataDir: dir, integrityCheckDelayMs: 0 });
    expect(await healthy.integrity).toBe('ok');
    await closeCore(healthy);
    fs.rmSync(path.join(dir, 'holdfast.clean')); // as a SIGKILL leaves it: the check runs before anything is written
    const afterCrash = open({ dataDir: dir });
    expect(await afterCrash.integrity).toBe('checked at start');
    await closeCore(afterCrash);

    // Scribble over pages deep in the file (not the first): only the full check can find it.
    const db = path.join(dir, 'holdfast.db');
    const bytes = fs.readFileSync(db);
    bytes.fill(0x41, bytes.length - 4096 * 6, bytes.length - 4096 * 2);
    fs.writeFileSync(db, bytes);
    const core = open({ dataDir: dir, integrityCheckDelayMs: 0 });
    const events: HoldfastEvent[] = [];
    core.sync.subscribe((e) => events.push(e));
    expect(core.conversations.list()[0]!.title).toBe('before'); // answers at once
    expect(await core.integrity).toBe('damaged');
    const status = core.sync.status();
    expect(status.storage.damaged).toBeTruthy();
    expect(events.some((e) => e.type === 'app.didChangeStatus' && e.status.storage.damaged)).toBe(true);
    expect(() => core.conversations.create({ title: 'never written' })).toThrow(/damaged/);
    await closeCore(core);
    // No clean marker after damage: the next start checks in full before anything is written, and refuses.
    expect(fs.existsSync(path.join(dir, 'holdfast.clean'))).toBe(false);
    expect(openError({ dataDir: dir, provider: anthropicFor(fake) })).toBeInstanceOf(DamagedDatabaseError);
  });
});

describe('search bounds', () => {
  it('a pathological query does bounded work: repeated terms count once, at most 8 terms, long words clipped, no one-letter prefix walks', async () => {
    const core = open();
    const conv = core.conversations.create({ title: 'bounded' });
    const insert = core.db.prepare(
      `INSERT INTO messages (id, conversation_id, role, content, status, created_at, last_updated) VALUES (?, ?, 'user', ?, 'completed', ?, ?)`,
    );
    const words = ['a', 'an', 'and', 'apple', 'about', 'as', 'at', 'b', 'be', 'by'];
    core.db.transaction(() => {
      for (let i = 0; i < 2000; i++)
        insert.run(`m${i}`, conv.id, Array.from({ length: 30 }, (_, j) => words[(i * 7 + j) % 10]).join(' '), i, i);
    })();

    const results = core.search.search('a '.repeat(250));
    expect(results.length).toBeGreaterThan(0); // still a useful answer
    expect(core.search.lastWork.terms).toBe(1);
    expect(core.search.lastWork.queries).toBeLessThanOrEqual(3);
    expect(core.search.lastWork.rows).toBeLessThanOrEqual(300 * 3);

    core.search.search(Array.from({ length: 40 }, (_, i) => `word${i}`).join(' '));
    expect(core.search.lastWork.terms).toBe(QUERY_LIMITS.terms);
    expect(parseQuery('a'.repeat(250)).terms[0]!.text).toHaveLength(QUERY_LIMITS.termChars);
    expect(parseQuery(`"${'a '.repeat(50)}"`).terms[0]!.text.split(' ')).toHaveLength(QUERY_LIMITS.phraseWords);
    // One letter is matched as a word, never as a prefix that walks every word starting with it.
    expect(wordQuery(parseQuery('a b apple'))).toBe('"a" AND "b" AND "apple"*');
    // Whatever is typed, the number of index queries per search stays small.
    for (const q of ['"a a a a a a a a a a"', 'a'.repeat(500), 'a* OR b NEAR(c)', '"'.repeat(300), '東'.repeat(300)]) {
      core.search.search(q);
      expect(core.search.lastWork.queries, q.slice(0, 20)).toBeLessThanOrEqual(4);
      expect(core.search.lastWork.terms).toBeLessThanOrEqual(QUERY_LIMITS.terms);
    }
  });
});

const chunkText = (core: Core, id: string) =>
  (
    core.db
      .prepare("SELECT coalesce(group_concat(text, ''), '') AS t FROM (SELECT text FROM chunks WHERE message_id = ? ORDER BY ord)")
      .get(id) as { t: string }
  ).t;

describe('a full disk', () => {
  it('mid-answer: keeps running, keeps the text in memory, says "disk full", and saves exactly the answer when space returns', async () => {
    fake.config.paceMs = 3;
    const core = open();
    const events: HoldfastEvent[] = [];
    core.sync.subscribe((e) => events.push(e));
    const conv = core.conversations.create({ title: 'full' });
    const prompt = 'the disk fills mid-answer [len=8000]';
    const { assistant_message_id: id } = core.engine.send({ conversation_id: conv.id, content: prompt });
    await waitFor(() => (core.engine.liveText(id)?.length ?? 0) > 500, 15_000, 'the answer to stream');
    // SQLite's own size limit raises SQLITE_FULL exactly where a full disk would.
    core.db.pragma(`max_page_count = ${core.db.pragma('page_count', { simple: true }) as number}`);
    await waitFor(() => core.sync.status().storage.disk_full, 15_000, 'disk_full in the status');
    expect(events.some((e) => e.type === 'app.didChangeStatus' && e.status.storage.disk_full)).toBe(true);
    await waitFor(() => core.sync.status().storage.unsaved_message_ids.includes(id), 5000, 'the answer marked unsaved');
    const onDisk = chunkText(core, id).length;
    // The stream goes on into memory, and windows still see it live.
    await waitFor(() => core.engine.liveText(id) === FakeAnthropic.answer(prompt), 30_000, 'the whole answer in memory');
    expect(chunkText(core, id).length).toBe(onDisk);
    expect(core.sync.message(id)!.content).toBe(FakeAnthropic.answer(prompt));
    expect(core.store.message(id).status).toBe('generating'); // its end waits for space, too
    expect(() => core.conversations.create({ title: `no room ${'x'.repeat(50_000)}` })).toThrow(/disk is full/);

    core.db.pragma('max_page_count = 1073741823'); // space returns
    const m = await settled(core, id);
    expect(m.status).toBe('completed');
    expect(m.content).toBe(FakeAnthropic.answer(prompt));
    expect(core.sync.status().storage).toMatchObject({ disk_full: false, unsaved_message_ids: [] });
  });

  // A real full filesystem: a small tmpfs (mounting needs root; elsewhere the SQLITE_FULL test above stands).
  const canMount = process.getuid?.() === 0 && process.platform === 'linux';
  it.runIf(canMount)(
    'on a real full filesystem: starts normally, streams into memory, and saves everything once space returns',
    async () => {
      const { execFileSync } = await import('node:child_process');
      const mnt = tempDir('holdfast-tmpfs-');
      try {
        execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=6m', 'tmpfs', mnt]);
      } catch (err) {
        console.log(`tmpfs not available here (${String(err)}); the SQLITE_FULL test covers the behaviour`);
        return;
      }
      const filler = path.join(mnt, 'filler');
      const fill = () => {
        const fd = fs.openSync(filler, 'a');
        const block = Buffer.alloc(64 * 1024, 1);
        try {
          for (;;) fs.writeSync(fd, block);
        } catch (err) {
          expect((err as NodeJS.ErrnoException).code).toBe('ENOSPC');
        } finally {
          fs.closeSync(fd);
        }
        // Smaller pieces, until not one more byte fits.
        const fd2 = fs.openSync(filler, 'a');
        try {
          for (;;) fs.writeSync(fd2, Buffer.alloc(512, 1));
        } catch {
          // ENOSPC: the disk is full to the last block
        } finally {
          fs.closeSync(fd2);
        }
      };
      try {
        const dataDir = path.join(mnt, 'data');
        fake.config.paceMs = 3;
        let core = open({ dataDir });
        const conv = core.conversations.create({ title: 'on tmpfs' });
        const prompt = 'a real full disk [len=20000]';
        const { assistant_message_id: id } = core.engine.send({ conversation_id: conv.id, content: prompt });
        await waitFor(() => (core.engine.liveText(id)?.length ?? 0) > 300, 15_000, 'the answer to stream');
        fill();
        await waitFor(() => core.sync.status().storage.disk_full, 20_000, 'disk_full in the status');
        await waitFor(() => core.engine.liveText(id) === FakeAnthropic.answer(prompt), 30_000, 'the whole answer in memory');
        fs.rmSync(filler);
        expect((await settled(core, id)).content).toBe(FakeAnthropic.answer(prompt));
        await closeCore(core);

        // Start on a disk with no space left at all: it opens, lists, and a write fails with the reason, not a crash.
        fill();
        core = open({ dataDir });
        expect(core.conversations.list().map((c) => c.title)).toEqual(['on tmpfs']);
        expect(core.conversations.thread(conv.id).messages[1]!.content).toBe(FakeAnthropic.answer(prompt));
        let sendError: unknown;
        try {
          for (let i = 0; i < 50; i++) core.conversations.create({ title: `no room ${i} ${'x'.repeat(2000)}` });
        } catch (e) {
          sendError = e;
        }
        expect(String(sendError)).toMatch(/disk is full/);
        expect(core.sync.status().storage.disk_full).toBe(true);
        fs.rmSync(filler);
        await closeCore(core);
      } finally {
        for (const c of cores.splice(0)) await c.close().catch(() => undefined);
        execFileSync('umount', [mnt]);
        fs.rmSync(mnt, { recursive: true, force: true });
      }
    },
  );
});
