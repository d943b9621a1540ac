import fs from 'node:fs';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { FakeAnthropic } from '../../../support/fake-anthropic';
import { anthropicFor, makeCore, settled, tempDir, waitFor } from '../../../support/core';
import { fakeAnthropic } from '../../../support/servers';
import { indexTree, threadTo } from '../../../../src/shared/tree';
import { Core } from '../../../../src/main/core/core';
import { DamagedDatabaseError, restoreLatestBackup } from '../../../../src/main/core/store/backup';
import { NewerDatabaseError } from '../../../../src/main/core/store/database';
import { migrations } from '../../../../src/main/core/store/migrations';
import Database from 'better-sqlite3';

const fixture = (name: string) => path.resolve(import.meta.dirname, '../../../fixtures', name);
let fake: FakeAnthropic;
// The server, and every core a test makes with makeCore, stop when the test ends (test/support/cleanup.ts).
beforeEach(async () => {
  fake = await fakeAnthropic({ paceMs: 1 });
});

describe('search', () => {
  it('finds words as prefixes, phrases, CJK by substring, messages on branches not shown, and titles', async () => {
    const core = makeCore(fake);
    await core.exchange.importFile(fixture('chatgpt-conversations.json'));
    await core.exchange.importFile(fixture('claude-conversations.json'));
    const hit = (q: string) => core.search.search(q).map((r) => r.snippet.replace(/<\/?mark>/g, ''));
    expect(hit('hydra')[0]).toMatch(/hydration/); // prefix, on a branch that is the current one
    expect(hit('equal weights')[0]).toMatch(/equal weights/); // a branch that is not shown (current leaf is a2b)
    expect(hit('"starter smell"')).toHaveLength(1);
    expect(hit('"smell starter"')).toHaveLength(0);
    expect(core.search.search('早上').filter((r) => r.role !== 'title')).toHaveLength(2); // part of 早上好, no spaces in the text
    expect(core.search.search('上好').filter((r) => r.role !== 'title')).toHaveLength(2); // from its middle: a substring
    expect(core.search.search('good morning')[0]?.snippet).toContain('早上好');
    expect(hit('lifetime')[0]).toBeDefined();
    const title = core.search.search('sourdough').find((r) => r.role === 'title');
    expect(title?.conversation_title).toBe('Sourdough starter help');
    const r = core.search.search('acetone smell')[0]!;
    expect(r).toMatchObject({ conversation_title: 'Sourdough starter help', role: 'assistant' });
    expect(r.snippet).toContain('<mark>acetone</mark> <mark>smell</mark>');
  });

  it('keeps whatever a person types safe: no FTS syntax error ever reaches them', async () => {
    const core = makeCore(fake);
    await core.exchange.importFile(fixture('chatgpt-conversations.json'));
    const hostile = [
      '"',
      '""',
      'AND',
      'OR',
      'NOT',
      '*',
      '(',
      ')',
      '-',
      'NEAR(',
      'NEAR(a b',
      'a AND',
      '"unclosed',
      'col:val',
      '^start',
      '🍞🔥',
      "'; DROP TABLE messages; --",
      'x'.repeat(500),
      '\\',
      '{}',
      '[]',
      'a OR b NOT c',
      '   ',
      '',
      '+-*/',
      '\u0000',
      'SELECT * FROM messages',
    ];
    for (const q of hostile) expect(() => core.search.search(q), q).not.toThrow();
    expect(core.search.search('<script>')).toEqual([]);
    expect(core.db.prepare('SELECT count(*) AS n FROM messages').get()).toEqual({ n: 8 });
  });

  it('indexes a streaming answer when it ends, in the same transaction, and leaves the trash out', async () => {
    const core = makeCore(fake);
    const conv = core.conversations.create({ title: 'Indexing' });
    const { assistant_message_id: id } = core.engine.send({ conversation_id: conv.id, content: 'zebrafish genome [len=400]' });
    await settled(core, id);
    const answerWord = core.store
      .message(id)
      .content.split(/\W+/)
      .find((w) => w.length > 6)!;
    expect(core.search.search(answerWord).some((r) => r.message_id === id)).toBe(true);
    expect(core.search.search('zebrafish').map((r) => r.role)).toContain('user');
    core.conversations.trash(conv.id);
    expect(core.search.search('zebrafish')).toEqual([]);
  });
});

