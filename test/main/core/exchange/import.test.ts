import fs from 'node:fs';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { FakeAnthropic } from '../../../support/fake-anthropic';
import { makeCore, settled, tempDir } from '../../../support/core';
import { fakeAnthropic } from '../../../support/servers';
import { writeZip } from '../../../support/zip';
import { chainConversation } from '../../../support/archive';
import { Core } from '../../../../src/main/core/core';
import { Importer } from '../../../../src/main/core/exchange/import';

const fixture = (name: string) => path.resolve(import.meta.dirname, '../../../fixtures', name);
const readFixture = (name: string) => JSON.parse(fs.readFileSync(fixture(name), 'utf8')) as unknown;
let fake: FakeAnthropic;
// The server, and every core a test makes with makeCore, stop when the test ends (test/support/cleanup.ts).
beforeEach(async () => {
  fake = await fakeAnthropic({ paceMs: 1 });
});

const byContent = (core: Core, conversationId: string, needle: string) =>
  core.store.messagesOf(conversationId).find((m) => m.content.includes(needle))!;
const titled = (core: Core, title: string) => core.store.allConversations().find((c) => c.title === title)!;
const thread = (core: Core, id: string) => core.conversations.thread(id).messages.map((m) => m.content);
const NOTHING_SKIPPED = { skipped_empty: 0, skipped_duplicate: 0, dropped_messages: 0, cycles_broken: 0, replaced_characters: 0 };

