import fs from 'node:fs';
import path from 'node:path';
import { expect, openApp, test } from './fixtures';
import { tempDir } from '../support/core';
import { writeZip } from '../support/zip';

const fixture = (name: string) => path.resolve('test/fixtures', name);

test('import a ChatGPT export from the app, search, and open a result that sits on a branch not shown', async ({ page, host }) => {
  await openApp(page, host.current.url);
  await page.getByTestId('import-input').setInputFiles(fixture('chatgpt-conversations.json'));
  await expect(page.getByTestId('notice')).toContainText('Imported 2 conversations (8 messages) from chatgpt');
  await expect(page.getByTestId('conversation-item')).toHaveCount(2);
  await page.keyboard.press('Control+k');
  await page.getByTestId('search-input').fill('"equal weights"');
  const result = page.getByTestId('search-result').first();
  await expect(result).toContainText('Sourdough starter help');
  await expect(result.locator('mark').first()).toContainText('equal');
  const id = await result.getAttribute('data-message-id');
  await result.click();
  const message = page.locator(`[data-testid="message"][data-id="${id}"]`);
  await expect(message).toBeVisible();
  await expect(message).toHaveClass(/highlighted/);
  await expect(message).toContainText('50 g starter, 50 g flour, 50 g water');
  // The branch switch was stored: the other branch's answer is no longer in the thread.
  await expect(page.locator('[data-testid="message"]', { hasText: '80% hydration' })).toHaveCount(0);
  // Importing the same file again adds nothing.
  await page.getByTestId('import-input').setInputFiles(fixture('chatgpt-conversations.json'));
  await expect(page.getByTestId('notice')).toContainText('2 already here, skipped');
  await expect(page.getByTestId('conversation-item')).toHaveCount(2);
});

test('a malformed file is refused with a reason and imports nothing', async ({ page, host }) => {
  await openApp(page, host.current.url);
  const bad = path.join(tempDir(), 'bad.json');
  fs.writeFileSync(bad, '[{"mapping": {');
  await page.getByTestId('import-input').setInputFiles(bad);
  await expect(page.getByTestId('error-banner')).toContainText('not valid JSON');
  await expect(page.getByTestId('conversation-item')).toHaveCount(0);
});

test('the import notice counts what was added and everything left out or repaired', async ({ page, host }) => {
  await openApp(page, host.current.url);
  const msg = (uuid: string, sender: string, text: string, parent: string) => ({
    uuid,
    text,
    sender,
    created_at: '2025-01-01T00:00:00Z',
    parent_message_uuid: parent,
  });
  // A Claude export in the shape of test/fixtures/claude-conversations.json, with one of each thing import repairs or skips.
  const cycles = {
    uuid: 'cyc',
    name: 'Cycles',
    created_at: '2025-01-01T00:00:00Z',
    chat_messages: [
      msg('c1', 'human', 'first loop', 'c2'),
      msg('c2', 'assistant', 'second loop', 'c1'),
      msg('c3', 'human', 'own parent', 'c3'),
    ],
  };
  const plain = { uuid: 'p', name: 'Plain', created_at: '2025-01-01T00:00:00Z', chat_messages: [msg('p1', 'human', 'hello', '')] };
  const file = path.join(tempDir(), 'claude-repairs.json');
  fs.writeFileSync(
    file,
    JSON.stringify([
      cycles,
      plain,
      plain, // the same id again: skipped
      { uuid: 'empty', name: 'Empty', created_at: '2025-01-01T00:00:00Z', chat_messages: [] },
      {
        uuid: 'rep',
        name: 'Repeated id',
        created_at: '2025-01-01T00:00:00Z',
        chat_messages: [msg('r1', 'human', 'hello \ud800', ''), msg('r1', 'human', 'again', ''), msg('r2', 'assistant', 'hi', 'r1')],
      },
    ]),
  );
  await page.getByTestId('import-input').setInputFiles(file);
  await expect(page.getByTestId('notice')).toContainText(
    'Imported 3 conversations (6 messages) from claude; 1 conversation without text skipped; 1 conversation with repeated or taken ids skipped; 1 repeated message left out; 2 parent cycles cut; 1 broken character replaced.',
  );
  await expect(page.getByTestId('conversation-item')).toHaveCount(3);
  await page.getByTestId('import-input').setInputFiles(fixture('chatgpt-conversations.json'));
  await expect(page.getByTestId('notice')).toContainText('Imported 2 conversations (8 messages) from chatgpt.'); // nothing to add
});

