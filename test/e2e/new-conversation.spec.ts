/** New conversation never leaves a trail of empty ones: it shows one still blank instead of creating another. */
import { expect, expectAnswer, lastAssistant, openApp, sendMessage, test } from './fixtures';
import { FakeAnthropic } from '../support/fake-anthropic';

test('clicking New conversation again, or after moving to a used one, shows the same empty conversation', async ({ page, host }) => {
  await openApp(page, host.current.url);
  const items = page.getByTestId('conversation-item');
  const current = page.locator('[data-testid="conversation-item"][aria-current="page"]');
  await sendMessage(page, 'A first question [len=40]');
  await expectAnswer(lastAssistant(page), FakeAnthropic.answer('A first question [len=40]'));
  const used = await current.getAttribute('data-id');

  await page.getByTestId('new-conversation').click();
  await expect(items).toHaveCount(2);
  await expect(current).not.toHaveAttribute('data-id', used!);
  const empty = await current.getAttribute('data-id');
  await page.getByTestId('new-conversation').click();
  await page.getByTestId('new-conversation').click();
  await page.locator(`[data-testid="conversation-item"][data-id="${used}"]`).click();
  await expect(current).toHaveAttribute('data-id', used!);
  await page.getByTestId('new-conversation').click();
  await expect(current).toHaveAttribute('data-id', empty!);
  await expect(items).toHaveCount(2); // no second empty conversation was made
  await expect(page.getByTestId('message')).toHaveCount(0);
});

test('what is typed straight after New, before the new conversation exists, goes to the new one and not the one left', async ({
  page,
  host,
}) => {
  // The host's answer to "create a conversation" is held back, so the typing surely lands before the new one exists.
  let holding = false;
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  await page.routeWebSocket(/\/ws$/, (ws) => {
    const server = ws.connectToServer();
    const creates = new Set<number>();
    ws.onMessage((m) => {
      const frame = JSON.parse(String(m)) as { id: number; method: string };
      if (holding && frame.method === 'conversations.create') creates.add(frame.id);
      server.send(m);
    });
    server.onMessage((m) => {
      const frame = JSON.parse(String(m)) as { id?: number };
      if (frame.id !== undefined && creates.has(frame.id)) void held.then(() => ws.send(m));
      else ws.send(m);
    });
  });
  await openApp(page, host.current.url);
  const current = page.locator('[data-testid="conversation-item"][aria-current="page"]');
  const input = page.getByTestId('composer-input');
  await sendMessage(page, 'A first question [len=40]');
  await expectAnswer(lastAssistant(page), FakeAnthropic.answer('A first question [len=40]'));
  const used = await current.getAttribute('data-id');
  await input.fill('a draft for the conversation left');

  holding = true;
  await page.getByTestId('new-conversation').click();
  await expect(input).toHaveValue(''); // blank from the click, not the draft of the conversation left
  await input.pressSequentially('typed before it exists');
  await expect(current).toHaveAttribute('data-id', used!); // the new one is not made yet
  release();
  await expect(current).not.toHaveAttribute('data-id', used!);
  await expect(input).toHaveValue('typed before it exists');
  await expect(page.getByTestId('message')).toHaveCount(0);
  await page.locator(`[data-testid="conversation-item"][data-id="${used}"]`).click();
  await expect(current).toHaveAttribute('data-id', used!);
  await expect(input).toHaveValue('a draft for the conversation left');
});