describe('import: ChatGPT and Claude', () => {
  it("imports ChatGPT's conversations.json with every branch, hidden messages left out, code and its output as code blocks, placeholders for images and files", async () => {
    const core = makeCore(fake);
    const result = await core.exchange.importFile(fixture('chatgpt-conversations.json'));
    expect(result).toEqual({ format: 'chatgpt', conversations: 2, messages: 8, skipped: 0, ...NOTHING_SKIPPED, notes: [] });
    const sourdough = titled(core, 'Sourdough starter help');
    expect(sourdough.created_at).toBe(1718000000123);
    const all = core.store.messagesOf(sourdough.id);
    expect(all).toHaveLength(6);
    expect(all.some((m) => m.content.includes('I bake on weekends'))).toBe(false); // hidden context stays out
    const u1 = byContent(core, sourdough.id, 'nail polish');
    expect(u1.content).toBe('[image]\nWhy does my sourdough starter smell like nail polish?');
    expect(u1.parent_id).toBeNull();
    const a1 = byContent(core, sourdough.id, 'hungry');
    expect(core.store.children(a1.id).map((m) => m.content)).toEqual([
      'How much flour should I add per feeding?',
      'Compute the hydration of 50 g flour with 40 g water please',
    ]);
    const a2b = byContent(core, sourdough.id, '80% hydration');
    expect(a2b.content).toBe(
      '```python\n40/50*100\n```\n\n```text\n80.0\n```\n\nThat is 80% hydration, a stiff-ish levain.\n[file: hydration.csv]',
    );
    expect(core.store.message(a2b.parent_id!).content).toMatch(/^Compute the hydration/);
    expect(sourdough.current_leaf_id).toBe(a2b.id);
    const untitled = core.store.allConversations().find((c) => c.id !== sourdough.id)!;
    expect(untitled.title).toBe('Translate 早上好 into English');
    // Again: nothing new.
    expect(await core.exchange.importFile(fixture('chatgpt-conversations.json'))).toMatchObject({
      conversations: 0,
      messages: 0,
      skipped: 2,
    });
    expect(core.store.allConversations()).toHaveLength(2);
  });

  it('imports the .zip that holds conversations.json', async () => {
    const core = makeCore(fake);
    const zip = path.join(tempDir(), 'export.zip');
    writeZip(
      zip,
      { 'chat.html': '<html></html>', 'conversations.json': fs.readFileSync(fixture('chatgpt-conversations.json')) },
      { deflate: true },
    );
    expect(await core.exchange.importFile(zip)).toMatchObject({ format: 'chatgpt', conversations: 2, messages: 8 });
  });

  it('keeps canvas documents, code and its output, generated images, reasoning and voice messages of a single ChatGPT conversation file', async () => {
    const core = makeCore(fake);
    expect(await core.exchange.importFile(fixture('chatgpt-conversation-tools.json'))).toMatchObject({
      format: 'chatgpt',
      conversations: 1,
      messages: 10,
      ...NOTHING_SKIPPED,
    });
    const conv = titled(core, 'Tools and voice');
    const t = core.conversations.thread(conv.id).messages;
    expect(t.map((m) => m.role)).toEqual([
      'user',
      'assistant',
      'user',
      'assistant',
      'user',
      'assistant',
      'user',
      'assistant',
      'user',
      'assistant',
    ]);
    expect(t[1]!.content).toBe('**Document: Tides**\n\n# Tides\n\nThe sea goes out, the sea comes in.\n\nI created the document.');
    expect(t[3]!.content).toBe(
      '**Document: Tides** (updated)\n\n# Tides\n\nThe moon goes out, the moon comes in.\n\nDone: it is about the moon now.',
    );
    expect(t[5]!.content).toBe(
      '```python\nprint(2**100)\n```\n\n```text\n1267650600228229401496703205376\n```\n\nIt is 1267650600228229401496703205376.',
    );
    expect(t[5]!.thinking).toBe("**Planning the computation**\n\nA big power of two; Python's integers are exact.\n\nThought for 4s");
    // The image request had no written answer: the image itself is the answer, with its prompt.
    expect(t[7]!.content).toBe('[generated image: A lighthouse at night, beam across a dark sea]');
    expect(t[8]!.content).toBe('[voice message]\nThanks, that looks great');
    expect(t[9]!.content).toBe('[voice message]\nGlad you like it!');
    expect(conv.current_leaf_id).toBe(t[9]!.id);
    expect(core.store.messagesOf(conv.id).some((m) => /asset pointer|asset_pointer/.test(m.content))).toBe(false);
  });

  it('accepts a .zip of per-conversation ChatGPT files', async () => {
    const core = makeCore(fake);
    const items = readFixture('chatgpt-conversations.json') as unknown[];
    const zip = path.join(tempDir(), 'per-conversation.zip');
    writeZip(zip, {
      'chats/one.json': JSON.stringify(items[0]),
      'chats/two.json': JSON.stringify(items[1]),
      'chats/tools.json': fs.readFileSync(fixture('chatgpt-conversation-tools.json')),
      'README.txt': 'exported',
    });
    expect(await core.exchange.importFile(zip)).toMatchObject({ format: 'chatgpt', conversations: 3, messages: 18 });
  });

  it('links ChatGPT nodes by parent when every children list is empty', async () => {
    const core = makeCore(fake);
    expect(await core.exchange.importFile(fixture('chatgpt-parent-links.json'))).toMatchObject({ conversations: 1, messages: 5 });
    const conv = titled(core, 'Linked by parent');
    const u1 = byContent(core, conv.id, 'Name three rivers');
    expect(core.store.children(u1.id).map((m) => m.content)).toEqual(['Nile, Amazon, Yangtze.', 'Danube, Rhine, Volga.']);
    expect(core.store.children(byContent(core, conv.id, 'Nile, Amazon').id).map((m) => m.content)).toEqual(['Which is longest?']);
    expect(thread(core, conv.id)).toEqual(['Name three rivers', 'Danube, Rhine, Volga.']);
  });

  it("imports Claude's export with edited branches and thinking kept apart from the answer", async () => {
    const core = makeCore(fake);
    expect(await core.exchange.importFile(fixture('claude-conversations.json'))).toEqual({
      format: 'claude',
      conversations: 2,
      messages: 6,
      skipped: 0,
      ...NOTHING_SKIPPED,
      notes: [],
    });
    const rust = titled(core, 'Rust lifetimes');
    const q = byContent(core, rust.id, "Explain 'a");
    const variants = core.store.children(q.id);
    expect(variants.map((m) => m.content)).toEqual([
      "It ties the returned reference to both inputs' lifetimes.",
      'A lifetime parameter names how long the borrowed values live.',
    ]);
    expect(variants[0]!.thinking).toBe('The user asks about lifetime parameters; explain borrow relationships.');
    expect(variants[0]!.content).not.toContain('borrow relationships');
    const leaf = core.store.message(rust.current_leaf_id!);
    // The attachment's extracted text is kept under its name (issue 16).
    expect(leaf.content).toBe('Can you show an example that fails to compile?\n[file: main.rs]\n```\nfn main() {}\n```');
    expect(core.conversations.thread(rust.id).messages.map((m) => m.id)).toEqual([q.id, variants[1]!.id, leaf.id]);
    const monad = core.store.allConversations().find((c) => c.id !== rust.id)!;
    expect(monad.title).toBe('What is a monad in one');
    const chain = core.conversations.thread(monad.id).messages;
    expect(chain.map((m) => m.role)).toEqual(['user', 'assistant']);
    expect(chain[1]!.parent_id).toBe(chain[0]!.id);
  });

  it('joins the text blocks of a Claude answer as paragraphs and skips conversations with no text, counting them', async () => {
    const core = makeCore(fake);
    const msg = (uuid: string, sender: string, content: unknown[], parent = '00000000-0000-4000-8000-000000000000') => ({
      uuid,
      text: '',
      content,
      sender,
      created_at: '2025-05-01T00:00:00Z',
      parent_message_uuid: parent,
    });
    const file = [
      {
        uuid: 'blocks',
        name: 'Blocks',
        created_at: '2025-05-01T00:00:00Z',
        chat_messages: [
          msg('b1', 'human', [{ type: 'text', text: 'Which options?' }]),
          msg(
            'b2',
            'assistant',
            [
              { type: 'text', text: 'Here are the right options:' },
              { type: 'tool_use', name: 'x' },
              { type: 'text', text: 'Go ahead with A.' },
            ],
            'b1',
          ),
        ],
      },
      { uuid: 'empty-1', name: '', created_at: '2025-05-01T00:00:00Z', chat_messages: [] },
      {
        uuid: 'empty-2',
        name: '',
        created_at: '2025-05-01T00:00:00Z',
        chat_messages: [msg('e1', 'human', [{ type: 'text', text: '  ' }])],
      },
    ];
    expect(await core.exchange.importText(JSON.stringify(file))).toMatchObject({ conversations: 1, skipped_empty: 2 });
    expect(thread(core, titled(core, 'Blocks').id)).toEqual(['Which options?', 'Here are the right options:\n\nGo ahead with A.']);
    expect(core.store.allConversations()).toHaveLength(1);
  });

  it("round-trips Holdfast's own archive into an empty database: trees, current branches, reactions, settings", async () => {
    const a = makeCore(fake);
    const conv = a.conversations.create({ title: 'Round trip' });
    const first = a.engine.send({ conversation_id: conv.id, content: 'trip [len=200]' });
    await settled(a, first.assistant_message_id);
    const { assistant_message_id: v2 } = a.engine.regenerate(first.assistant_message_id);
    await settled(a, v2);
    a.conversations.react(v2, 'dislike', 'meh');
    a.conversations.update(conv.id, { system_prompt: 'Be brief.', pinned: true });
    a.conversations.setLeaf(conv.id, first.assistant_message_id);
    await a.exchange.importFile(fixture('claude-conversations.json'));
    const archive = path.join(tempDir(), 'archive.json');
    fs.writeFileSync(archive, [...a.exchange.exportArchive()].join(''));
    const b = makeCore(fake);
    const result = await b.exchange.importFile(archive);
    expect(result).toMatchObject({ format: 'holdfast', conversations: 3, skipped: 0 });
    const strip = (c: Core) =>
      c.store
        .allConversations()
        .map((x) => ({ ...x, updated_at: 0 }))
        .sort((p, q) => p.id.localeCompare(q.id));
    expect(strip(b)).toEqual(strip(a));
    for (const c of a.store.allConversations()) {
      const norm = (core: Core) => core.store.messagesOf(c.id).map((m) => ({ ...m, last_updated: 0 }));
      expect(norm(b)).toEqual(norm(a));
    }
    expect((await b.exchange.importFile(archive)).skipped).toBe(3);
  });

  it.each([
    ['not JSON at all', 'hello', /Unknown file/],
    ['broken JSON', '[{"mapping": {', /not valid JSON/],
    ['an unknown array', '[{"foo": 1}]', /Item 0 is not a conversation/],
    ['an unknown object', '{"foo": 1}', /The file is not a conversation Holdfast knows/],
    [
      'a ChatGPT item with a bad mapping',
      '[{"title":"x","mapping":{"n":{"id":5}}}]',
      /Item 0 is not a valid chatgpt conversation: mapping\.n\.id/,
    ],
    ['an empty array', '[]', /holds no conversations/],
    [
      'a LibreChat message without its id',
      '{"conversationId":"c","recursive":true,"messages":[{"messageId":"a","children":[{"text":"x"}]}]}',
      /librechat conversation: messages\.0\.children\.0\.messageId/,
    ],
    [
      'a Chatbox session that is broken JSON text',
      '{"chat-sessions-list":[{"id":"s"}],"session:s":"{not json"}',
      /session:s is not valid JSON/,
    ],
    [
      'a Chatbox session without messages',
      '{"chat-sessions-list":[{"id":"s"}],"session:s":{"id":"s"}}',
      /chatbox conversation: session:s\.messages/,
    ],
    [
      'a LobeChat export whose messages are not a list',
      '{"exportType":"all","state":{"messages":5},"version":4}',
      /lobechat conversation: state\.messages/,
    ],
    [
      'an Open WebUI record whose history is not an object',
      '[{"id":"x","chat":{"history":{"messages":[1]}}}]',
      /Item 0 is not a valid openwebui conversation/,
    ],
  ])('refuses %s with a reason, importing nothing', async (_name, text, reason) => {
    const core = makeCore(fake);
    await expect(core.exchange.importText(text)).rejects.toThrow(reason);
    expect(core.store.allConversations()).toHaveLength(0);
  });

  it('a file whose later item is broken imports nothing at all', async () => {
    const core = makeCore(fake);
    const items = readFixture('chatgpt-conversations.json') as unknown[];
    await expect(core.exchange.importText(JSON.stringify([...items, { title: 'bad', mapping: 7 }]))).rejects.toThrow(/Item 2/);
    expect(core.store.allConversations()).toHaveLength(0);
    expect(core.db.prepare('SELECT count(*) AS n FROM messages').get()).toEqual({ n: 0 });
  });

  it('names the entry of a zip that is not valid JSON, and what is wrong with it; imports nothing', async () => {
    const core = makeCore(fake);
    const items = readFixture('chatgpt-conversations.json') as unknown[];
    const good = { 'chats/01.json': JSON.stringify(items[0]), 'chats/02.json': JSON.stringify(items[1]) };
    const zip = path.join(tempDir(), 'many.zip');
    // One conversation object cut off mid-way (read whole), and one array with a stray token (read as a stream).
    writeZip(zip, { ...good, 'chats/12.json': '{"title": "Broken", "mapping": {"a": tru' });
    await expect(core.exchange.importFile(zip)).rejects.toThrow(/^chats\/12\.json is not valid JSON: \S.*JSON/);
    writeZip(zip, { ...good, 'chats/13.json': `[${JSON.stringify(items[0])}, oops]` });
    await expect(core.exchange.importFile(zip)).rejects.toThrow(/^chats\/13\.json is not valid JSON: \S/);
    expect(core.store.allConversations()).toHaveLength(0);
    // A file that is not a zip keeps saying "The file".
    await expect(core.exchange.importText('{"title": "x", ')).rejects.toThrow(/^The file is not valid JSON: \S/);
    // The parser's reason never quotes the file: what sits next to the mistake may be a key.
    const leaky = core.exchange.importText('{"title": "x", "api_key": sk-ant-api03-secret-key-0123456789}');
    await expect(leaky).rejects.toThrow(/^The file is not valid JSON: Unexpected token 's'$/);
    writeZip(zip, { ...good, 'chats/14.json': '[{"openai_key": sk-proj-secret-0123456789}]' });
    await expect(core.exchange.importFile(zip).catch((e: Error) => e.message)).resolves.not.toMatch(/secret/);
  });
});