test('a zip of many files with one that is not JSON is refused naming that file and what is wrong', async ({ page, host }) => {
  await openApp(page, host.current.url);
  const items = JSON.parse(fs.readFileSync(fixture('chatgpt-conversations.json'), 'utf8')) as unknown[];
  const zip = path.join(tempDir(), 'chats.zip');
  writeZip(zip, {
    'conversations/01.json': JSON.stringify(items[0]),
    'conversations/02.json': JSON.stringify(items[1]),
    'conversations/12.json': '{"title": "Broken" "mapping": {}}',
  });
  await page.getByTestId('import-input').setInputFiles(zip);
  // The reason is V8's, worded a little differently across Node versions; the position is not.
  await expect(page.getByTestId('error-banner')).toContainText(/conversations\/12\.json is not valid JSON: .* at position 19\b/);
  await expect(page.getByTestId('conversation-item')).toHaveCount(0);
});

test('an exported HTML file of hostile messages runs no script and loads nothing when opened in Chromium', async ({ page, host }) => {
  const hostile = [
    {
      uuid: 'x1',
      name: 'Hostile',
      created_at: '2025-01-01T00:00:00Z',
      chat_messages: [
        { uuid: 'h1', text: 'show me', sender: 'human', created_at: '2025-01-01T00:00:01Z' },
        {
          uuid: 'h2',
          sender: 'assistant',
          created_at: '2025-01-01T00:00:02Z',
          text: '<script>window.__pwned = 1; alert(1)</script>\n\n<img src="x" onerror="window.__pwned = 2">\n\n[click me](javascript:window.__pwned=3)\n\n![remote](http://127.0.0.1:9/track.png)\n\n<a href="javascript:window.__pwned=4" id="evil">evil</a>\n\n<svg onload="window.__pwned=5"></svg>',
        },
      ],
    },
  ];
  const auth = { headers: host.current.headers };
  const imported = await fetch(`${host.current.url}/api/import`, { method: 'POST', body: JSON.stringify(hostile), ...auth });
  expect(imported.status).toBe(200);
  const [conv] = (await (await fetch(`${host.current.url}/api/sessions`, auth)).json()) as { id: string }[];
  const res = await fetch(`${host.current.url}/api/sessions/${conv!.id}/export?format=html`, auth);
  expect(res.headers.get('content-disposition')).toMatch(/attachment; filename="Hostile.html"/);
  const file = path.join(tempDir(), 'export.html');
  fs.writeFileSync(file, await res.text());
  const dialogs: string[] = [];
  const requests: string[] = [];
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  page.on('request', (r) => requests.push(r.url()));
  await page.goto(`file://${file}`);
  await expect(page.locator('h1')).toHaveText('Hostile');
  // No link can run script: every link left is http(s) or mailto (here: none at all).
  expect(
    await page.locator('a').evaluateAll((as) => as.map((a) => a.getAttribute('href')).filter((h) => !/^(https?:|mailto:)/i.test(h ?? ''))),
  ).toEqual([]);
  expect(await page.evaluate(() => (window as { __pwned?: number }).__pwned)).toBeUndefined();
  expect(await page.locator('script, img, svg, iframe').count()).toBe(0);
  await expect(page.locator('body')).toContainText('<script>window.__pwned = 1; alert(1)</script>');
  expect(dialogs).toEqual([]);
  expect(requests.filter((u) => !u.startsWith('file://'))).toEqual([]);
});

test('export the open conversation as Markdown from the app', async ({ page, host }) => {
  await openApp(page, host.current.url);
  await page.getByTestId('import-input').setInputFiles(fixture('claude-conversations.json'));
  await expect(page.getByTestId('notice')).toContainText('from claude');
  await page.locator('[data-testid="conversation-item"]', { hasText: 'Rust lifetimes' }).click();
  await expect(page.getByTestId('message-thinking')).toHaveCount(0); // the shown branch's answer has no thinking
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-select').selectOption('md')]);
  expect(download.suggestedFilename()).toBe('Rust lifetimes.md');
  const text = fs.readFileSync((await download.path())!, 'utf8');
  expect(text).toContain('# Rust lifetimes');
  expect(text).toContain('A lifetime parameter names how long the borrowed values live.');
  expect(text).not.toContain('It ties the returned reference'); // that variant is not on the current thread
});
