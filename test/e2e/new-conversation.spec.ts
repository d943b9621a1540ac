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