describe('export', () => {
  it('writes Markdown of the current thread, JSON of the whole tree, and HTML in which nothing can run', async () => {
    const core = makeCore(fake);
    await core.exchange.importText(
      JSON.stringify([
        {
          uuid: 'x1',
          name: 'Hostile <b>title</b>',
          created_at: '2025-01-01T00:00:00Z',
          chat_messages: [
            {
              uuid: 'h1',
              text: 'hi',
              sender: 'human',
              created_at: '2025-01-01T00:00:01Z',
              parent_message_uuid: '00000000-0000-4000-8000-000000000000',
            },
            {
              uuid: 'h2',
              text: '<script>alert(1)</script> <img src=x onerror="alert(2)"> [click](javascript:alert(3)) ![remote](https://example.invalid/x.png) <a href="javascript:alert(4)">a</a>',
              sender: 'assistant',
              created_at: '2025-01-01T00:00:02Z',
              parent_message_uuid: 'h1',
            },
          ],
        },
      ]),
    );
    const conv = core.store.allConversations()[0]!;
    const html = core.exchange.exportConversation(conv.id, 'html').content;
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<img/i);
    expect(html).not.toMatch(/href="javascript:/i);
    expect(html).not.toMatch(/<[^>]*\son[a-z]+=/i);
    expect(html).toContain("default-src 'none'");
    expect(html).toContain('&lt;script&gt;');
    expect(html).toContain('Hostile &lt;b&gt;title&lt;/b&gt;');
    const md = core.exchange.exportConversation(conv.id, 'md');
    expect(md.content).toContain('## You\n\nhi');
    const json = JSON.parse(core.exchange.exportConversation(conv.id, 'json').content);
    expect(json).toMatchObject({ format: 'holdfast-conversation', version: 1, conversation: { id: conv.id } });
    expect(json.messages).toHaveLength(2);
    const tree = indexTree(json.messages);
    expect(threadTo(tree, conv.current_leaf_id ?? json.messages[1].id)).toHaveLength(2);
  });
});

describe('backups', () => {
  it('backs up soon after start when the last backup is over a day old, and keeps only the last N', async () => {
    const core = makeCore(fake, { keepBackups: 3 });
    const dir = core.backups.dir;
    for (let i = 0; i < 4; i++) await core.backups.backupNow(`manual${i}`);
    expect(fs.readdirSync(dir)).toHaveLength(3);
    for (const f of fs.readdirSync(dir)) fs.utimesSync(path.join(dir, f), new Date(0), new Date(0)); // make them old
    core.backups.scheduleDaily(undefined, 10);
    await waitFor(() => fs.readdirSync(dir).some((f) => f.endsWith('-daily.db')), 5000, 'a daily backup');
    expect(fs.readdirSync(dir)).toHaveLength(3);
  });

  it('takes a backup before migrating an older database, and refuses a newer one without touching it', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'holdfast.db');
    const old = new Database(file);
    old.exec(migrations[0]!);
    old.pragma('user_version = 1');
    old.prepare("INSERT INTO conversations (id, title, created_at, updated_at) VALUES ('c1', 'from v1', 1, 1)").run();
    old.close();
    const core = makeCore(fake, { dataDir: dir });
    expect(core.store.conversation('c1').title).toBe('from v1');
    const backups = fs.readdirSync(path.join(dir, 'backups'));
    expect(backups.filter((f) => f.endsWith('before-migration-v1.db'))).toHaveLength(1);
    const copy = new Database(path.join(dir, 'backups', backups[0]!), { readonly: true });
    expect(copy.pragma('user_version', { simple: true })).toBe(1);
    expect(copy.prepare('SELECT title FROM conversations').get()).toEqual({ title: 'from v1' });
    copy.close();
    await core.close();

    const raw = new Database(file);
    raw.pragma('user_version = 99');
    raw.close();
    const before = fs.readFileSync(file);
    expect(() => new Core({ dataDir: dir, provider: anthropicFor(fake) })).toThrow(NewerDatabaseError);
    expect(fs.readFileSync(file).equals(before)).toBe(true);
  });

  it('backs up with the online backup API and refuses a damaged database, which a backup restores', async () => {
    const dir = tempDir();
    const core = new Core({ dataDir: dir, provider: anthropicFor(fake), autoTitle: false });
    await core.exchange.importFile(fixture('claude-conversations.json'));
    const file = await core.backups.backupNow('test');
    expect(fs.existsSync(file)).toBe(true);
    await core.close();
    const db = path.join(dir, 'holdfast.db');
    const bytes = fs.readFileSync(db);
    bytes.fill(0x41, 4096, 4096 * 3); // scribble over pages
    fs.writeFileSync(db, bytes);
    for (const s of ['-wal', '-shm']) fs.rmSync(db + s, { force: true });
    fs.rmSync(path.join(dir, 'holdfast.clean')); // as after a crash: the full check runs before anything is written
    let error: unknown;
    try {
      new Core({ dataDir: dir, provider: anthropicFor(fake) });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DamagedDatabaseError);
    expect((error as Error).message).toMatch(/damaged/);
    restoreLatestBackup(db, path.join(dir, 'backups'));
    const restored = makeCore(fake, { dataDir: dir });
    expect(restored.store.allConversations()).toHaveLength(2);
    expect(fs.readdirSync(dir).some((f) => f.includes('.damaged-'))).toBe(true);
  });
});
