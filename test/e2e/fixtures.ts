/** Playwright fixtures: a local Anthropic server, the built headless host as a child process, helpers to read the screen. */
import crypto from 'node:crypto';
import { test as base, expect, type Locator, type Page } from '@playwright/test';
import { Marked } from 'marked';
import { FakeAnthropic } from '../support/fake-anthropic';
import { startHostProcess, type HostProcess } from '../support/host-process';
import { tempDir } from '../support/core';
import { tokenFor } from '../support/http';

export interface HostControl {
  current: HostProcess;
  dataDir: string;
  /** Kills the host (SIGKILL by default) and starts it again on the same port and data. */
  restart(signal?: NodeJS.Signals): Promise<void>;
}

export const test = base.extend<{ fake: FakeAnthropic; host: HostControl }>({
  fake: async ({}, use) => {
    const fake = await new FakeAnthropic({ paceMs: 12 }).listen();
    await use(fake);
    await fake.close();
  },
  host: async ({ fake }, use) => {
    const dataDir = tempDir('holdfast-e2e-');
    // One secret for the test, so a page opened before a restart still holds a valid cookie after it.
    const token = crypto.randomBytes(24).toString('base64url');
    const launch = (port?: number) =>
      startHostProcess({
        dataDir,
        port,
        env: { ANTHROPIC_API_KEY: 'test-key', ANTHROPIC_BASE_URL: fake.url, HOLDFAST_TOKEN: token },
        args: ['--watchdog-ms', '4000'],
      });
    const control: HostControl = {
      current: await launch(),
      dataDir,
      async restart(signal = 'SIGKILL') {
        await control.current.kill(signal);
        control.current = await launch(control.current.port);
      },
    };
    await use(control);
    await control.current.kill('SIGKILL');
  },
});
export { expect };

/** Whitespace runs as one space: rendered text is compared as a person reads it, not by its line breaks. */
const normalise = (s: string) => s.replace(/\s+/g, ' ').trim();
const ENTITIES: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'" };

/** The text a person reads in a message: an answer's rendered Markdown (without code-block chrome), or a prompt. */
export async function shownText(message: Locator): Promise<string> {
  return message.getByTestId('message-content').evaluate((el) => {
    const md = el.querySelector('.markdown');
    if (!md) return el.querySelector('.user-text')?.textContent ?? '';
    const copy = md.cloneNode(true) as HTMLElement;
    for (const chrome of copy.querySelectorAll('.code-head, .md-note')) chrome.remove();
    return (copy.textContent ?? '').replace(/\s+/g, ' ').trim();
  });
}

/** How much of the answer's Markdown the window shows (for a partial answer), in characters. */
export async function shownLength(message: Locator): Promise<number> {
  return Number(await message.locator('.markdown').getAttribute('data-length'));
}

/** The text `markdown` reads as once rendered, the way `shownText` reads a message (answers from the local server are plain prose, lists and code). */
export function renderedText(markdown: string): string {
  const html = new Marked({ gfm: true }).parse(markdown, { async: false });
  return normalise(html.replace(/<[^>]*>/g, '').replace(/&(?:amp|lt|gt|quot|#39);/g, (e) => ENTITIES[e]!));
}

/** Opens `url` (the host's address, maybe with a `#/c/ID` route) as the printed URL does: with `?token=`. */
export async function openApp(page: Page, url: string): Promise<void> {
  const address = new URL(url);
  const token = tokenFor(url);
  if (token) address.searchParams.set('token', token);
  await page.goto(address.toString());
  // The host traded the secret for a cookie and took it out of the address bar.
  expect(new URL(page.url()).searchParams.has('token')).toBe(false);
  await expect(page.getByTestId('connection-status')).toHaveAttribute('data-state', 'connected');
}

export async function sendMessage(page: Page, text: string): Promise<void> {
  await page.getByTestId('composer-input').fill(text);
  await page.getByTestId('composer-input').press('Enter');
}

export function lastAssistant(page: Page): Locator {
  return page.locator('[data-testid="message"][data-role="assistant"]').last();
}

/** Waits until the message shows `completed` and exactly the answer `markdown`, rendered. */
export async function expectAnswer(message: Locator, markdown: string): Promise<void> {
  await expect(message).toHaveAttribute('data-status', 'completed', { timeout: 45_000 });
  await expect.poll(() => shownText(message), { timeout: 10_000 }).toBe(renderedText(markdown));
}

export async function newConversation(page: Page): Promise<string> {
  const messages = page.getByTestId('message');
  const current = page.locator('[data-testid="conversation-item"][aria-current="page"]');
  const shownId = () => current.evaluateAll((els) => els[0]?.getAttribute('data-id') ?? null);
  const before = await shownId();
  // New reuses the shown conversation only if it is blank: no messages, no title, nothing in its composer.
  const wasEmpty =
    before !== null &&
    (await messages.count()) === 0 &&
    (await current.locator('.title').textContent()) === 'New conversation' &&
    (await page.getByTestId('composer-input').inputValue()) === '' &&
    (await page.getByTestId('composer-attachment').count()) === 0;
  await page.getByTestId('new-conversation').click();
  // New shows an empty conversation: a new one, or one still empty (no messages, no title) rather than another. The
  // list hears of a new one (an event) a moment before the window opens it (the call's answer): wait for the open one
  // to be another, empty one (or the empty one it was), or the test would go on in the conversation it came from.
  let id: string | null = null;
  await expect
    .poll(async () => {
      id = await shownId();
      return id !== null && (id !== before || wasEmpty) && (await messages.count()) === 0;
    })
    .toBe(true);
  return id!;
}