describe('import: other apps', () => {
  it("imports Open WebUI's export: branches, a second root, the current branch, reasoning as thinking, tool calls as notes, the system prompt", async () => {
    const core = makeCore(fake);
    expect(await core.exchange.importFile(fixture('openwebui-export.json'))).toMatchObject({
      format: 'openwebui',
      conversations: 1,
      messages: 5,
      skipped_empty: 1,
    });
    const conv = titled(core, 'Boiling points');
    expect(conv).toMatchObject({ system_prompt: 'Answer in one sentence.', pinned: true, model: null });
    const roots = core.store.messagesOf(conv.id).filter((m) => m.parent_id === null);
    expect(roots.map((m) => m.content)).toEqual([
      'At what temperature does water boil?',
      'At what temperature does water boil on Everest?',
    ]);
    expect(thread(core, conv.id)).toEqual(['At what temperature does water boil on Everest?', 'About 70 °C.']);
    const [a1, a1r] = core.store.children(roots[0]!.id);
    expect(a1!.content).toBe('At 100 °C at sea level.');
    expect(a1!.thinking).toBe('Sea level pressure is assumed.\nSo 100 & not less.');
    expect(a1r!.content).toBe('[tool: lookup]\n\n```text\n"100 C at 1 atm"\n```\n\nWater boils at 100 °C at one atmosphere.');
    expect(await core.exchange.importFile(fixture('openwebui-export.json'))).toMatchObject({ conversations: 0, messages: 0, skipped: 1 });
  });

  it('imports one Open WebUI chat record, and the bare inner chat object', async () => {
    const [record] = readFixture('openwebui-export.json') as { chat: unknown }[];
    const a = makeCore(fake);
    expect(await a.exchange.importText(JSON.stringify(record))).toMatchObject({ format: 'openwebui', conversations: 1, messages: 5 });
    const b = makeCore(fake);
    expect(await b.exchange.importText(JSON.stringify(record!.chat))).toMatchObject({ format: 'openwebui', conversations: 1, messages: 5 });
    expect(thread(b, b.store.allConversations()[0]!.id)).toEqual(['At what temperature does water boil on Everest?', 'About 70 °C.']);
  });

  it('imports a nested LibreChat export (messagesTree): every branch, thinking, the prompt prefix, the newest leaf current', async () => {
    const core = makeCore(fake);
    expect(await core.exchange.importFile(fixture('librechat-nested.json'))).toMatchObject({
      format: 'librechat',
      conversations: 1,
      messages: 6,
    });
    const conv = titled(core, 'Sorting algorithms');
    expect(conv).toMatchObject({ system_prompt: 'You are a patient teacher.', model: null });
    const m2 = byContent(core, conv.id, 'Merge sort is stable.');
    expect(core.store.children(m2.id).map((m) => m.content)).toEqual(['And quicksort?', 'And heapsort?']);
    const m4b = byContent(core, conv.id, 'Heapsort is not stable either.');
    expect(m4b.thinking).toBe('Heapsort swaps across the array.');
    expect(thread(core, conv.id)).toEqual([
      'Which sort is stable?',
      'Merge sort is stable.',
      'And heapsort?',
      'Heapsort is not stable either.',
    ]);
    expect(await core.exchange.importFile(fixture('librechat-nested.json'))).toMatchObject({ conversations: 0, skipped: 1 });
  });

  it('imports a flat LibreChat export with two roots; the all-zero parent is no parent', async () => {
    const core = makeCore(fake);
    expect(await core.exchange.importFile(fixture('librechat-flat.json'))).toMatchObject({ conversations: 1, messages: 5 });
    const conv = titled(core, 'Story');
    expect(conv.system_prompt).toBeNull();
    const roots = core.store.messagesOf(conv.id).filter((m) => m.parent_id === null);
    expect(roots.map((m) => m.content)).toEqual(['tell me a story', 'tell me a long story']);
    expect(core.store.children(roots[0]!.id).map((m) => [m.content, m.status])).toEqual([
      ['Once upon a time in Eldoria...', 'completed'],
      ['In an age long forgotten...', 'cancelled'],
    ]);
    expect(thread(core, conv.id)).toEqual(['tell me a long story', 'Nestled between towering mountains...']);
    // One file per conversation: a .zip of them imports them all.
    const zip = path.join(tempDir(), 'librechat.zip');
    writeZip(
      zip,
      { 'a.json': fs.readFileSync(fixture('librechat-flat.json')), 'b.json': fs.readFileSync(fixture('librechat-nested.json')) },
      { deflate: true },
    );
    expect(await core.exchange.importFile(zip)).toMatchObject({ format: 'librechat', conversations: 1, skipped: 1 });
  });

  it('imports a Chatbox backup: sessions (one stored as a JSON string), forks as branches with the live one current, threads as their own conversations', async () => {
    const core = makeCore(fake);
    expect(await core.exchange.importFile(fixture('chatbox-backup.json'))).toMatchObject({
      format: 'chatbox',
      conversations: 3,
      messages: 10,
      skipped_empty: 1,
    });
    const lisbon = titled(core, 'Lisbon');
    expect(lisbon.system_prompt).toBe('You are a travel agent.');
    const a1 = byContent(core, lisbon.id, 'Start at Belem.');
    expect(a1.thinking).toBe('Mornings are quieter in Belem.');
    expect(core.store.children(a1.id).map((m) => m.content)).toEqual(['Is it walkable?', 'Where should I eat?']);
    expect(thread(core, lisbon.id)).toEqual(['Plan a day in Lisbon', 'Start at Belem.', 'Where should I eat?', 'Try the Time Out Market.']);
    expect(thread(core, titled(core, 'Capitals').id)).toEqual(['What is the capital of Portugal?', 'Lisbon.']);
    expect(titled(core, 'Capitals').system_prompt).toBe('You are a travel agent.');
    expect(thread(core, titled(core, 'Old style').id)).toEqual(['hi there (legacy content)', 'hello (legacy content)']);
    expect(await core.exchange.importFile(fixture('chatbox-backup.json'))).toMatchObject({ conversations: 0, messages: 0, skipped: 3 });
    // Older Chatbox backups keep every session inline under `chat-sessions`.
    const older = {
      'chat-sessions': [
        {
          id: 'old',
          name: 'Inline session',
          messages: [
            { id: 'i1', role: 'user', content: 'inline question' },
            { id: 'i2', role: 'assistant', content: 'inline answer' },
          ],
        },
      ],
      settings: { openaiKey: 'sk-not-read' },
    };
    expect(await core.exchange.importText(JSON.stringify(older))).toMatchObject({ format: 'chatbox', conversations: 1, messages: 2 });
    expect(thread(core, titled(core, 'Inline session').id)).toEqual(['inline question', 'inline answer']);
  });

  it('imports both LobeChat export shapes: topics as conversations, the inbox default one, agents as system prompts, createdAt where parents are missing', async () => {
    const core = makeCore(fake);
    expect(await core.exchange.importFile(fixture('lobechat-export-v1.json'))).toMatchObject({
      format: 'lobechat',
      conversations: 2,
      messages: 7,
    });
    const pasta = titled(core, 'Pasta');
    expect(pasta.system_prompt).toBe('You are a chef.');
    const lm1 = byContent(core, pasta.id, 'How long do I boil');
    expect(core.store.children(lm1.id).map((m) => m.content)).toEqual(['About 9 to 11 minutes.', 'Check the packet; usually 10 minutes.']);
    expect(byContent(core, pasta.id, 'About 9 to 11').thinking).toBe('Standard dried spaghetti.');
    // lm3 has no parent and lm4's parent is gone: both follow the message before them.
    expect(thread(core, pasta.id)).toEqual([
      'How long do I boil spaghetti?',
      'Check the packet; usually 10 minutes.',
      'Salt the water?',
      'Yes, generously.',
    ]);
    expect(thread(core, titled(core, 'Hello inbox').id)).toEqual(['Hello inbox', 'Hello! How can I help?']);

    expect(await core.exchange.importFile(fixture('lobechat-export-v2.json'))).toMatchObject({
      format: 'lobechat',
      conversations: 1,
      messages: 3,
    });
    const tides = titled(core, 'Tides');
    expect(tides.system_prompt).toBe('You research carefully.');
    expect(thread(core, tides.id)).toEqual([
      'Why are there two tides a day?',
      '[tool: web]',
      'Because the Earth turns through two tidal bulges.',
    ]);
    expect(await core.exchange.importFile(fixture('lobechat-export-v2.json'))).toMatchObject({ conversations: 0, skipped: 1 });
  });

  it('never imports or logs the API keys and plugin secrets a file holds', async () => {
    const dir = tempDir();
    const lines: string[] = [];
    const core = makeCore(fake, { dataDir: dir, log: (l) => lines.push(l) });
    for (const f of ['chatbox-backup.json', 'lobechat-export-v1.json', 'lobechat-export-v2.json'])
      await core.exchange.importFile(fixture(f));
    // Broken copies (refused) must not echo the secrets in their reasons either.
    const broken = fs.readFileSync(fixture('chatbox-backup.json'), 'utf8').replace('"messages": [', '"messages": 5, "x": [');
    const refusal = await core.exchange.importText(broken).catch((e: Error) => e.message);
    core.db.pragma('wal_checkpoint(TRUNCATE)');
    const rows = JSON.stringify([core.db.prepare('SELECT * FROM conversations').all(), core.db.prepare('SELECT * FROM messages').all()]);
    const files = fs
      .readdirSync(dir)
      .filter((f) => f.startsWith('holdfast.db'))
      .map((f) => fs.readFileSync(path.join(dir, f)).toString('latin1'))
      .join('');
    for (const secret of ['sk-chatbox-FAKE-SECRET-0001', 'sk-lobe-FAKE-SECRET-0002', 'sk-plugin-FAKE-SECRET-0003']) {
      expect(rows).not.toContain(secret);
      expect(files).not.toContain(secret);
      expect(lines.join('\n')).not.toContain(secret);
      expect(refusal).not.toContain(secret);
    }
    expect(rows).toContain('Try the Time Out Market.'); // the conversations themselves did arrive
  });
});

