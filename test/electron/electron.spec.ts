/** The seed scenarios through the real desktop shell; skipped, with the reason printed, where Electron's binary is absent. */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { _electron as electron, expect, test, type ElectronApplication } from '@playwright/test';
import { FakeAnthropic } from '../support/fake-anthropic';
import { tempDir } from '../support/core';
import { expectAnswer, lastAssistant, sendMessage, shownText } from '../e2e/fixtures';

function electronBinary(): string | null {
  try {
    const p = createRequire(import.meta.url)('electron') as unknown;
    return typeof p === 'string' && fs.existsSync(p) ? p : null;
  } catch {
    return null; // the package throws when its binary was never downloaded
  }
}

const binary = electronBinary();
const reason =
  'Electron binary not installed (installed with ELECTRON_SKIP_BINARY_DOWNLOAD=1); the same scenarios run against the headless host in test/e2e';
if (!binary) console.log(`[electron tests] skipped: ${reason}`);
test.skip(!binary, reason);

// The app loads better-sqlite3 built for Electron (native/electron/); build it once, or find it already built.
test.beforeAll(() => {
  test.setTimeout(600_000); // a build from source, where no prebuilt binary exists, takes minutes
  const r = spawnSync(process.execPath, ['scripts/native-electron.mjs'], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error('npm run native:electron failed: the desktop app cannot open its database without it');
});

let fake: FakeAnthropic;
test.beforeEach(async () => {
  fake = await new FakeAnthropic({ paceMs: 12 }).listen();
});
test.afterEach(async () => {
  await fake.close();
});

async function launch(dataDir: string): Promise<ElectronApplication> {
  return electron.launch({
    executablePath: binary!,
    args: [path.resolve('.'), '--no-sandbox'],
    env: { ...process.env, ANTHROPIC_API_KEY: 'test-key', ANTHROPIC_BASE_URL: fake.url, HOLDFAST_DATA_DIR: dataDir },
  });
}

test('reload mid-answer in the desktop window: the answer continues to the end', async () => {
  const app = await launch(tempDir());
  const page = await app.firstWindow();
  const prompt = 'Electron reload [len=4000]';
  await sendMessage(page, prompt);
  await expect.poll(async () => (await shownText(lastAssistant(page))).length).toBeGreaterThan(300);
  await page.reload();
  await expectAnswer(lastAssistant(page), FakeAnthropic.answer(prompt));
  await app.close();
});

test('a second window (Ctrl/Cmd+N) follows the answer live', async () => {
  const app = await launch(tempDir());
  const first = await app.firstWindow();
  const prompt = 'Electron two windows [len=3000]';
  await sendMessage(first, prompt);
  await expect(lastAssistant(first)).toHaveAttribute('data-status', 'generating');
  const id = await first.locator('[data-testid="conversation-item"][aria-current="page"]').getAttribute('data-id');
  const [second] = await Promise.all([
    app.waitForEvent('window'),
    app.evaluate(({ Menu }) => Menu.getApplicationMenu()?.getMenuItemById('new-window')?.click()),
  ]);
  await second.locator(`[data-testid="conversation-item"][data-id="${id}"]`).click();
  await expectAnswer(lastAssistant(second), FakeAnthropic.answer(prompt));
  await app.close();
});

test('Stop keeps the partial text as cancelled', async () => {
  const app = await launch(tempDir());
  const page = await app.firstWindow();
  await sendMessage(page, 'Electron stop [len=6000]');
  await expect.poll(async () => (await shownText(lastAssistant(page))).length).toBeGreaterThan(300);
  await page.getByTestId('stop-button').click();
  await expect(lastAssistant(page)).toHaveAttribute('data-status', 'cancelled');
  await app.close();
});

test('a quit mid-answer resumes the answer at the next start', async () => {
  const dataDir = tempDir();
  const prompt = 'Electron quit [len=5000]';
  const app = await launch(dataDir);
  const page = await app.firstWindow();
  await sendMessage(page, prompt);
  await expect.poll(async () => (await shownText(lastAssistant(page))).length).toBeGreaterThan(300);
  await app.close();
  const again = await launch(dataDir);
  const page2 = await again.firstWindow();
  await page2.getByTestId('conversation-item').first().click();
  await expectAnswer(lastAssistant(page2), FakeAnthropic.answer(prompt));
  await again.close();
});

test('the window is sandboxed, isolated and has no Node', async () => {
  const app = await launch(tempDir());
  const page = await app.firstWindow();
  expect(await page.evaluate(() => typeof (globalThis as { require?: unknown }).require)).toBe('undefined');
  expect(await page.evaluate(() => typeof (globalThis as { process?: unknown }).process)).toBe('undefined');
  expect(await page.evaluate(() => Object.keys(window.holdfast ?? {}).sort())).toEqual(['invoke', 'subscribe']);
  await app.close();
});

test('errors reach the page whole: code and details cross the bridge as a value', async () => {
  const app = await launch(tempDir());
  const page = await app.firstWindow();
  await expect(page.getByTestId('new-conversation')).toBeVisible();
  const missing = await page.evaluate(() => window.holdfast!.invoke('conversations.get', { id: 'no-such-conversation' }));
  expect(missing).toMatchObject({ ok: false, error: { code: 'not_found' } });
  const invalid = await page.evaluate(() => window.holdfast!.invoke('conversations.create', { title: 42 }));
  expect(invalid).toMatchObject({ ok: false, error: { code: 'invalid_input', details: [expect.objectContaining({ path: ['title'] })] } });
  const ok = await page.evaluate(() => window.holdfast!.invoke('app.status', {}));
  expect(ok).toMatchObject({ ok: true, result: { network: expect.anything() } });
  await app.close();
});

test('Copy puts the answer on the clipboard (the one permission the app grants)', async () => {
  const app = await launch(tempDir());
  const page = await app.firstWindow();
  const prompt = 'Electron copy [len=200]';
  await sendMessage(page, prompt);
  await expectAnswer(lastAssistant(page), FakeAnthropic.answer(prompt));
  await lastAssistant(page).getByTestId('copy-message').click();
  await expect.poll(() => app.evaluate(({ clipboard }) => clipboard.readText())).toBe(FakeAnthropic.answer(prompt));
  expect(await page.evaluate(async () => (await navigator.permissions.query({ name: 'clipboard-write' as PermissionName })).state)).toBe(
    'granted',
  );
  expect(await page.evaluate(async () => (await navigator.permissions.query({ name: 'geolocation' })).state)).toBe('denied');
  await app.close();
});

test('spellcheck uses the OS spellchecker, and is off on Linux (no dictionary downloads)', async () => {
  const app = await launch(tempDir());
  await app.firstWindow();
  expect(await app.evaluate(({ session }) => session.defaultSession.isSpellCheckerEnabled())).toBe(process.platform !== 'linux');
  await app.close();
});