describe('import: hostile files', () => {
  const claudeMsg = (uuid: string, sender: string, text: string, parent: string) => ({
    uuid,
    text,
    sender,
    created_at: '2025-01-01T00:00:00Z',
    parent_message_uuid: parent,
  });

  it('cuts cycles (two messages each other’s parent, one its own) and reports them; the result opens and searches', async () => {
    const core = makeCore(fake);
    const file = [
      {
        uuid: 'cyc',
        name: 'Cycles',
        created_at: '2025-01-01T00:00:00Z',
        current_leaf_message_uuid: 'c2',
        chat_messages: [
          claudeMsg('c1', 'human', 'first loop message', 'c2'),
          claudeMsg('c2', 'assistant', 'second loop message', 'c1'),
          claudeMsg('c3', 'human', 'my own parent', 'c3'),
        ],
      },
    ];
    const result = await core.exchange.importText(JSON.stringify(file));
    expect(result).toMatchObject({ conversations: 1, messages: 3, cycles_broken: 2 });
    expect(result.notes.join('\n')).toMatch(/cycle/);
    const conv = titled(core, 'Cycles');
    expect(thread(core, conv.id)).toEqual(['first loop message', 'second loop message']);
    expect(
      core.store
        .messagesOf(conv.id)
        .filter((m) => m.parent_id === null)
        .map((m) => m.content),
    ).toEqual(['first loop message', 'my own parent']);
    expect(core.search.search('loop')).toHaveLength(2);
  });

  it('cuts a cycle in a Holdfast archive and in a ChatGPT mapping that has no root', async () => {
    const a = makeCore(fake);
    await a.exchange.importFile(fixture('claude-conversations.json'));
    const archive = JSON.parse([...a.exchange.exportArchive()].join('')) as {
      conversations: { messages: { id: string; parent_id: string | null }[] }[];
    };
    const ms = archive.conversations[0]!.messages;
    ms[0]!.parent_id = ms[ms.length - 1]!.id; // the root now hangs below its own descendant
    const b = makeCore(fake);
    expect(await b.exchange.importText(JSON.stringify(archive))).toMatchObject({ format: 'holdfast', conversations: 2, cycles_broken: 1 });
    for (const c of b.store.allConversations()) expect(thread(b, c.id).length).toBeGreaterThan(0);

    const node = (id: string, parent: string, role: string, text: string) => ({
      id,
      parent,
      children: [parent],
      message: {
        id,
        author: { role },
        create_time: id === 'x' ? 1 : 2,
        content: { content_type: 'text', parts: [text] },
        recipient: 'all',
      },
    });
    const rootless = [
      {
        title: 'No root',
        conversation_id: 'nr',
        mapping: { x: node('x', 'y', 'user', 'question'), y: node('y', 'x', 'assistant', 'answer') },
      },
    ];
    expect(await b.exchange.importText(JSON.stringify(rootless))).toMatchObject({ conversations: 1, messages: 2, cycles_broken: 1 });
    expect(thread(b, titled(b, 'No root').id)).toEqual(['question', 'answer']);
  });

  it('skips and counts repeated or colliding ids instead of failing', async () => {
    const lines: string[] = [];
    const core = makeCore(fake, { log: (l) => lines.push(l) });
    const items = readFixture('chatgpt-conversations.json') as unknown[];
    expect(await core.exchange.importText(JSON.stringify([items[0], items[0], items[1]]))).toMatchObject({
      conversations: 2,
      skipped_duplicate: 1,
    });

    const dupMessage = [
      {
        uuid: 'dm',
        name: 'Repeated message id',
        created_at: '2025-01-01T00:00:00Z',
        chat_messages: [claudeMsg('d1', 'human', 'kept', ''), claudeMsg('d1', 'assistant', 'left out', 'd1')],
      },
    ];
    expect(await core.exchange.importText(JSON.stringify(dupMessage))).toMatchObject({
      conversations: 1,
      messages: 1,
      dropped_messages: 1,
    });

    // A Holdfast archive: the same conversation twice, then one whose message ids belong to a conversation already here.
    const archive = JSON.parse([...core.exchange.exportArchive()].join('')) as { conversations: { conversation: { id: string } }[] };
    const [first] = archive.conversations;
    const stolen = structuredClone(first!);
    stolen.conversation.id = '0190aaaa-0000-7000-8000-000000000001';
    const other = makeCore(fake, { log: (l) => lines.push(l) });
    const twice = { ...archive, conversations: [first, first] };
    expect(await other.exchange.importText(JSON.stringify(twice))).toMatchObject({ conversations: 1, skipped_duplicate: 1 });
    lines.length = 0;
    expect(await other.exchange.importText(JSON.stringify({ ...archive, conversations: [stolen] }))).toMatchObject({
      conversations: 0,
      skipped: 0,
      skipped_duplicate: 1,
    });
    expect(lines).toEqual(['import (holdfast): 0 conversations, 0 messages; 1 with repeated or colliding ids skipped']);
    expect(other.store.allConversations()).toHaveLength(1);
    // Ids that differ only in a lone surrogate would be the same text in SQLite: they are repaired before they can collide.
    const a = structuredClone(first!) as unknown as { conversation: { id: string }; messages: { id: string; parent_id: string | null }[] };
    a.conversation.id = 'conv-\ud800';
    a.messages.forEach((m, i) => {
      m.id = `msg-${i}-\ud800`;
      m.parent_id = i ? `msg-${i - 1}-\ud800` : null;
    });
    const b = structuredClone(a);
    b.conversation.id = 'conv-\ud801';
    b.messages.forEach((m, i) => {
      m.id = `msg-${i}-\ud801`;
      m.parent_id = i ? `msg-${i - 1}-\ud801` : null;
    });
    const third = makeCore(fake);
    expect(await third.exchange.importText(JSON.stringify({ ...archive, conversations: [a, b] }))).toMatchObject({
      conversations: 1,
      skipped_duplicate: 1,
    });
    expect(third.store.allConversations()[0]!.id).toBe('conv-\uFFFD');
  });

  it('imports hostile shapes without hanging: 20,000 unclosed <details>, a LibreChat tree nested 8,000 deep, a long run of empty messages', async () => {
    const core = makeCore(fake);
    const owu = [
      {
        id: 'deep-details',
        title: 'Unclosed details',
        chat: {
          history: {
            currentId: 'a',
            messages: {
              q: { id: 'q', parentId: null, childrenIds: ['a'], role: 'user', content: 'hi', timestamp: 1 },
              a: {
                id: 'a',
                parentId: 'q',
                childrenIds: [],
                role: 'assistant',
                content: '<details type="reasoning">'.repeat(20_000) + '</summary>' + '<summary>'.repeat(20_000) + '</details>end',
                timestamp: 2,
              },
            },
          },
        },
      },
    ];
    expect(await core.exchange.importText(JSON.stringify(owu))).toMatchObject({ conversations: 1, messages: 2 });
    // Built as text: JSON.stringify itself cannot nest this deep.
    const depth = 8_000;
    const nested = `{"conversationId":"deep","title":"Deep","recursive":true,"messages":[${Array.from({ length: depth }, (_, i) => `{"messageId":"m${i}","isCreatedByUser":${i % 2 === 0},"text":"t${i}","children":[`).join('')}${']}'.repeat(depth)}]}`;
    expect(await core.exchange.importText(nested)).toMatchObject({ format: 'librechat', conversations: 1, messages: depth });
    expect(core.conversations.thread(titled(core, 'Deep').id).messages).toHaveLength(depth);
    const empties = Array.from({ length: 20_000 }, (_, i) => ({
      uuid: `e${i}`,
      text: '',
      sender: 'assistant',
      created_at: '2025-01-01T00:00:00Z',
      parent_message_uuid: i ? `e${i - 1}` : '',
    }));
    const answers = Array.from({ length: 2_000 }, (_, i) => ({
      uuid: `r${i}`,
      text: `answer ${i}`,
      sender: 'human',
      created_at: '2025-01-01T00:00:00Z',
      parent_message_uuid: 'e19999',
    }));
    const claude = [{ uuid: 'runs', name: 'Empty run', created_at: '2025-01-01T00:00:00Z', chat_messages: [...empties, ...answers] }];
    expect(await core.exchange.importText(JSON.stringify(claude))).toMatchObject({ conversations: 1, messages: 2_000 });
  });

  it('never runs a canvas pattern from the file as a regular expression: a rewrite replaces the document, a hostile pattern shows its replacement', async () => {
    const core = makeCore(fake);
    const node = (id: string, parent: string | null, child: string | null, message: Record<string, unknown> | null) => ({
      id,
      parent,
      children: child ? [child] : [],
      message: message && { id, create_time: 1, metadata: {}, recipient: 'all', ...message },
    });
    const call = (recipient: string, args: unknown) => ({
      author: { role: 'assistant' },
      recipient,
      content: { content_type: 'code', language: 'json', text: JSON.stringify(args) },
    });
    const say = (role: string, text: string) => ({ author: { role }, content: { content_type: 'text', parts: [text] } });
    const file = {
      title: 'Canvas patterns',
      conversation_id: 'canvas-patterns',
      mapping: {
        r: node('r', null, 'u', null),
        u: node('u', 'r', 'c1', say('user', 'write')),
        c1: node('c1', 'u', 'c2', call('canmore.create_textdoc', { name: 'Doc', type: 'document', content: 'a'.repeat(40) + 'b' })),
        c2: node(
          'c2',
          'c1',
          'a1',
          call('canmore.update_textdoc', { updates: [{ pattern: '(a+)+$', replacement: 'catastrophe avoided' }] }),
        ),
        a1: node('a1', 'c2', 'u2', say('assistant', 'updated')),
        u2: node('u2', 'a1', 'c3', say('user', 'rewrite it')),
        c3: node(
          'c3',
          'u2',
          'a2',
          call('canmore.update_textdoc', { updates: [{ pattern: '.*', multiple: true, replacement: 'All new text.' }] }),
        ),
        a2: node('a2', 'c3', null, say('assistant', 'rewritten')),
      },
    };
    expect(await core.exchange.importText(JSON.stringify(file))).toMatchObject({ conversations: 1, messages: 4 });
    expect(thread(core, titled(core, 'Canvas patterns').id)).toEqual([
      'write',
      `**Document: Doc**\n\n${'a'.repeat(40)}b\n\n**Document: Doc** (updated)\n\ncatastrophe avoided\n\nupdated`,
      'rewrite it',
      '**Document: Doc** (updated)\n\nAll new text.\n\nrewritten',
    ]);
  });

  it('replaces lone surrogates with U+FFFD and counts them', async () => {
    const core = makeCore(fake);
    const text = `[{"uuid":"s","name":"Surrogates \\ud800","created_at":"2025-01-01T00:00:00Z","chat_messages":[{"uuid":"s1","text":"bad \\udc00 end, good \\ud83d\\ude00","sender":"human","created_at":"2025-01-01T00:00:00Z"}]}]`;
    const result = await core.exchange.importText(text);
    expect(result).toMatchObject({ conversations: 1, replaced_characters: 2 });
    expect(result.notes.join('\n')).toMatch(/U\+FFFD/);
    const conv = titled(core, 'Surrogates \uFFFD');
    expect(core.store.messagesOf(conv.id)[0]!.content).toBe('bad \uFFFD end, good 😀');
  });

  it('refuses a zip that expands too far (by ratio, or past the size cap) with the limit, leaving nothing in tmp/', async () => {
    const dir = tempDir();
    const core = makeCore(fake, { dataDir: dir });
    const bomb = path.join(tempDir(), 'bomb.zip');
    writeZip(bomb, { 'conversations.json': Buffer.alloc(30 * 1024 * 1024, 0x20) }, { deflate: true });
    expect(fs.statSync(bomb).size).toBeLessThan(100_000);
    await expect(core.exchange.importFile(bomb)).rejects.toThrow(/expands \d+ times its compressed size \(the limit is 100 times\)/);
    const small = new Importer(core.store, path.join(dir, 'tmp'), { zip: { maxBytes: 2000, maxRatio: 100 } });
    const zip = path.join(tempDir(), 'big.zip');
    writeZip(zip, { 'conversations.json': fs.readFileSync(fixture('chatgpt-conversations.json')) });
    await expect(small.importFile(zip)).rejects.toThrow(/the limit is 2000 bytes/);
    expect(core.store.allConversations()).toHaveLength(0);
    expect(fs.readdirSync(path.join(dir, 'tmp'))).toEqual([]);
  });

  it('deletes at start what an interrupted or killed import left in tmp/, and nothing else', async () => {
    const dir = tempDir();
    fs.mkdirSync(path.join(dir, 'tmp'));
    for (const f of ['import-0190.json', 'import-0190-0.json', 'staging-0190.db', 'staging-0190.db-wal', 'upload-0190', 'notes.txt'])
      fs.writeFileSync(path.join(dir, 'tmp', f), 'x');
    const lines: string[] = [];
    makeCore(fake, { dataDir: dir, log: (l) => lines.push(l) });
    expect(fs.readdirSync(path.join(dir, 'tmp'))).toEqual(['notes.txt']);
    expect(lines).toContain('removed 5 file(s) an interrupted import left in tmp/');
  });

  it('stages long conversations in batches by size: every message arrives in order, and an id repeated in a later batch is still skipped', async () => {
    const dir = tempDir();
    const core = makeCore(fake, { dataDir: dir });
    const conversation = (id: string, n: number) =>
      chainConversation({ id, messages: n, prefix: `${id}-`, at: 10, content: (i) => `${id} message ${i} `.padEnd(400, '.') });
    const file = path.join(dir, 'long.json');
    const items = [conversation('long-a', 300), conversation('long-b', 300), conversation('long-a', 5), conversation('long-c', 300)];
    fs.writeFileSync(file, JSON.stringify({ format: 'holdfast-archive', version: 1, conversations: items }));
    // 300 messages of ~400 characters each: every conversation is a batch of its own.
    const importer = new Importer(core.store, path.join(dir, 'tmp'), { stageBatchChars: 50_000 });
    expect(await importer.importFile(file)).toMatchObject({ conversations: 3, messages: 900, skipped_duplicate: 1 });
    for (const id of ['long-a', 'long-b', 'long-c'])
      expect(thread(core, id)).toEqual(Array.from({ length: 300 }, (_, i) => `${id} message ${i} `.padEnd(400, '.')));
  });

  it('checkpoints the WAL after a large import', async () => {
    const dir = tempDir();
    const core = makeCore(fake, { dataDir: dir });
    const wal = path.join(dir, 'holdfast.db-wal');
    await core.exchange.importFile(fixture('claude-conversations.json')); // small: under the default threshold
    expect(fs.statSync(wal).size).toBeGreaterThan(0);
    const importer = new Importer(core.store, path.join(dir, 'tmp'), { checkpointAfterMessages: 5 });
    expect(await importer.importFile(fixture('chatgpt-conversations.json'))).toMatchObject({ messages: 8 });
    expect(fs.statSync(wal).size).toBe(0);
  });
});
